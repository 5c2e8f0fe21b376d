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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/03_training.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/03_training.ipynb)

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
# # 03 · Training a sparse autoencoder
#
# **After this notebook you can** write the sparse autoencoder's loss, train the classic model with
# `sae_lib.train` and settings that learn, check that it learned (variance explained, reconstructions
# you can recognise), diagnose a run that did not, read its loss curves with reconstruction and
# sparsity apart, and compare it with a plain autoencoder (β = 0).

# %%
# %matplotlib inline
import dataclasses
import math

import torch

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises, plots, widgets  # noqa: F401 (widgets: the explorer below)
from sae_lib.training import KeepAtStep

device = sae_lib.default_device()
print(f"Using device: {device}")
data = sae_lib.load_mnist()

# %% [markdown]
# ## The loss
#
# For a batch of inputs x with reconstructions x̂ and codes z, the loss is
#
# $$\mathcal{L} = \underbrace{\frac{1}{nD}\sum_{i,d}(x_{id}-\hat x_{id})^2}_{\text{reconstruction (MSE)}}
#   + \beta \sum_j \mathrm{KL}(\rho\,\|\,\hat\rho_j), \qquad \hat\rho_j = \frac{1}{n}\sum_i z_{ij}.$$
#
# The first term asks for faithful reconstructions, the second for a sparse code; β sets the
# exchange rate. ρ̂ is computed on each mini-batch, so a batch must be large enough (128 here) for
# its mean to mean something. Note the scale: the MSE is a mean over all n·D pixel values, so it is
# small (around 0.01–0.07 on MNIST) and β must be small too.

# %% [markdown]
# ### Exercise 1: the total loss
#
# Complete `my_total_loss(x, x_hat, z, rho, beta)` (flat tensors; `sae_lib.kl_divergence` is yours to use).

# %%
# NBVAL_CHECK_OUTPUT
def my_total_loss(x, x_hat, z, rho, beta):
    raise NotImplementedError  # your code here


exercises.check_total_loss(my_total_loss)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_total_loss(x, x_hat, z, rho, beta):
    return ((x - x_hat) ** 2).mean() + beta * sae_lib.kl_divergence(rho, z.mean(dim=0))


exercises.check_total_loss(my_total_loss)

# %% [markdown]
# ## Steps, not epochs
#
# What a model learns depends on how many updates it gets, not on how many times it has seen the
# data. Ten epochs are very different budgets on the full data set and on the offline sample:

# %%
# NBVAL_CHECK_OUTPUT
for name, n_images in [("full MNIST", 60_000), ("offline sample", 4_000)]:
    print(f"10 epochs of {n_images:>6,} images at batch 128 = {10 * math.ceil(n_images / 128):>5,} Adam steps ({name})")

# %% [markdown]
# So `sae_lib` budgets training in **optimiser steps**: `TrainConfig(steps=...)` runs as many whole
# epochs as that takes, whatever the size of the data (`epochs=...` is there too; give one or the other).

# %% [markdown]
# ### Exercise 2: how many steps?
#
# Complete `my_steps(n_images, batch_size, epochs)`: the number of optimiser steps (the last, smaller
# batch of an epoch is a step too).

# %%
# NBVAL_CHECK_OUTPUT
def my_steps(n_images, batch_size, epochs):
    raise NotImplementedError  # your code here


exercises.check_steps(my_steps)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_steps(n_images, batch_size, epochs):
    return epochs * math.ceil(n_images / batch_size)


exercises.check_steps(my_steps)

# %% [markdown]
# ## The recipe
#
# `TrainConfig()`'s defaults are the recipe this course teaches: the KL penalty with ρ = 0.05 and
# β = 5·10⁻³, Adam at a learning rate of 10⁻², batches of 128, 3,000 steps.

# %%
# NBVAL_CHECK_OUTPUT
TrainConfig()

# %% [markdown]
# ## Training the classic model
#
# 784 → 128 → 32 → 128 → 784 with a sigmoid code (`SAEConfig()`), trained with that recipe. The seed
# fixes the initial weights and the batch order, so this cell gives the same numbers every time on a
# CPU. `sae_lib.train(...)` does the three steps below in one call (seed, build, fit); we spell them
# out so that a callback can watch the run: `on_epoch_end` runs after every epoch, and `KeepAtStep`
# keeps a copy of the model as it was at the end of the first epoch past 1,000 steps (`taken_at` says
# exactly when), for a comparison at the end of this notebook.
# (`progress=False` keeps the page tidy; leave it out to see a tqdm progress bar.)

