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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/05_latent_visualisation.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/05_latent_visualisation.ipynb)

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
# # 05 · Looking inside the code
#
# **After this notebook you can** read a sparse code from five pictures: the histogram of latent
# activations, a heatmap of codes, each unit's mean activation against ρ, the decoder's features
# as images, and the average code of each digit class.

# %%
import matplotlib.pyplot as plt
import torch

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises, plots, widgets

device = sae_lib.default_device()
print(f"Using device: {device}")
data = sae_lib.load_mnist()
model, _ = sae_lib.train(data.train_images, data.test_images, SAEConfig(),
                         TrainConfig(penalty="kl", rho=0.05, beta=5e-3, steps=600, seed=0), device=device,
                         progress=False)
_, z = sae_lib.metrics.reconstruct(model, data.test_images)
z = z.cpu()

# %% [markdown]
# ## Histogram of latent activations
#
# A sparse code piles up near 0 with a thin tail of strong activations (the y-axis is logarithmic).

# %%
plots.plot_latent_histogram(z)

# %% [markdown]
# ## Codes as a heatmap
#
# One row per test digit, one column per unit. Most cells are dark: each digit lights up a few units.

# %%
plots.plot_latent_heatmap(z, n=40)

# %% [markdown]
# ## Mean activation per unit
#
# The target ρ is the red line; the KL penalty has pulled each unit's ρ̂ⱼ towards it.

# %%
plots.plot_mean_activation(z, rho=0.05)

# %% [markdown]
# ## What each unit draws
#
# Switch on one unit alone and see what it adds to the output: decode(eⱼ) − decode(0). Red pixels
# are brightened, blue ones darkened. Sparse units tend to draw strokes and parts of digits.

# %%
plots.plot_decoder_features(sae_lib.metrics.decoder_features(model), ncols=8)

# %% [markdown]
# ## Average code per digit class
#
# Averaging the codes of each class shows which units a digit relies on.

# %%
class_means = torch.stack([z[data.test_labels == c].mean(dim=0) for c in range(10)])
fig, ax = plt.subplots(figsize=(9, 3.4))
image = ax.imshow(class_means, aspect="auto", cmap="viridis")
ax.set(xlabel="latent unit", ylabel="digit", yticks=range(10), title="average code per digit class")
fig.colorbar(image, ax=ax)
plt.show()

# %% [markdown]
# ### Exercise 1: dead units
#
# Complete `my_dead_fraction(z, threshold)`: the fraction of units that are never above the
# threshold on any input.

# %%
# NBVAL_CHECK_OUTPUT
def my_dead_fraction(z, threshold):
    raise NotImplementedError  # your code here


exercises.check_dead_fraction(my_dead_fraction)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_dead_fraction(z, threshold):
    return (~(z.abs() > threshold).any(dim=0)).float().mean()


exercises.check_dead_fraction(my_dead_fraction)

# %% [markdown]
# ### Exercise 2: average code per class
#
# Complete `my_class_means(z, labels)`, returning a [classes, units] tensor as in the picture above.

# %%
# NBVAL_CHECK_OUTPUT
def my_class_means(z, labels):
    raise NotImplementedError  # your code here


exercises.check_class_means(my_class_means)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_class_means(z, labels):
    return torch.stack([z[labels == c].mean(dim=0) for c in range(int(labels.max()) + 1)])


exercises.check_class_means(my_class_means)

# %% [markdown]
# ## Compare settings
#
# The explorer draws the same pictures for any ρ and β (and 16, 32 or 64 units). Try a tiny ρ with
# a large β: many units go quiet for good (dead). Try β = 0: the histogram fills up.

# %%
# NBVAL_IGNORE_OUTPUT
widgets.SparsityExplorer(data, rho=0.02, beta=0.3)

# %% [markdown]
# ## Summary
#
# * A sparse code's histogram piles up at 0; its heatmap is mostly dark.
# * The KL penalty brings each unit's mean activation to ρ; too strong a push leaves dead units.
# * Decoder features show what each unit draws; class averages show which units each digit uses.
#
# Next, **06 · Dictionary learning on neural data** swaps sigmoid codes and KL for ReLU codes and L1,
# the recipe behind modern interpretability SAEs.
