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
# **After this notebook you can** read a sparse code from its pictures: the histogram of latent
# activations, a heatmap of codes, each unit's mean activation against ρ, the decoder's features as
# images, each unit's top-activating digits, the average code of each digit class, and what happens
# to a reconstruction when one unit is switched off.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises, plots

device = sae_lib.default_device()
print(f"Using device: {device}")
data = sae_lib.load_mnist()

# %% [markdown]
# ## The model: UFLDL's MNIST autoencoder
#
# To look at features we want a decoder whose columns *are* the features: one layer,
# 784 → 196 → 784, sigmoid code, as in Stanford's UFLDL tutorial. UFLDL uses ρ = 0.1 and β = 3 on a
# cost whose reconstruction term is ½ Σ_d (x_d − x̂_d)² per image; `sae_lib`'s MSE averages over the
# 784 pixels instead, which is that term × 2/784, so the same balance needs β = 3 × 2/784 here.

# %%
beta = 3 * 2 / 784
model, history = sae_lib.train(data.train_images, None, SAEConfig(hidden_dims=(), latent_dim=196),
                               TrainConfig(rho=0.1, beta=beta, steps=1500), device=device, progress=False)
metrics = sae_lib.evaluate(model, data.test_images, rho=0.1)
print(f"β = {beta:.2e}; {history.steps} steps in {history.seconds:.1f} s: variance explained "
      f"{metrics['variance_explained']:.3f}, mean ρ̂ {metrics['mean_rho_hat']:.3f} (ρ = 0.1), L0 {metrics['l0']:.1f} of 196")
x_hat, z = (t.cpu() for t in sae_lib.reconstruct(model, data.test_images))
plots.plot_reconstructions(data.test_images, x_hat, n=10)

# %%
assert metrics["variance_explained"] >= 0.75 and abs(metrics["mean_rho_hat"] - 0.1) <= 0.025

# %% [markdown]
# ## Histogram of latent activations
#
# All 196 × 1,000 activations on the test digits (the y-axis is logarithmic).

# %%
plots.plot_latent_histogram(z)

# %% [markdown]
# Most activations are small, and the counts fall towards 1 (with a small rise in the last bin, units
# that saturate on their favourite digits): a few units respond strongly
# to each digit while most stay near 0 (notebook 01 showed that with KL "near 0" can mean "near ρ").
#
# ## Codes as a heatmap
#
# One row per test digit, one column per unit. Most cells are dark: each digit lights up a few dozen
# of the 196 units (its L0, printed in the first cell), a different set for each digit.

# %%
plots.plot_latent_heatmap(z, n=40)

# %% [markdown]
# ## Mean activation per unit
#
# The target ρ is the red line; the KL penalty has pulled each unit's ρ̂ⱼ towards it.

# %%
plots.plot_mean_activation(z, rho=0.1)

# %% [markdown]
# ## What each unit draws
#
# With a one-layer decoder, x̂ = σ(W z + b), unit j adds zⱼ times column j of W to the output's
# pre-activation. That column, drawn as an image, is unit j's **feature**: red pixels are brightened,
# blue ones darkened. The first 64 units:

# %%
features = model.dictionary.detach().cpu()  # [units, 784]: decoder column j of unit j
plots.plot_decoder_features(features[:64], ncols=16)

# %% [markdown]
# Many features are a stroke or an arc at one place (a diagonal bar, a ring, a curve at the top),
# often with a darker surround; others are harder to name, so judge for yourself. The speckled
# backgrounds are border pixels that almost never vary, so nothing shapes their weights (UFLDL adds a
# weight-decay term for them). For contrast, PCA's first components on the same images are
# whole-image patterns of light and dark, not parts:

# %%
from sklearn.decomposition import PCA

pca = PCA(n_components=16, random_state=0).fit(data.train_images.reshape(len(data.train_images), -1).numpy())
plots.plot_decoder_features(torch.as_tensor(pca.components_), ncols=16, name="PC")

