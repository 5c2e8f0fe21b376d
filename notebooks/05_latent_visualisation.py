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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/05_latent_visualisation.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/05_latent_visualisation.ipynb)
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
# # 05 · Looking inside the code
#
# **After this notebook you can** read a sparse code from its pictures: the histogram of latent
# activations, a heatmap of codes, each unit's mean activation against ρ, the decoder's features as
# images, each unit's top-activating digits, the average code of each digit class, and what happens
# to a reconstruction when one unit is switched off; say what weight decay does to the features, and
# test whether the code is a better input for a classifier than the pixels.

# %%
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import display
from threadpoolctl import threadpool_limits

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises, plots
from sae_lib.checkpoint import load_json_asset
from sae_lib.metrics import roughness

threadpool_limits(1, user_api="blas")  # one BLAS thread for NumPy and scikit-learn (PCA, the classifiers)
device = sae_lib.default_device()
print(f"Using device: {device}")
# The course's 5,000-digit MNIST sample on every machine, online or not: the sweep this notebook compares
# with was made on it, so live and shipped numbers agree (and its small size matters below).
data = sae_lib.data.load_offline_mnist()
print(f"MNIST sample: {len(data.train_images):,} training and {len(data.test_images):,} test digits")
# Weight decay and the classifier comparison on seeds 0, 1 and 2, precomputed (the folded cells check
# every comparison on each seed, and that the model trained below is the sweep's seed 0).
sweep = load_json_asset("weight_decay_sweep.json")
print(f"sweep: {len(sweep['rows'])} models, made by `{sweep['made_by']}` in {sweep['seconds']} s on one thread")

