# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["launch-header"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/04_testing.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/04_testing.ipynb)

# %% tags=["launch-header"]
# Set-up for Google Colab (anywhere else this cell does nothing): install sae_lib from the course
# repository. Colab already has torch, torchvision, matplotlib, seaborn, scikit-learn and ipywidgets,
# so --no-deps keeps its versions (upgrading ipywidgets mid-session would need a restart).
import sys

if "google.colab" in sys.modules:
    # %pip install -q --no-deps "sae_lib @ git+https://github.com/sae-course/sparse-autoencoders@main"
    from sae_lib.widgets import enable_colab_widgets

    enable_colab_widgets()  # Colab's custom widget manager, so the sliders show

# %% [markdown]
# # 04 · Testing: how good is the model, and how sparse?
#
# **After this notebook you can** measure a model on held-out digits, look at its reconstructions
# and its error per digit class, and compare models with five numbers: test MSE, mean ρ̂ against ρ,
# L0, dead units and variance explained, for a plain autoencoder and a small sweep of β.

# %%
import matplotlib.pyplot as plt
import torch

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises, plots

device = sae_lib.default_device()
print(f"Using device: {device}")
data = sae_lib.load_mnist()

# %% [markdown]
# ## Train the models to compare
#
# A plain autoencoder and two sparse ones (ρ = 0.05) that differ only in β, each trained from the
# same seed for the same number of steps (300, under a second each), so β is the only difference.

# %%
betas = [0.0, 1e-3, 1e-2]
models = {}
for beta in betas:
    config = TrainConfig(penalty="kl" if beta else "none", rho=0.05, beta=beta, steps=300, seed=0)
    models[beta], _ = sae_lib.train(data.train_images, data.test_images, SAEConfig(), config, device=device,
                                    progress=False)

# %% [markdown]
# ## Test reconstruction loss and what it looks like
#
# The test set is 1,000 digits the models never saw. Top row: originals; bottom: the β = 10⁻²
# model's reconstructions.

# %%
model = models[1e-2]
x_hat, z = sae_lib.metrics.reconstruct(model, data.test_images)
print(f"test MSE: {torch.nn.functional.mse_loss(x_hat.cpu(), data.test_images.reshape(-1, 784)):.4f}")
plots.plot_reconstructions(data.test_images, x_hat, n=10)

# %% [markdown]
# ## Error per digit class
#
# Averages hide a lot. Some digits are harder than others: a 1 is a single stroke, an 8 or a 2 has
# more to get right.

# %%
errors = ((x_hat.cpu() - data.test_images.reshape(-1, 784)) ** 2).mean(dim=1)
per_class = torch.stack([errors[data.test_labels == c].mean() for c in range(10)])
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(range(10), per_class)
ax.set(xticks=range(10), xlabel="digit", ylabel="test MSE", title="reconstruction error per digit class")
plt.show()

# %% [markdown]
# ## The metrics table
#
# `sae_lib.evaluate` reports, on the test set:
#
# * **test MSE**: mean squared reconstruction error per pixel;
# * **mean ρ̂**: the average unit's mean activation, to compare with ρ = 0.05;
# * **L0**: how many of the 32 units are active per digit (a sigmoid unit counts as active above 0.1);
# * **dead fraction**: units active on no test digit at all (they cost capacity and learn nothing);
# * **variance explained**: 1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d, the share of the pixels' variance
#   the reconstruction captures (1 is perfect, 0 is no better than the mean image).

# %%
# NBVAL_CHECK_OUTPUT
rows = {beta: sae_lib.evaluate(m, data.test_images, rho=0.05) for beta, m in models.items()}
print(f"{'β':>8} {'test MSE':>9} {'mean ρ̂':>7} {'L0':>5} {'dead':>5} {'var. expl.':>10}")
for beta, r in rows.items():
    print(f"{beta:>8g} {r['test_mse']:>9.4f} {r['mean_rho_hat']:>7.3f} {r['l0']:>5.1f} {r['dead_fraction']:>5.0%} "
          f"{r['variance_explained']:>10.3f}")

# %% [markdown]
# The same table as a picture: as β grows, the code gets sparser (L0 and mean ρ̂ fall towards the
# target) while the reconstruction error moves much less.

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3))
labels = [f"{b:g}" for b in rows]
for ax, key, title in zip(axes, ["test_mse", "l0", "mean_rho_hat"], ["test MSE", "L0 (of 32)", "mean ρ̂"]):
    ax.bar(labels, [r[key] for r in rows.values()])
    ax.set(xlabel="β", title=title)
axes[2].axhline(0.05, color="tab:red", linestyle="--", label="ρ")
axes[2].legend()
plt.show()

# %% [markdown]
# ### Exercise 1: variance explained
#
# Complete `my_variance_explained(x, x_hat)` for flat [samples, pixels] tensors.

# %%
# NBVAL_CHECK_OUTPUT
def my_variance_explained(x, x_hat):
    raise NotImplementedError  # your code here


exercises.check_variance_explained(my_variance_explained)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_variance_explained(x, x_hat):
    return 1 - (x - x_hat).var(dim=0).sum() / x.var(dim=0).sum()


exercises.check_variance_explained(my_variance_explained)

# %% [markdown]
# ### Exercise 2: L0
#
# Complete `my_l0(z, threshold)`: the mean number of units per input whose |z| exceeds the threshold.

# %%
# NBVAL_CHECK_OUTPUT
def my_l0(z, threshold):
    raise NotImplementedError  # your code here


exercises.check_l0(my_l0)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_l0(z, threshold):
    return (z.abs() > threshold).sum(dim=1).float().mean()


exercises.check_l0(my_l0)

# %% [markdown]
# ## Summary
#
# * Always measure on held-out data, and look per class as well as on average.
# * Five numbers describe a sparse autoencoder: test MSE, mean ρ̂ vs ρ, L0, dead units, variance explained.
# * Raising β trades a little reconstruction for a much sparser code.
#
# Next, **05 · Latent visualisation** looks inside the code itself.