# %% [markdown]
# One number backs "distinct": the average |cosine similarity| between pairs of features. Copies of
# a few templates would score near 1; unrelated directions in 784 dimensions score near 0.

# %%
def mean_abs_cosine(rows):
    """Average |cosine similarity| over all pairs of distinct rows."""
    unit = F.normalize(rows, dim=1)
    cos = (unit @ unit.T).abs()
    return ((cos.sum() - cos.diagonal().sum()) / (len(cos) * (len(cos) - 1))).item()


print(f"mean |cos| between the 196 features: {mean_abs_cosine(features):.3f}")
assert mean_abs_cosine(features) <= 0.35, "features must be distinct"

# %% [markdown]
# ## What each unit responds to
#
# A feature says what a unit *writes*; its top-activating digits say what it *reads*. For the first
# eight units (not hand-picked): the feature, then the eight test digits that drive it hardest, with
# the activation above each.

# %%
plots.plot_top_activations(features, data.test_images, z, units=range(8), k=8)

# %% [markdown]
# Compare each row's feature with its digits: a unit whose feature is a stroke tends to fire on
# digits that have that stroke in that place, often across classes (a unit for a lower curve can
# fire on 3s, 0s and 5s); some look tied to one digit by their top few, and the class averages
# below count how many really are. The activations above the digits also show how strongly units
# fire at their best: the cell below prints the spread.

# %%
print(f"largest activation per unit, over the test digits: median {z.max(dim=0).values.median():.2f}, "
      f"smallest {z.max(dim=0).values.min():.2f}")

# %% [markdown]
# ### Exercise 1: top-activating inputs
#
# Complete `my_top_digits(z, unit, k)`: the indices of the k inputs with the largest activation of
# `unit`, largest first (this is what the figure above draws).

# %%
# NBVAL_CHECK_OUTPUT
def my_top_digits(z, unit, k):
    raise NotImplementedError  # your code here


exercises.check_top_digits(my_top_digits)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_top_digits(z, unit, k):
    return z[:, unit].topk(k).indices


exercises.check_top_digits(my_top_digits)

# %% [markdown]
# ## Average code per digit class
#
# Averaging the codes of each class shows which units a digit relies on.

# %%
class_means = torch.stack([z[data.test_labels == c].mean(dim=0) for c in range(10)])
fig, ax = plt.subplots(figsize=(11, 3.2))
image = ax.imshow(class_means, aspect="auto", cmap="viridis", interpolation="nearest")
ax.set(xlabel="latent unit", ylabel="digit", yticks=range(10), title="average code per digit class")
fig.colorbar(image, ax=ax)
plt.show()
share = class_means.max(dim=0).values / class_means.sum(dim=0)  # 0.1 would mean no preference at all
print(f"share of a unit's average activation that goes to its favourite digit: median {share.median():.2f} "
      f"(0.10 = no preference); units with more than half on one digit: {(share > 0.5).sum().item()} of 196")

# %% [markdown]
# Each unit has a preferred digit or two (its bright cells in the heatmap), but the printed shares
# show how far that goes: most units serve several classes, because a stroke is shared by several
# digits. A digit is a *combination* of units, not one unit.

# %%
assert share.median() > 0.1 and (share > 0.5).float().mean() < 0.5

# %% [markdown]
# ### Exercise 2: average code per class
#
# Complete `my_class_means(z, labels)`, returning a [classes, units] tensor as in the picture above.

# %%
# NBVAL_CHECK_OUTPUT
def my_class_means(z, labels):
    raise NotImplementedError  # your code here


exercises.check_class_means(my_class_means)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_class_means(z, labels):
    return torch.stack([z[labels == c].mean(dim=0) for c in range(int(labels.max()) + 1)])


exercises.check_class_means(my_class_means)

