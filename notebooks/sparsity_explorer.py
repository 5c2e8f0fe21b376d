# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["launch-header"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/sparsity_explorer.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/sparsity_explorer.ipynb)
#
# Prose and figures © The sparse-autoencoder course contributors, [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/); code [MIT](https://github.com/sae-course/sparse-autoencoders/blob/v0.2.0/LICENSE).

# %% tags=["launch-header"]
# Set-up for Google Colab (anywhere else this cell does nothing): install sae_lib from the course
# repository. Colab already has torch, torchvision, matplotlib, seaborn, scikit-learn and ipywidgets,
# so --no-deps keeps its versions (upgrading ipywidgets mid-session would need a restart).
import sys

if "google.colab" in sys.modules:
    # %pip install -q --no-deps "sae_lib @ git+https://github.com/sae-course/sparse-autoencoders@v0.2.0"
    from sae_lib.widgets import enable_colab_widgets

    enable_colab_widgets()  # Colab's custom widget manager, so the sliders show

# %% [markdown]
# # Sparsity explorer
#
# Move ρ (the target mean activation) and β (the weight of the KL penalty): a one-layer sparse
# autoencoder (784 → 128 → 784, sigmoid code) retrains on MNIST and redraws its reconstructions, the
# histogram of its code, and each unit's mean activation against ρ. The readout puts its test error
# and variance explained next to two baselines: the mean image and PCA with as many components as
# units. Serve this page on its own with `voila notebooks/sparsity_explorer.ipynb`.
#
# Things to try: β = 0 (no penalty: the code goes dense, ρ̂ far above ρ), β from 10⁻⁴ up to 10 (ρ̂ is
# pulled to ρ, then held there while reconstruction pays more and more), and ρ = 0.005 (a total activation
# of about 128 × 0.005 ≈ 0.6 per digit: in the explorer's quick fine-tune the reconstructions fall back
# to the mean image, a limit of the fine-tune and not of ρ, as the last cell explains). The last cell
# measures the first and the last. Each new setting fine-tunes a copy of one unpenalised model for
# 125 steps of 32 digits (one pass over its 4,000 training digits), so it answers in a fraction of a second; the model trains on the CPU even where there
# is a GPU, because at this size the transfer would cost more than it saves.

# %%
# NBVAL_IGNORE_OUTPUT
import sae_lib
from sae_lib.widgets import SparsityExplorer

explorer = SparsityExplorer(sae_lib.load_mnist())
explorer

# %% [markdown]
# At the default setting (ρ = 0.1, β = 0.03, 128 units, the ρ of UFLDL's MNIST exercise) the model
# must have learned and met its target; this cell checks it.

# %%
m = explorer.metrics
print(f"variance explained {m['variance_explained']:.2f}, mean ρ̂ {m['mean_rho_hat']:.3f} (ρ = {m['rho']:g})")
assert m["variance_explained"] >= 0.6 and abs(m["mean_rho_hat"] - m["rho"]) <= 0.25 * m["rho"]

# %% [markdown]
# Two of the things to try, measured on this explorer (each is one more fine-tuning; the cell puts
# the sliders back where they were): β = 0 gives a dense code, and ρ = 0.005, after the explorer's
# 125 fine-tuning steps, leaves reconstructions no better than the mean image. Normalised MSE compares
# with the mean image directly (1 is the mean image's score); variance explained stays a little above
# 0 because it ignores a constant offset in the error (notebook 04 explains).
#
# That second result belongs to the quick fine-tune, not to ρ = 0.005. In 125 steps the penalty drags
# every unit's mean activation from the unpenalised model's down to 0.005 before the decoder has
# adapted to codes that quiet. A code that lights only a few units per digit can still name a
# prototype for each digit and beat the mean image, and given time the same setting does: 1,000
# fine-tuning steps instead of 125 take its normalised MSE below 0.8 (checked by
# `tests/test_sparsity_explorer.py`, not shown here: that run takes longer than this page should).

# %%
rho, beta = explorer.rho_slider.value, explorer.beta_slider.value
dense = explorer.set(beta=0.0).metrics
starved = explorer.set(rho=0.005, beta=beta).metrics
explorer.set(rho=rho, beta=beta)
print(f"β = 0:       mean ρ̂ {dense['mean_rho_hat']:.2f} (ρ = {dense['rho']:g}), L0 {dense['l0']:.0f} of 128 units")
print(f"ρ = 0.005:   normalised MSE {starved['normalized_mse']:.2f}, variance explained "
      f"{starved['variance_explained']:.2f}, L0 {starved['l0']:.1f}")
assert dense["mean_rho_hat"] > 4 * dense["rho"] and dense["l0"] > 2 * m["l0"]
assert starved["normalized_mse"] > 0.95 and starved["variance_explained"] < 0.2