# %%
torch.manual_seed(TrainConfig().seed)
model = sae_lib.SparseAutoencoder(SAEConfig())
at_1000 = KeepAtStep(model, 1_000)
history = sae_lib.fit(model, data.train_images, data.test_images, TrainConfig(), device=device, progress=False,
                      on_epoch_end=at_1000)
sparse = sae_lib.evaluate(model, data.test_images, rho=0.05)
print(f"{history.steps} steps in {history.seconds:.1f} s: test MSE {sparse['test_mse']:.4f}, "
      f"variance explained {sparse['variance_explained']:.3f}, mean ρ̂ {sparse['mean_rho_hat']:.3f} (ρ = 0.05)")

# Saved for notebook 04, with a key saying how it was made: 04 trains its own if anything differs.
recipe_key = {"model": SAEConfig().to_dict(), "train": dataclasses.asdict(TrainConfig()), "data": data.source}
sae_lib.save(model, sae_lib.data.default_root() / "models" / "recipe.pt", metadata={"key": recipe_key})

# %% [markdown]
# **Variance explained** (VE) is the share of the pixels' variance that the reconstructions capture:
# 0 is what predicting the mean image for every digit scores, 1 is perfect (notebook 04 measures it
# and its caveat properly). Look at what the model does with test digits it never saw:

# %%
x_hat, z = sae_lib.reconstruct(model, data.test_images)
x_hat, z = x_hat.cpu(), z.cpu()
plots.plot_reconstructions(data.test_images, x_hat, n=10)

# %% [markdown]
# Each reconstruction is a somewhat smoothed copy of its own digit, not a generic blur. One number
# for "recognisable": among 100 test digits, how often is a reconstruction closer to its own
# original than to any of the other 99? (For the mean image the answer would be about 1 %.)

# %%
originals = data.test_images[:100].reshape(100, -1)
own = torch.cdist(x_hat[:100], originals).argmin(dim=1) == torch.arange(100)
print(f"reconstruction closest to its own original: {own.float().mean():.0%} of 100 test digits")

# %%
# The lesson holds only if these hold: the model learned, its code meets the target, digits are recognisable.
assert sparse["variance_explained"] >= 0.75, sparse
assert abs(sparse["mean_rho_hat"] - 0.05) <= 0.25 * 0.05, sparse
assert own.float().mean() >= 0.9

# %% [markdown]
# The loss per epoch (many short epochs of the offline sample, a few long ones of full MNIST). The
# train curve averages each epoch's batches while the model changes; the test curve is measured once,
# after the epoch, which is why the two differ most in the first epoch. The reconstruction loss falls
# fast and then slowly. The sparsity penalty (shown unweighted, Σⱼ KL)
# starts high, because fresh sigmoid units sit near 0.5, far from ρ; it collapses within the first
# epochs as β·KL pulls every ρ̂ⱼ down, rises a little while the reconstruction term reshapes the code,
# and then settles low.

# %%
plots.plot_losses(history)

# %% [markdown]
# ## Diagnose a run that did not learn
#
# Here is the same model trained by the "textbook" Adam settings, learning rate 10⁻³, for 600 steps:

# %%
slow, _ = sae_lib.train(data.train_images, None, SAEConfig(), TrainConfig(lr=1e-3, steps=600), device=device,
                        progress=False)
slow_metrics = sae_lib.evaluate(slow, data.test_images, rho=0.05)
print(f"lr 1e-3, 600 steps: variance explained {slow_metrics['variance_explained']:.3f}, "
      f"mean ρ̂ {slow_metrics['mean_rho_hat']:.3f}")
plots.plot_reconstructions(data.test_images, sae_lib.reconstruct(slow, data.test_images[:10])[0], n=10)