# %% [markdown]
# ## The model: UFLDL's MNIST autoencoder
#
# To look at features we want a decoder whose columns *are* the features: one layer,
# 784 → 196 → 784, sigmoid code, as in Stanford's UFLDL tutorial. UFLDL uses ρ = 0.1 and β = 3 on a
# cost whose reconstruction term is ½ Σ_d (x_d − x̂_d)² per image; `sae_lib`'s MSE averages over the
# 784 pixels instead, which is that term × 2/784, so the same balance needs β = 3 × 2/784 here.
#
# ### Predict first
#
# Before training it and looking inside: once it is trained, take a test digit, find its most active
# unit, set that one activation to 0 and decode. How much of the reconstruction goes with it:
# `"most"` of it (over half its norm: the digit is gone), `"some"` (a piece of a stroke; the digit stays
# readable), or `"almost none"` (under 2 %)? The section "Switch one unit off" measures it.

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your prediction: "most", "some" or "almost none"
exercises.check_prediction("switching off a digit's strongest unit", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
answer = "some"
exercises.check_prediction("switching off a digit's strongest unit", answer)

# %%
beta = 3 * 2 / 784
model, history = sae_lib.train(data.train_images, None, SAEConfig(hidden_dims=(), latent_dim=196),
                               TrainConfig(rho=0.1, beta=beta, steps=1500), device=device, progress=False)
metrics = sae_lib.evaluate(model, data.test_images, rho=0.1)
print(f"β = {beta:.2e}; {history.steps} steps in {history.seconds:.1f} s: variance explained "
      f"{metrics['variance_explained']:.3f}, mean ρ̂ {metrics['mean_rho_hat']:.3f} (ρ = 0.1), L0 {metrics['l0']:.1f} of 196")
x_hat, z = (t.cpu() for t in sae_lib.reconstruct(model, data.test_images))
plots.plot_reconstructions(data.test_images, x_hat, n=10)

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the model learned, meets ρ, and is the sweep's seed-0 model (the comparisons below rest on the sweep).
assert metrics["variance_explained"] >= 0.75 and abs(metrics["mean_rho_hat"] - 0.1) <= 0.025
no_decay_rows = [r for r in sweep["rows"] if r["weight_decay"] == 0]
assert abs(metrics["variance_explained"] - no_decay_rows[0]["variance_explained"]) < 0.005, "reproduces seed 0"

# %% [markdown]
# ## Histogram of latent activations
#
# All 196 × 1,000 activations on the test digits (the y-axis is logarithmic).

# %%
display(plots.plot_latent_histogram(z))
per_digit_above_half = (z > 0.5).sum(dim=1).float()
print(f"activations below 0.1: {(z <= 0.1).float().mean():.0%}; above 0.5: {(z > 0.5).float().mean():.0%}. "
      f"Per digit: {(z > 0.1).sum(dim=1).float().median():.0f} of 196 units above 0.1 (median; L0 {metrics['l0']:.0f}), "
      f"{per_digit_above_half.median():.0f} above 0.5")

# %% [markdown]
# The counts fall steeply from 0 towards 1 (with a small rise in the last bin: units that saturate
# on their favourite digits). The printout puts numbers on "sparse": per digit, roughly a quarter to
# a third of the 196 units are active (above the 0.1 activity threshold), and only about one in twenty
# (the printed median count out of 196) is above 0.5. So this code is sparse in the sense of *most units low most of the time*, not of a handful
# of units per digit (notebook 01 showed that with KL, "low" can mean "near ρ" rather than 0).

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: "most units low most of the time", in the numbers the paragraph gives.
assert 0.5 < (z <= 0.1).float().mean() < 0.9 and 40 <= metrics["l0"] <= 75
assert 5 <= per_digit_above_half.median() <= 40

# %% [markdown]
# ## Codes as a heatmap
#
# One row per test digit, one column per unit: the same picture, digit by digit. Most of each row is
# dark (below 0.1); a few dozen cells are lit, and of those only a handful are bright, a different
# set for each digit.

# %%
display(plots.plot_latent_heatmap(z, n=40))
print(f"in these 40 rows: {(z[:40] <= 0.1).float().mean():.0%} of cells below 0.1, "
      f"{(z[:40] > 0.5).float().mean():.0%} above 0.5")

# %% [markdown]
# ## Mean activation per unit
#
# The dashed line is the target ρ; the KL penalty has pulled each unit's ρ̂ⱼ towards it.

# %%
plots.plot_mean_activation(z, rho=0.1)

# %% [markdown]
# ## What each unit draws
#
# With a one-layer decoder, x̂ = σ(W z + b), unit j adds zⱼ times column j of W to the output's
# pre-activation. That column, drawn as an image, is unit j's **feature**: pixels with a positive
# weight are brightened, those with a negative weight darkened (the colour bar says which colour is
# which sign). The first 64 units:

# %%
features = model.dictionary.detach().cpu()  # [units, 784]: decoder column j of unit j
vmax = features[:64].abs().max().item()
plots.plot_decoder_features(features[:64], ncols=8, vmax=vmax, title="the first 64 features, on one colour scale")

# %% [markdown]
# Many features are a stroke or an arc at one place (a diagonal bar, a ring, a curve at the top),
# often with a darker surround; others are harder to name, so judge for yourself. Look where the
# speckle is: pixel-to-pixel noise sits in the middle of the image, where the digits are, while the
# border pixels are smooth and pale. The map below measures it: for each pixel, the mean squared
# difference between a feature's weight there and at the neighbouring pixel, averaged over all 196
# features.

# %%
def speckle_map(rows):
    """Per pixel: mean over features of the squared difference with the right and lower neighbours."""
    f = rows.reshape(len(rows), 28, 28)
    across, down = (f[:, :, 1:] - f[:, :, :-1]) ** 2, (f[:, 1:, :] - f[:, :-1, :]) ** 2
    return (F.pad(across, (0, 1)) + F.pad(down, (0, 0, 0, 1))).mean(dim=0)


speckle = speckle_map(features)
centre = torch.zeros(28, 28, dtype=torch.bool)
centre[4:24, 4:24] = True  # the central 20 × 20 pixels, where the digits' strokes lie
ink = (data.train_images.reshape(-1, 28, 28) > 0.1).float().mean(dim=0)  # how often each pixel has ink
fig, (ax_ink, ax_speckle) = plt.subplots(1, 2, figsize=(8, 3.4))
for ax, img, title, label in [(ax_ink, ink, "how often each pixel has ink", "share of training digits"),
                              (ax_speckle, speckle, "speckle of the features", "mean squared neighbour difference")]:
    fig.colorbar(ax.imshow(img, cmap="viridis"), ax=ax, label=label)
    ax.add_patch(plt.Rectangle((3.5, 3.5), 20, 20, fill=False, edgecolor="w", linestyle="--"))
    ax.set(title=title, xlabel="pixel column", ylabel="pixel row")
plt.tight_layout()
plt.show()
ratio = (speckle[centre].mean() / speckle[~centre].mean()).item()
print(f"speckle in the central 20 × 20 pixels (dashed) is {ratio:.0f}× that in the 4-pixel border; "
      f"roughness (0 smooth, 1 white noise) of the features: median {roughness(features).median():.2f}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the speckle sits where the digits are, not on the border.
assert ratio > 5

# %% [markdown]
# The speckle follows the ink: it is strongest where digits often have strokes. Each of those weights
# is fitted to the particular training digits that put ink on that pixel, and with only 4,000 of them
# and nothing in the cost that limits the weights' size, neighbouring weights end up with unrelated
# values. Border pixels are blank in almost every digit, so all they learn is a small, even push
# towards black: smooth. (UFLDL adds a weight-decay term to its cost for this; we try it below.)
#
# For contrast, PCA's first components on the same images are whole-image patterns of light and
# dark, not parts:

# %%
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestCentroid

pca = PCA(n_components=16, random_state=0).fit(data.train_images.reshape(len(data.train_images), -1).numpy())
components = torch.as_tensor(pca.components_)
plots.plot_decoder_features(components, ncols=8, name="PC", vmax=components.abs().max().item(),
                            title="PCA's first 16 components (unit length), on one colour scale")

# %% [markdown]
# Are the 196 features *distinct*? An average similarity cannot say: a few exact copies among
# many different features barely move it. What catches a duplicate is each feature's **largest**
# cosine similarity with any other feature: a copy scores near 1. The baseline is 196 random
# directions in 784 dimensions.

# %%
def largest_cosine(rows):
    """For each row, its largest cosine similarity with any other row."""
    unit = F.normalize(rows, dim=1)
    cos = unit @ unit.T
    return cos.fill_diagonal_(-1).max(dim=1).values


nearest = largest_cosine(features)
random_nearest = largest_cosine(torch.randn(196, 784, generator=torch.Generator().manual_seed(0)))
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.hist(nearest.numpy(), bins=30, range=(0, 1), label="the 196 features")
ax.hist(random_nearest.numpy(), bins=30, range=(0, 1), alpha=0.6, label="196 random directions")
ax.set(xlabel="largest cosine with any other feature", ylabel="features", title="how close is each feature's nearest?")
ax.legend(fontsize=9)
plt.show()
print(f"largest cosine with another feature: median {nearest.median():.2f}, maximum {nearest.max():.2f} "
      f"(random directions: median {random_nearest.median():.2f}); pairs above 0.9: {int((nearest > 0.9).sum()) // 2}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: no two features are copies of each other.
assert nearest.max() < 0.9

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
#
# ### Exercise 2: average code per class
#
# Complete `my_class_means(z, labels)`: a [10, units] tensor whose row c is the average code of the
# inputs labelled c (digits 0 … 9). The picture below is drawn from it.

# %%
# NBVAL_CHECK_OUTPUT
def my_class_means(z, labels):
    raise NotImplementedError  # your code here


exercises.check_class_means(my_class_means)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_class_means(z, labels):
    return torch.stack([z[labels == c].mean(dim=0) for c in range(10)])


exercises.check_class_means(my_class_means)

# %% [markdown]
# scikit-learn's nearest-centroid classifier keeps exactly these averages (its `centroids_`), so the
# picture is drawn from it rather than from your function. The heatmap sorts the units by their preferred digit (the class with the highest average), and
# within each digit by how much of their activation goes to it, so each unit's preferred digit shows
# as a block along the diagonal.

# %%
class_means = torch.as_tensor(NearestCentroid().fit(z.numpy(), data.test_labels.numpy()).centroids_)  # [10, units]
preferred = class_means.argmax(dim=0)
share = class_means.max(dim=0).values / class_means.sum(dim=0)  # 0.1 would mean no preference at all
order = sorted(range(z.shape[1]), key=lambda j: (preferred[j].item(), -share[j].item()))
counts = torch.bincount(preferred, minlength=10)
fig, ax = plt.subplots(figsize=(11, 3.4))
image = ax.imshow(class_means[:, order], aspect="auto", cmap="viridis", interpolation="nearest")
for edge in counts.cumsum(0)[:-1]:
    ax.axvline(edge.item() - 0.5, color="w", linewidth=0.8)
ax.set(xlabel="latent unit, sorted by preferred digit (white lines between digits)", ylabel="digit",
       yticks=range(10), title="average code per digit class")
fig.colorbar(image, ax=ax, label="mean activation")
plt.show()
print("units preferring each digit: " + ", ".join(f"{d}: {n}" for d, n in enumerate(counts.tolist())))
print(f"share of a unit's average activation that goes to its favourite digit: median {share.median():.2f} "
      f"(0.10 = no preference); units with more than half on one digit: {(share > 0.5).sum().item()} of 196")

# %% [markdown]
# Sorted, every digit has its own block of units, brighter in that digit's row: each unit has a
# preferred digit, and every digit is preferred by some (counts printed). But the rest of each
# column is not dark, and the printed shares say how far a preference goes: most units give well
# under half of their average activation to their favourite digit, because a stroke is shared by
# several digits. A digit is a *combination* of units, not one unit.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: every digit has units, and most units give under half their activation to one digit.
sizes = torch.bincount(data.test_labels, minlength=10).double()  # averages weighted by class size: the mean code
assert torch.allclose((sizes[:, None] * class_means).sum(dim=0) / sizes.sum(), z.double().mean(dim=0), atol=1e-6)
assert (counts > 0).all() and share.median() > 0.1 and (share > 0.5).float().mean() < 0.5

# %% [markdown]
# ## Switch one unit off
#
# At the start you predicted what switching off a digit's strongest unit does. Here is the
# experiment: take a test digit, find its most active unit, set that one activation to 0 and decode.

# %%
index = 0
code = z[index : index + 1].clone()
unit = code.argmax().item()
ablated = code.clone()
ablated[0, unit] = 0
with torch.no_grad():
    before, after = (model.decode(c.to(device)).cpu() for c in (code, ablated))
change = (before - after).norm() / before.norm()
fig, axes = plt.subplots(1, 5, figsize=(15, 2.9), layout="constrained")
feature_lim = features[unit].abs().max().item()
panels = [(data.test_images[index, 0], "digit", "gray", 0, 1),
          (before.reshape(28, 28), "reconstruction", "gray", 0, 1),
          (after.reshape(28, 28), f"without unit {unit}", "gray", 0, 1),
          ((before - after).reshape(28, 28), "what the unit added", "RdBu_r", -1, 1),  # the pixels' own scale
          (features[unit].reshape(28, 28), f"unit {unit}'s feature", "RdBu_r", -feature_lim, feature_lim)]
images = []
for ax, (img, title, cmap, low, high) in zip(axes, panels):
    images.append(ax.imshow(img, cmap=cmap, vmin=low, vmax=high))
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
fig.colorbar(images[0], ax=axes[:3], label="pixel value", shrink=0.9)
fig.colorbar(images[3], ax=axes[3], label="change in pixel value", shrink=0.9)
fig.colorbar(images[4], ax=axes[4], label="weight", shrink=0.9)
plt.show()
print(f"unit {unit} (activation {code[0, unit]:.2f}) carried {change:.0%} of the reconstruction's norm")
with torch.no_grad():  # the same experiment on every test digit
    top = z.argmax(dim=1)
    z_off = z.clone()
    z_off[torch.arange(len(z)), top] = 0
    changes = (x_hat - model.decode(z_off.to(device)).cpu()).norm(dim=1) / x_hat.norm(dim=1)
print(f"over all test digits, the strongest unit carries a median {changes.median():.0%} of the reconstruction")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: one unit is some of the digit, not most or none, on this digit and over the test set.
assert 0.02 < change < 0.5 and 0.02 < changes.median() < 0.5
assert (changes > 0.5).float().mean() < 0.05

# %% [markdown]
# The digit stays readable without its strongest unit. The fourth panel is on the same pixel scale
# (−1 to 1) as the digit: what that unit added is faint, spread along most of the digit's outline
# (with a few pixels darkened), and strongest at the foot of the vertical stroke; it is a fraction of
# the reconstruction's norm (printed above), and the same holds across the test digits.

# %% [markdown]
# ### Exercise 3: dead units, one batch at a time
#
# A unit is **dead** when it is never above the activity threshold (in |z|) on any input. On 1,000
# test digits held in memory that is one line; a training run sees its data one batch at a time and
# cannot keep it all, and that is where dead units have to be caught (notebooks 06 and 08 do it while
# training). Complete `my_dead_fraction(batches, threshold)`: `batches` yields [inputs, units] code
# tensors and can be read **once**; return the fraction of units that are dead over all of them.
# The checker's batches are built so that answers judged batch by batch go wrong, and it names the
# mistake.

# %%
# NBVAL_CHECK_OUTPUT
def my_dead_fraction(batches, threshold):
    raise NotImplementedError  # your code here


exercises.check_dead_fraction_stream(my_dead_fraction)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_dead_fraction(batches, threshold):
    ever_active = None
    for z_batch in batches:
        active = (z_batch.abs() > threshold).any(dim=0)  # per unit: active on some input of this batch
        ever_active = active if ever_active is None else ever_active | active
    return (~ever_active).float().mean()


exercises.check_dead_fraction_stream(my_dead_fraction)

# %% [markdown]
# This model has no dead units on the test digits, and no dense ones either:

# %%
print(f"dead units in this model: {metrics['dead_fraction']:.0%}; dense units: {metrics['dense_fraction']:.0%}")

# %% [markdown]
# ## Weight decay
#
# UFLDL's cost has a third term beside reconstruction and sparsity: **weight decay**, (λ/2) Σ W² over
# the weight matrices, with λ = 3e-3 on its per-image ½ Σ_d (x_d − x̂_d)² (so λ = 3e-3 × 2/784 on
# `sae_lib`'s per-pixel mean, as for β; `TrainConfig(weight_decay=…)`). It charges every weight for
# its size, so a weight that only helps with a few training digits is pulled to 0. The sweep trained
# the same model with it on three seeds. Below, the first 16 features of the model above and of the
# seed-0 model with weight decay, each feature scaled to unit length (weight decay also shrinks them
# all, printed below), on one colour scale.

# %%
decay_rows = [r for r in sweep["rows"] if r["weight_decay"] > 0]
decayed = torch.tensor([[float(w) for w in feature.split()] for feature in decay_rows[0]["first_features"]])
shown = [F.normalize(features[:16], dim=1), F.normalize(decayed, dim=1)]
lim = max(f.abs().max().item() for f in shown)
display(plots.plot_decoder_features(shown[0], ncols=8, vmax=lim, title="without weight decay (this notebook's model)"))
display(plots.plot_decoder_features(shown[1], ncols=8, vmax=lim,
                                    title=f"with weight decay λ = {sweep['weight_decay']:.2e} (seed 0 of the sweep)"))
print(f"{'':32}{'roughness':>10}{'variance explained':>20}{'L0':>6}{'mean feature norm':>19}")
for name, rows in [("without weight decay", no_decay_rows), ("with weight decay", decay_rows)]:
    for r in rows:
        print(f"{name + ', seed ' + str(r['seed']):32}{r['roughness_median']:>10.3f}{r['variance_explained']:>20.3f}"
              f"{r['l0']:>6.1f}{r['feature_norm_mean']:>19.1f}")
drops = [1 - d["roughness_median"] / p["roughness_median"] for p, d in zip(no_decay_rows, decay_rows)]
print("roughness falls by " + ", ".join(f"{drop:.0%}" for drop in drops) + " on seeds 0, 1, 2")
print("variance explained, mean over seeds: "
      f"{np.mean([r['variance_explained'] for r in no_decay_rows]):.2f} without weight decay, "
      f"{np.mean([r['variance_explained'] for r in decay_rows]):.2f} with it")

# %% [markdown]
# With weight decay the features are somewhat smoother: roughness (median over the 196 features: 0 for
# a flat image, 1 for white noise) falls by about a fifth, on every seed. It comes at a large cost:
# the weights are smaller, so the reconstruction is worse, and variance explained drops by about a
# fifth too (the means over seeds are printed above; it falls on every seed). Whether the smoother features are worth it depends on
# what the code is for; the next section asks one such question.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: weight decay smooths and costs reconstruction on every seed; the model above is the sweep's seed 0.
assert abs(roughness(features).median().item() - no_decay_rows[0]["roughness_median"]) < 0.01, "reproduces seed 0"
for plain, decay in zip(no_decay_rows, decay_rows):
    assert plain["seed"] == decay["seed"]
    assert decay["roughness_median"] < 0.85 * plain["roughness_median"], "weight decay smooths, on every seed"
    assert decay["variance_explained"] < plain["variance_explained"], "and costs reconstruction, on every seed"

# %% [markdown]
# ## Is the code useful? A linear classifier on codes against pixels
#
# UFLDL's *self-taught learning* uses features learned without labels as the input of a classifier
# trained on few labels. Here: the SAE learned from all 4,000 training digits without their labels;
# now 1,000 of those digits keep their labels, and a logistic regression (scikit-learn, the same
# settings: C = 1) is fitted on their codes, and another on their pixels, and both are scored on the
# 1,000 test digits. Same labelled digits, same test digits, same classifier: only the input differs.

# %%
from sklearn.linear_model import LogisticRegression

labelled = np.random.default_rng(0).permutation(len(data.train_labels))[:1000]  # as the sweep's seed 0
train_codes = sae_lib.reconstruct(model, data.train_images)[1].cpu().numpy()
inputs = {"codes (196)": (train_codes, z.numpy()),
          "pixels (784)": (data.train_images.flatten(1).numpy(), data.test_images.flatten(1).numpy())}
accuracy = {}
for name, (train_x, test_x) in inputs.items():
    classifier = LogisticRegression(max_iter=1000).fit(train_x[labelled], data.train_labels.numpy()[labelled])
    accuracy[name] = classifier.score(test_x, data.test_labels.numpy())
standard_error = (accuracy["pixels (784)"] * (1 - accuracy["pixels (784)"]) / len(data.test_labels)) ** 0.5
print("test accuracy with 1,000 labels: " + ", ".join(f"{name} {a:.3f}" for name, a in accuracy.items()) +
      f" (standard error of one accuracy on {len(data.test_labels):,} test digits: {standard_error:.3f})")
print("the sweep, seeds 0-2 (codes / pixels):")
for name, rows in [("without weight decay", no_decay_rows), ("with weight decay", decay_rows)]:
    for n in sweep["labelled"]:
        print(f"  {name}, {n:>5} labels: " + ", ".join(f"{r[f'codes_{n}']:.3f}/{r[f'pixels_{n}']:.3f}" for r in rows))
    print(f"  {name}, gaps at 1000 labels (points): "
          + ", ".join(f"{100 * (r['codes_1000'] - r['pixels_1000']):.1f}" for r in rows))
    print(f"  {name}, 1000 labels, C by cross-validation: " +
          ", ".join(f"{r['codes_1000_tuned']:.3f}/{r['pixels_1000_tuned']:.3f}" for r in rows))

# %% [markdown]
# With 1,000 labels the codes beat the pixels, by a few points, on every seed, also when each
# classifier picks its regularisation C by cross-validation on the labelled digits (the last line of
# each block). With only 100 labels the model without weight decay is no better than the pixels;
# the smoother features of the model with weight decay are. The code is the better input although
# it has a quarter as many numbers as the image. (A caveat: one 1,000-image test set gives each
# accuracy the standard error printed above, about a point, so read differences of a point or two as
# ties; the gaps at 1,000 labels, printed above, are about two to four points without weight decay
# and about four to six with it, on every seed.)

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: codes beat pixels at 1,000 labels on every seed (tuned C too); with weight decay also at 100 labels.
assert abs(accuracy["codes (196)"] - no_decay_rows[0]["codes_1000"]) < 0.01, "reproduces the sweep's seed 0"
for r in no_decay_rows + decay_rows:
    assert r["codes_1000"] > r["pixels_1000"] + 0.01 and r["codes_1000_tuned"] > r["pixels_1000_tuned"]
for r in decay_rows:
    assert r["codes_100"] > r["pixels_100"]

# %% [markdown]
# ## Compare settings
#
# The sparsity explorer (notebook 03, or `sparsity_explorer.ipynb` on its own page) draws the
# histogram and mean activations for any ρ and β. Try a tiny ρ such as 0.005: after the explorer's
# short fine-tune every digit collapses to much the same blur: that is how far 125 steps get at that
# ρ, not the best a code so sparse could do. Try β = 0: the code goes dense.
#
# ## Summary
#
# * A sparse code's histogram is concentrated at small values; its heatmap is mostly dark. Here a
#   quarter to a third of the units are above 0.1 on each digit, so "sparse" means mostly low.
# * The KL penalty brings each unit's mean activation to ρ.
# * With a one-layer decoder, each unit's decoder column is its feature: here many strokes and arcs,
#   no two alike (each feature's nearest neighbour, not an average, is what catches copies), unlike
#   PCA's whole-image components. Their speckle sits where the digits are; weight decay lowers their
#   roughness by about a fifth, at a large cost in reconstruction.
# * Top-activating inputs show what a unit reads; class averages show units shared across digits;
#   switching one unit off removes some of the digit, not most of it.
# * A dead unit is silent on every input: over a stream of batches, remember which units have fired.
# * A linear classifier does better on the codes than on the pixels with the same 1,000 labels.
# * **The caveat: a picture is a story, not a measurement.** A feature image and a unit's top digits
#   suggest what the unit does; the class averages and the switch-off experiment measure it, and they
#   show units shared across digits that each carry a part of a digit, not digit detectors.
#
# Next, **06 · Dictionary learning on neural data** swaps sigmoid codes and KL for ReLU codes and L1,
# the recipe of interpretability SAEs (as of 2023; notebook 09 covers what came after).
