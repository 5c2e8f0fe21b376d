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
# `sae_lib.train`, read its loss curves with reconstruction and sparsity apart, compare it with a
# plain autoencoder (β = 0), and watch the mean activations settle at ρ.

# %%
import torch

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises, plots, widgets

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
# its mean to mean something.

# %% [markdown]
# ### Exercise 1: the total loss
#
# Complete `my_total_loss(x, x_hat, z, rho, beta)` (flat tensors; `sae_lib.kl_divergence` is yours to use).

# %%
# NBVAL_CHECK_OUTPUT
def my_total_loss(x, x_hat, z, rho, beta):
    raise NotImplementedError  # your code here


exercises.check_total_loss(my_total_loss)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_total_loss(x, x_hat, z, rho, beta):
    return ((x - x_hat) ** 2).mean() + beta * sae_lib.kl_divergence(rho, z.mean(dim=0))


exercises.check_total_loss(my_total_loss)

# %% [markdown]
# ## Steps, not epochs
#
# The classic recipe trains 10 epochs on MNIST's 60,000 images at batch 128: 4,690 Adam steps. If
# you are offline we only have 4,000 images, and 10 epochs of those are just 320 steps: far too few
# (the reconstructions stay blurry). What a model learns depends on how many
# updates it gets, so we budget training in **optimiser steps**: `TrainConfig(steps=...)` runs as
# many whole epochs as that takes, whatever the size of the data.

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

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
import math


def my_steps(n_images, batch_size, epochs):
    return epochs * math.ceil(n_images / batch_size)


exercises.check_steps(my_steps)

# %% [markdown]
# ## Training the classic model
#
# 784 → 128 → 32 → 128 → 784, sigmoid code, ρ = 0.05, β = 5·10⁻³, Adam at 10⁻³, batch 128. We
# give it 600 steps (`progress=True`, the default, shows a tqdm bar), a few seconds on a laptop CPU. The seed fixes the initial weights and the
# batch order, so this cell gives the same numbers every time on a CPU.

# %%
sparse_config = TrainConfig(penalty="kl", rho=0.05, beta=5e-3, lr=1e-3, batch_size=128, steps=600, seed=0)
model, history = sae_lib.train(data.train_images, data.test_images, SAEConfig(), sparse_config, device=device,
                                progress=False)
print(f"{history.steps} steps in {history.seconds:.1f} s; test MSE {history.test_recon[-1]:.4f}")

# %% [markdown]
# Reconstruction falls fast and then slowly; the sparsity penalty (shown unweighted, Σⱼ KL) falls as
# the units' mean activations come down from 0.5 towards ρ.

# %%
plots.plot_losses(history)

# %% [markdown]
# ## The same model without the penalty
#
# Set the penalty to none (β = 0) and train again from the same seed: a plain autoencoder.

# %%
plain, plain_history = sae_lib.train(data.train_images, data.test_images, SAEConfig(),
                                     TrainConfig(penalty="none", steps=600, seed=0), device=device,
                                     progress=False)
for name, m in [("sparse (β = 5e-3)", model), ("plain  (β = 0)", plain)]:
    metrics = sae_lib.evaluate(m, data.test_images)
    print(f"{name}: test MSE {metrics['test_mse']:.4f}, mean activation {metrics['mean_rho_hat']:.3f}, "
          f"L0 {metrics['l0']:.1f} of 32")

# %% [markdown]
# Compare the two lines. The plain autoencoder's code is dense: the average unit is on for most
# digits, so no single unit says much. The sparse one keeps each unit on for a few digits only, at
# a small price in reconstruction error. Both models are still improving: set `steps=3000` in the
# two cells above (about four times as long) and watch the test MSE fall and the digits sharpen.

# %% [markdown]
# ## How mean activations approach ρ
#
# Each bar is one unit's ρ̂ⱼ on the test set; the red line is ρ. Training pulled almost every unit
# down to the target.

# %%
_, z_sparse = sae_lib.metrics.reconstruct(model, data.test_images)
plots.plot_mean_activation(z_sparse, rho=0.05)

# %%
_, z_plain = sae_lib.metrics.reconstruct(plain, data.test_images)
plots.plot_mean_activation(z_plain, rho=0.05)

# %% [markdown]
# ## Try it: ρ and β sliders
#
# Each slider move retrains a small model (784 → 32 → 784, warm-started from an unpenalised one) in
# a fraction of a second and redraws its reconstructions, code histogram and mean activations.
# Raise β and watch ρ̂ snap to ρ; set β = 0 and the code goes dense again.

# %%
# NBVAL_IGNORE_OUTPUT
widgets.SparsityExplorer(data, rho=0.05, beta=0.1)

# %% [markdown]
# ## Summary
#
# * Loss = reconstruction MSE + β Σⱼ KL(ρ ‖ ρ̂ⱼ), with ρ̂ the batch mean of each unit.
# * Budget training in optimiser steps; small data sets need more epochs for the same learning.
# * β = 0 gives a dense code; β > 0 pulls every unit's mean activation to ρ at a small cost in MSE.
#
# Next, **04 · Testing** measures these models properly on held-out digits.