# %% [markdown]
# ### Exercise 3: what went wrong?
#
# Most digits come back as the same blurred 8-like shape. Is the cause `"beta"` (the penalty is too
# strong), `"optimiser"` (the weights moved too little: learning rate × steps too small) or `"units"`
# (32 latent units are too few)? Use the evidence: the model above had the same β and the same units.

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your diagnosis: "beta", "optimiser" or "units"
exercises.check_prediction("why the 1e-3 run did not learn", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
answer = "optimiser"
exercises.check_prediction("why the 1e-3 run did not learn", answer)

# %%
assert slow_metrics["variance_explained"] < sparse["variance_explained"] - 0.3

# %% [markdown]
# ## The same model without the penalty
#
# Set the penalty to none (β = 0) and train again with the same seed: a plain autoencoder. A fair
# comparison gives both models the same number of steps; to keep this notebook quick we compare them
# after about 1,000 steps rather than 3,000: the plain model trains for exactly as many steps as the
# copy `KeepAtStep` kept of the sparse one. The finished sparse model is in the table too, for reference.

# %%
plain, _ = sae_lib.train(data.train_images, None, SAEConfig(), TrainConfig(penalty="none", steps=at_1000.taken_at),
                         device=device, progress=False)
early_metrics = sae_lib.evaluate(at_1000.copy, data.test_images, rho=0.05)
plain_metrics = sae_lib.evaluate(plain, data.test_images, rho=0.05)
rows = {f"sparse (β = 5e-3), {at_1000.taken_at:,} steps": early_metrics,
        f"plain  (β = 0),    {at_1000.taken_at:,} steps": plain_metrics,
        f"sparse (β = 5e-3), {history.steps:,} steps": sparse}
print(f"{'':32} {'test MSE':>9} {'var. expl.':>10} {'mean ρ̂':>7} {'L0 of 32':>9} {'units on for > half the digits':>31}")
for name, m in rows.items():
    print(f"{name:32} {m['test_mse']:>9.4f} {m['variance_explained']:>10.3f} {m['mean_rho_hat']:>7.3f} {m['l0']:>9.1f} "
          f"{m['dense_fraction']:>31.0%}")

# %% [markdown]
# The plain autoencoder's code is dense: its average unit is far above ρ and most of its units (the
# last column) are on for more than half the digits, so no single unit says much. The sparse model
# has only a few units above 0.1 per digit (L0 in the table), and after the same number of steps it
# reconstructs about as well as the plain one: at this small β the penalty costs little. Notebook 04
# raises β until it does.

# %%
assert plain_metrics["mean_rho_hat"] > 3 * early_metrics["mean_rho_hat"] and plain_metrics["l0"] > 2 * early_metrics["l0"]
assert plain_metrics["dense_fraction"] > 0.5 > early_metrics["dense_fraction"]
assert early_metrics["test_mse"] < 1.25 * plain_metrics["test_mse"], "at equal steps, sparsity should cost little here"

# %% [markdown]
# ## How mean activations approach ρ
#
# Each bar is one unit's ρ̂ⱼ on the test set; the red line is ρ. The sparse model (first figure)
# holds its units near the target, though most sit a little above it (the cell prints how many): at
# β = 5·10⁻³ the penalty trades a small overshoot for reconstruction. The plain one (second, after its
# shorter run) is far above.

# %%
print(f"units above ρ: {(z.mean(dim=0) > 0.05).sum().item()} of 32; "
      f"largest ρ̂ {z.mean(dim=0).max():.3f}, smallest {z.mean(dim=0).min():.3f}")
plots.plot_mean_activation(z, rho=0.05)

# %%
plots.plot_mean_activation(sae_lib.reconstruct(plain, data.test_images)[1].cpu(), rho=0.05)

# %% [markdown]
# ## Try it: ρ and β sliders
#
# The **sparsity explorer** retrains a one-layer model (784 → 128 → 784, fine-tuned for 128 steps from
# an unpenalised one) in a fraction of a second for every slider move, and redraws its
# reconstructions, code histogram and mean activations; the readout compares it with the mean image
# and with PCA. Open `sparsity_explorer.ipynb`, or run `widgets.SparsityExplorer(data)` in a cell
# here (it takes a few seconds to train its starting model). Set β = 0: the code goes dense. Raise
# β: ρ̂ snaps to ρ. Lower ρ to 0.005: the reconstructions get no better than the mean image.

# %% [markdown]
# ## Summary
#
# * Loss = reconstruction MSE + β Σⱼ KL(ρ ‖ ρ̂ⱼ), with ρ̂ the batch mean of each unit.
# * Budget training in optimiser steps, with settings that learn: Adam at 10⁻² for 3,000 steps
#   (`TrainConfig()`), checked by variance explained and by looking at reconstructions.
# * Reconstructions that all look alike mean the model did not learn; suspect the optimiser first.
# * β = 0 gives a dense code; β > 0 pulls every unit's mean activation to ρ, here at little cost in MSE.
#
# Next, **04 · Testing** measures these models properly on held-out digits, against honest baselines.
