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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/02_model.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/02_model.ipynb)

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
# # 02 · The model: data in, codes out
#
# **After this notebook you can** load MNIST (downloaded, cached, or the offline sample), look at a
# batch, build a `SparseAutoencoder`, follow a batch's shape through every layer, count parameters
# by hand, and tell an under-complete from an over-complete code.

# %%
# %matplotlib inline
import torch

import sae_lib
from sae_lib import SAEConfig, SparseAutoencoder, exercises, plots

torch.manual_seed(0)
device = sae_lib.default_device()
print(f"Using device: {device}")

# %% [markdown]
# ## Loading MNIST
#
# `load_mnist()` asks torchvision for the 70,000 MNIST digits and caches them under `data/`. With
# no network (or the mirror down) it says so in one line and falls back to a 5,000-image sample of
# real MNIST that ships inside `sae_lib`, so the course always runs. Either way the whole split is
# turned into one float tensor in [0, 1] *once*: training then slices batches from memory instead
# of converting every image again on every epoch.

# %%
data = sae_lib.load_mnist()
data

# %%
plots.plot_images(data.train_images, data.train_labels, classes=data.classes, n=16, ncols=8)

# %% [markdown]
# ## The autoencoder
#
# The classic configuration is 784 → 128 → 32 → 128 → 784: a hidden ReLU layer, a 32-unit code
# with **sigmoid** activations (so each unit's output is in (0, 1) and its batch mean ρ̂ⱼ can be
# read as a firing probability, as the KL penalty assumes), and a sigmoid output, because pixels
# lie in [0, 1]. The decoder mirrors the encoder.

# %%
model = SparseAutoencoder(SAEConfig(input_dim=784, hidden_dims=(128,), latent_dim=32,
                                    latent_activation="sigmoid", output_activation="sigmoid"))
model

# %% [markdown]
# ## Shapes through each layer
#
# Images arrive as [batch, 1, 28, 28]; the model flattens them to [batch, 784] (flat input works
# too). Follow one batch of 8 through every layer:

# %%
# NBVAL_CHECK_OUTPUT
x = data.train_images[:8]
print(f"{'input':>22}: {tuple(x.shape)}")
h = model.flatten(x)
print(f"{'flattened':>22}: {tuple(h.shape)}")
for name, layer in [*[(f"encoder.{i} {type(m).__name__}", m) for i, m in enumerate(model.encoder)],
                    *[(f"decoder.{i} {type(m).__name__}", m) for i, m in enumerate(model.decoder)]]:
    h = layer(h)
    print(f"{name:>22}: {tuple(h.shape)}")

# %% [markdown]
# ## Counting parameters
#
# A `Linear(n_in, n_out)` layer holds an n_in × n_out weight matrix and n_out biases. Encoder:
# 784·128 + 128 and 128·32 + 32; the decoder mirrors it.

# %%
# NBVAL_CHECK_OUTPUT
for name, p in model.named_parameters():
    print(f"{name:18} {str(tuple(p.shape)):12} {p.numel():>7,}")
print(f"{'total':31} {sum(p.numel() for p in model.parameters()):>7,}")

# %% [markdown]
# ### Exercise 1: count them by hand
#
# Complete `my_parameter_count(input_dim, hidden_dims, latent_dim)` for any configuration
# (`hidden_dims` is a tuple of widths, possibly empty).

# %%
# NBVAL_CHECK_OUTPUT
def my_parameter_count(input_dim, hidden_dims, latent_dim):
    raise NotImplementedError  # your code here


exercises.check_parameter_count(my_parameter_count)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_parameter_count(input_dim, hidden_dims, latent_dim):
    widths = [input_dim, *hidden_dims, latent_dim]
    encoder = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    decoder = sum(a * b + b for a, b in zip(widths[::-1][:-1], widths[::-1][1:]))
    return encoder + decoder


exercises.check_parameter_count(my_parameter_count)

# %% [markdown]
# ## Under- and over-complete codes
#
# With 32 latent units for 784 pixels the code is **under-complete**: the bottleneck alone forces
# compression. An **over-complete** code (more units than pixels) could simply copy the input;
# there, a sparsity penalty is what makes the code useful. The same class builds both:

# %%
# NBVAL_CHECK_OUTPUT
for latent in [32, 784, 2048]:
    m = SparseAutoencoder(SAEConfig(hidden_dims=(), latent_dim=latent))
    kind = "under-complete" if latent < 784 else "complete" if latent == 784 else "over-complete"
    print(f"784 → {latent:4} → 784  ({kind:14}) {sum(p.numel() for p in m.parameters()):>9,} parameters, "
          f"code shape {tuple(m.encode(x).shape)}")

# %% [markdown]
# ## One forward pass
#
# `forward` returns the reconstruction and the code.
#
# ### Predict first
#
# PyTorch initialises each `Linear` layer's weights and biases small and centred on 0. Before any
# training, what will the average activation of the sigmoid code be: about `"0"`, `"0.5"` or `"1"`?

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your prediction: "0", "0.5" or "1"
exercises.check_prediction("mean activation of an untrained sigmoid code", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference answer: expand the cell to see it.
answer = "0.5"
exercises.check_prediction("mean activation of an untrained sigmoid code", answer)

# %%
# NBVAL_CHECK_OUTPUT
with torch.no_grad():
    x_hat, z = model(x)
print("reconstruction:", tuple(x_hat.shape), " code:", tuple(z.shape))
print(f"mean activation of the untrained code: {z.mean():.2f}")
assert 0.4 < z.mean() < 0.6

# %%
plots.plot_reconstructions(x, x_hat, n=8)

# %% [markdown]
# Untrained, every digit comes back as the same grey noise. Keep this picture in mind: a trained
# model whose reconstructions all look alike (all grey, or all the same blurred average digit) has
# not learned, whatever its loss curve says.

# %% [markdown]
# ### Exercise 2: mean activation per unit
#
# The KL penalty needs ρ̂ⱼ, each unit's mean activation over the batch. Complete `my_rho_hat(z)`
# for a [batch, units] tensor of codes.

# %%
# NBVAL_CHECK_OUTPUT
def my_rho_hat(z):
    raise NotImplementedError  # your code here


exercises.check_mean_activation(my_rho_hat)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_rho_hat(z):
    return z.mean(dim=0)


exercises.check_mean_activation(my_rho_hat)

# %% [markdown]
# ## Summary
#
# * `load_mnist()` gives float tensors in [0, 1], from the download, the cache, or the offline sample.
# * `SparseAutoencoder` is an encoder and a mirrored decoder; the default is 784 → 128 → 32 → 128 → 784
#   with sigmoid codes and outputs (its parameter count is printed above).
# * Untrained, a sigmoid code sits near 0.5 everywhere: sparsity has to be learned.
# * The code can be smaller (under-complete) or larger (over-complete) than the input.
#
# Next, **03 · Training** adds the KL penalty to the loss and trains the model.
