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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/02_model.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/02_model.ipynb)
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
# # 02 · The model: data in, codes out
#
# **After this notebook you can** load MNIST (downloaded, cached, or the offline sample), look at a
# batch, build a sparse autoencoder yourself and check it against `sae_lib`'s, follow a batch's shape
# through every layer, count parameters by hand, and tell an under-complete from an over-complete code.

# %%
# %matplotlib inline
import torch
from torch import nn

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
#
# The numbers printed in these notebooks come from the offline 5,000-image sample (they were run
# with no network); on the full MNIST download they differ a little.

# %%
data = sae_lib.load_mnist()
data

# %%
fig = plots.plot_images(data.train_images, data.train_labels, classes=data.classes, n=16, ncols=8)
fig.suptitle("The first 16 training digits, each titled with its label")
fig.tight_layout()
fig

# %% [markdown]
# ## The autoencoder
#
# The classic configuration is 784 → 128 → 32 → 128 → 784. The **encoder** is a `Linear(784, 128)`
# layer with a ReLU, then a `Linear(128, 32)` layer whose 32 outputs go through a **sigmoid**: that is
# the code z. Each unit's output is then in (0, 1), so its batch mean ρ̂ⱼ can be read as a firing
# probability, as the KL penalty assumes. The **decoder** mirrors the encoder: `Linear(32, 128)` with
# a ReLU, then `Linear(128, 784)` with a sigmoid, because pixels lie in [0, 1]. `forward` returns both
# the reconstruction x̂ and the code z: training needs x̂ for the reconstruction error and z for the
# sparsity penalty.
#
# ### Exercise 1: build it
#
# Complete `MySparseAutoencoder(input_dim, hidden_dim, latent_dim)` from `nn.Linear` layers and
# activations (`nn.ReLU`, `nn.Sigmoid`, or `torch.relu` and `torch.sigmoid` in `forward`). `forward`
# takes a flat batch x of shape [batch, input_dim] and returns the tuple `(x_hat, z)`.
#
# The checker builds `sae_lib`'s model at the same sizes, copies its weights into your `Linear` layers
# (matched by shape, so name and order them as you like), runs both on the same batch and compares the
# code z, the reconstruction x̂ and the gradient of a loss with respect to every weight; it says where
# the first difference is. It tries a second, smaller size too, so use the arguments rather than 784.

# %%
# NBVAL_CHECK_OUTPUT
class MySparseAutoencoder(nn.Module):
    def __init__(self, input_dim, hidden_dim, latent_dim):
        super().__init__()
        raise NotImplementedError  # your code here: the encoder's and the decoder's layers

    def forward(self, x):
        raise NotImplementedError  # your code here: return x_hat, z


exercises.check_sae_module(MySparseAutoencoder)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
class MySparseAutoencoder(nn.Module):
    def __init__(self, input_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, latent_dim), nn.Sigmoid())
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, input_dim), nn.Sigmoid())

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


exercises.check_sae_module(MySparseAutoencoder)

# %% [markdown]
# ## Counting parameters
#
# A `Linear(n_in, n_out)` layer holds an n_in × n_out weight matrix and n_out biases; ReLU and sigmoid
# have no parameters.
#
# ### Exercise 2: count them by hand
#
# Complete `my_parameter_count(input_dim, hidden_dims, latent_dim)`: the number of parameters of a model
# like yours with any number of hidden layers (`hidden_dims` is a tuple of widths, possibly empty; the
# decoder mirrors the encoder). Your model above is `(784, (128,), 32)`.

# %%
# NBVAL_CHECK_OUTPUT
def my_parameter_count(input_dim, hidden_dims, latent_dim):
    raise NotImplementedError  # your code here


exercises.check_parameter_count(my_parameter_count)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_parameter_count(input_dim, hidden_dims, latent_dim):
    widths = [input_dim, *hidden_dims, latent_dim]
    encoder = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    decoder = sum(a * b + b for a, b in zip(widths[::-1][:-1], widths[::-1][1:]))
    return encoder + decoder


exercises.check_parameter_count(my_parameter_count)

# %% [markdown]
# ## The library's model
#
# `sae_lib.SparseAutoencoder` builds the same network from an `SAEConfig` (the rest of the course uses
# it: it also takes image-shaped batches, other latent activations and several hidden layers):

# %%
model = SparseAutoencoder(SAEConfig(input_dim=784, hidden_dims=(128,), latent_dim=32,
                                    latent_activation="sigmoid", output_activation="sigmoid"))
print(f"encoder: {model.encoder}\ndecoder: {model.decoder}")  # its repr would also print the parameter count

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
# The library's model holds these parameter tensors: the shapes your count for `(784, (128,), 32)`
# added up (`sum(p.numel() for p in model.parameters())` is PyTorch's own total):

# %%
# NBVAL_CHECK_OUTPUT
for name, p in model.named_parameters():
    print(f"{name:18} {str(tuple(p.shape)):12}")

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
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
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
# ## Summary
#
# * `load_mnist()` gives float tensors in [0, 1], from the download, the cache, or the offline sample.
# * A sparse autoencoder is an encoder (Linear, ReLU, Linear, sigmoid code) and a mirrored decoder;
#   yours and `sae_lib.SparseAutoencoder` compute the same x̂, z and gradients from the same weights.
# * Its parameters are each Linear layer's weights and biases: count them from the layers' sizes.
# * Untrained, a sigmoid code sits near 0.5 on average: sparsity has to be learned.
# * The code can be smaller (under-complete) or larger (over-complete) than the input.
#
# Next, **03 · Training** writes the training step, adds the KL penalty to the loss and trains the model.