# %% [markdown]
# ## Switch one unit off
#
# ### Predict first
#
# Take a test digit, find its most active unit, set that one activation to 0 and decode. Will the
# reconstruction lose `"all"` of the digit, `"part"` of it, or `"nothing"` visible?

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your prediction: "all", "part" or "nothing"
exercises.check_prediction("switching off a digit's strongest unit", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference answer: expand the cell to see it.
answer = "part"
exercises.check_prediction("switching off a digit's strongest unit", answer)

# %%
index = 0
code = z[index : index + 1].clone()
unit = code.argmax().item()
ablated = code.clone()
ablated[0, unit] = 0
with torch.no_grad():
    before, after = (model.decode(c.to(device)).cpu() for c in (code, ablated))
change = (before - after).norm() / before.norm()
fig, axes = plt.subplots(1, 5, figsize=(10, 2.4))
panels = [(data.test_images[index, 0], "digit", "gray"), (before.reshape(28, 28), "reconstruction", "gray"),
          (after.reshape(28, 28), f"without unit {unit}", "gray"),
          ((before - after).reshape(28, 28), "what unit removed", "RdBu_r"),
          (features[unit].reshape(28, 28), f"unit {unit}'s feature", "RdBu_r")]
for ax, (img, title, cmap) in zip(axes, panels):
    lim = img.abs().max() if cmap == "RdBu_r" else 1
    ax.imshow(img, cmap=cmap, vmin=-lim if cmap == "RdBu_r" else 0, vmax=lim)
    ax.set_title(title, fontsize=9)
    ax.set_axis_off()
plt.show()
print(f"unit {unit} (activation {code[0, unit]:.2f}) carried {change:.0%} of the reconstruction's norm")
with torch.no_grad():  # the same experiment on every test digit
    top = z.argmax(dim=1)
    z_off = z.clone()
    z_off[torch.arange(len(z)), top] = 0
    changes = (x_hat - model.decode(z_off.to(device)).cpu()).norm(dim=1) / x_hat.norm(dim=1)
print(f"over all test digits, the strongest unit carries a median {changes.median():.0%} of the reconstruction")

# %%
assert 0.02 < changes.median() < 0.5, "one unit is a part of the digit, not all or nothing"

# %% [markdown]
# The digit stays readable without its strongest unit; the difference panel shows the piece that
# unit contributed, a fraction of the ink (printed above) along part of a stroke.

# %% [markdown]
# ### Exercise 3: dead units
#
# Complete `my_dead_fraction(z, threshold)`: the fraction of units that are never above the
# threshold on any input. (This model has none: the printout below says so.)

# %%
# NBVAL_CHECK_OUTPUT
def my_dead_fraction(z, threshold):
    raise NotImplementedError  # your code here


exercises.check_dead_fraction(my_dead_fraction)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_dead_fraction(z, threshold):
    return (~(z.abs() > threshold).any(dim=0)).float().mean()


exercises.check_dead_fraction(my_dead_fraction)

# %%
print(f"dead units in this model: {metrics['dead_fraction']:.0%}; dense units: {metrics['dense_fraction']:.0%}")

# %% [markdown]
# ## Compare settings
#
# The sparsity explorer (notebook 03, or `sparsity_explorer.ipynb` on its own page) draws the
# histogram and mean activations for any ρ and β. Try a tiny ρ: every digit collapses to the same
# blur. Try β = 0: the code goes dense.
#
# ## Summary
#
# * A sparse code's histogram is concentrated at small values; its heatmap is mostly dark.
# * The KL penalty brings each unit's mean activation to ρ.
# * With a one-layer decoder, each unit's decoder column is its feature: here many strokes and arcs,
#   distinct from each other, unlike PCA's whole-image components.
# * Top-activating inputs show what a unit reads; class averages show units shared across digits;
#   switching one unit off removes one part of the digit.
#
# Next, **06 · Dictionary learning on neural data** swaps sigmoid codes and KL for ReLU codes and L1,
# the recipe of interpretability SAEs (as of 2023; notebook 09 covers what came after).
