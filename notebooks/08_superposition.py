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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/08_superposition.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/08_superposition.ipynb)
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
# # 08 · Superposition
#
# **After this notebook you can** train a toy model of superposition and watch it pack more features
# than it has dimensions as the features get sparser; read which features share a direction off WᵀW;
# train an SAE on the toy model's hidden activations and check, feature by feature, that it finds the
# true directions (MMCS in both directions); and find dead latents with a feature-density histogram
# and bring them back by resampling.
#
# Why this matters: an SAE is used in interpretability because a network's activations are thought to
# hold many more *features* than they have dimensions, each a direction, most of them off on most
# inputs. This notebook builds exactly that situation with a known answer (Elhage et al., *Toy Models
# of Superposition*, 2022) and then checks that an SAE can undo it.

# %%
# %matplotlib inline
import dataclasses
import inspect
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises
from sae_lib.metrics import dead_fraction, dense_fraction, match_atoms, mmcs, reconstruct
from sae_lib.superposition import (
    feature_dimensionality,
    feature_recovery,
    importances,
    toy_features,
    toy_loss,
    train_toy_model,
    welch_bound,
)

# Every model here is tiny (at most 40 × 10 weights): one thread is as fast as two, and on a shared
# machine it is not slowed down by waiting for a busy second core.
torch.set_num_threads(1)
device = "cpu"

# %% [markdown]
# ## A toy model: 5 features through 2 dimensions
#
# Each input x has 5 features. A feature is 0 with probability S (the **sparsity**) and otherwise a
# random value in [0, 1]. The model writes x into 2 dimensions, h = W x (W is 2 × 5, so feature i is
# written along the column W_i), and reads it back with x' = ReLU(Wᵀ h + b). It is trained to minimise
# Σ_i I_i (x_i − x'_i)², where the importances I_i = 0.8^i make feature 0 matter most.
#
# Two dimensions cannot hold 5 features without interference: whatever the model does, W_i · W_j ≠ 0
# for some pairs, and then feature j leaks into the read-out of feature i. The ReLU lets the model
# hide some of that leak (a negative leak is cut to 0), and sparsity makes the leak rare: if feature
# j is almost never on, the interference almost never happens.
#
# We train one model for each of 8 sparsities, 10 seeds each (80 small models in one batched run,
# 600 Adam steps on batches of 128), and keep the seed with the lowest loss at each sparsity: toy
# models have local minima (we look at them below), and the best of ten shows the geometry the model
# prefers.

# %%
probabilities = [1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01]  # 1 − S: how often each feature is on
seeds = 10
toy = train_toy_model(5, 2, probabilities * seeds, importance=0.8, steps=600, batch_size=128, lr=3e-2, seed=0)

x_eval = toy_features(20_000, 5, probabilities * seeds, torch.Generator().manual_seed(5))
loss = toy_loss(toy, x_eval, importances(5, 0.8)).detach().reshape(seeds, len(probabilities))
best = loss.argmin(dim=0)  # the best seed at each sparsity
W = toy.directions.reshape(seeds, len(probabilities), 5, 2)[best, torch.arange(len(probabilities))]  # [sparsity, feature, 2]
norms = W.norm(dim=2)
represented = (norms > 0.5).sum(dim=1)
print("sparsity S   features represented   ‖W_i‖ per feature")
for p, n, row in zip(probabilities, represented, norms):
    print(f"{1 - p:10.2f}   {int(n):20d}   {np.round(row.numpy(), 2)}")

# %%
colors = plt.cm.viridis(np.linspace(0, 0.9, 5))
fig, axes = plt.subplots(2, 4, figsize=(12, 6.2))
for ax, p, w in zip(axes.flat, probabilities, W):
    for i, (u, v) in enumerate(w.numpy()):
        ax.annotate("", xy=(u, v), xytext=(0, 0), arrowprops=dict(arrowstyle="-|>", color=colors[i], lw=2))
        if math.hypot(u, v) > 0.5:
            ax.text(1.2 * u, 1.2 * v, str(i), color=colors[i], ha="center", va="center", fontsize=10)
    ax.set(xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), aspect="equal", xticks=[-1, 0, 1], yticks=[-1, 0, 1], title=f"S = {1 - p:.2f}")
for ax in axes[1]:
    ax.set_xlabel("hidden dimension 1")
for ax in axes[:, 0]:
    ax.set_ylabel("hidden dimension 2")
fig.suptitle("columns W_i of the toy model (feature i's direction in the 2-D hidden space), best of 10 seeds")
plt.tight_layout()
plt.show()

# %% [markdown]
# Reading the panels from dense to sparse:
#
# * **S = 0** (every feature always on): the model keeps the two most important features on two
#   orthogonal axes and drops the other three, as PCA would. No superposition.
# * **Middle sparsities**: features come in **antipodal pairs**, two features on one line pointing in
#   opposite directions. When one is on, the other's read-out is negative and the ReLU cuts it to 0,
#   so the pair only interferes when both are on at once, which sparsity makes rare.
# * **High sparsity**: all 5 features are kept, as a **pentagon**: 5 directions in 2 dimensions, the
#   clearest picture of superposition.
#
# At every sparsity the best seed keeps the most important features and drops the least important
# ones. Not every seed does: some settle in a **local minimum** that keeps a less important feature
# and drops a more important one, at a higher loss. Each dot below is one seed, its loss relative to
# the best seed at that sparsity; a cross (×) marks a seed that kept feature j but dropped a more important
# feature i < j. The line printed below lists the ten seeds at S = 0.70: those that keep feature 4
# in place of the more important feature 3 all have a higher loss. With the best of only three seeds,
# such a local minimum can pass for the model's choice. Keeping every important feature is not enough
# either: at high sparsity, seeds that keep all of them can still settle in a worse arrangement of
# their directions (the dots at about 2× the best loss at S = 0.98; the worst such seed at each
# sparsity is printed below the plot).

# %%
all_norms = toy.directions.reshape(seeds, len(probabilities), 5, 2).norm(dim=3)  # [seed, sparsity, feature]
kept = all_norms > 0.5
# a prefix {0, …, k−1} keeps the most important features; anything else skips a more important one
skips = (kept[..., 1:] & ~kept[..., :-1]).any(dim=-1)  # [seed, sparsity]
relative = loss / loss.min(dim=0).values  # [seed, sparsity]
fig, ax = plt.subplots(figsize=(7, 3.4))
for stuck, color, marker, label in [(False, "#0072B2", "o", "keeps the most important features"),
                                    (True, "#D55E00", "x", "drops a more important feature (local minimum)")]:
    seed_idx, sparsity_idx = (skips == stuck).nonzero(as_tuple=True)
    ax.scatter(1 / torch.tensor(probabilities)[sparsity_idx], relative[seed_idx, sparsity_idx], color=color,
               marker=marker, s=26, alpha=0.8, label=label)
ax.set(xscale="log", yscale="log", xlabel="1 / (1 − S)  (sparser →)", ylabel="loss / best seed's loss",
       title="each seed's loss at each sparsity: the local minima cost loss")
ax.set_yticks([1, 1.5, 2, 3, 5, 10], labels=["1", "1.5", "2", "3", "5", "10"])
ax.set_yticks([], minor=True)
ax.legend(fontsize=9)
plt.show()
s_070 = probabilities.index(0.3)
print("S = 0.70, seeds by loss:", ", ".join(
    f"{''.join(str(i) for i in range(5) if kept[s, s_070, i])} ({loss[s, s_070]:.4f})" for s in loss[:, s_070].argsort()))
print("worst seed that keeps the most important features, loss / best seed's:", ", ".join(
    f"S = {1 - p:.2f}: {relative[~skips[:, i], i].max():.2f}×" for i, p in enumerate(probabilities)))

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the local minima are real and all cost loss, every best seed keeps the most important features, and
# keeping them is not enough at high sparsity; at the ends, 2 features in a plane and a regular pentagon.
assert relative[~skips[:, probabilities.index(0.02)], probabilities.index(0.02)].max() > 1.5  # worse arrangements
assert not skips[best, torch.arange(len(probabilities))].any()  # every best seed keeps a prefix of features
assert skips.any() and (relative[skips] > 1.02).all()  # the local minima are real and all worse by over 2 %
# NBVAL_CHECK_OUTPUT
angles = torch.atan2(W[-1, :, 1], W[-1, :, 0]).sort().values
gaps = torch.rad2deg(torch.diff(torch.cat([angles, angles[:1] + 2 * math.pi])))
assert represented[0] == 2 and represented[-1] == 5, represented
assert (gaps - 72).abs().max() < 10, gaps  # a regular pentagon: 360° / 5 between neighbours
print(f"S = 0: {int(represented[0])} features; S = {1 - probabilities[-1]:.2f}: {int(represented[-1])} features "
      f"at 72° ± 10° from each other (a pentagon)")

# %% [markdown]
# ## Reading WᵀW
#
# The 5 × 5 matrix WᵀW holds every dot product W_i · W_j. Its diagonal is ‖W_i‖², how strongly feature
# i is represented (0: dropped). Off the diagonal is interference: 0 for orthogonal features, a large
# negative value for an antipodal pair, smaller values for features that share the space at an angle.
# It is the same information as the arrows, in a form that still works with 40 features in 10
# dimensions, where arrows cannot be drawn.

# %%
grams = W @ W.transpose(1, 2)  # [sparsity, 5, 5]
fig, axes = plt.subplots(2, 4, figsize=(12, 6))
for ax, p, g in zip(axes.flat, probabilities, grams):
    image = ax.imshow(g.numpy(), cmap="RdBu_r", vmin=-1.5, vmax=1.5)
    ax.set(title=f"S = {1 - p:.2f}", xticks=range(5), yticks=range(5))
for ax in axes[1]:
    ax.set_xlabel("feature j")
for ax in axes[:, 0]:
    ax.set_ylabel("feature i")
fig.colorbar(image, ax=axes, shrink=0.8, label="W_i · W_j")
fig.suptitle("WᵀW: strength of each feature (diagonal) and interference between features (off the diagonal)")
plt.show()

# %% [markdown]
# ### Exercise 1: read a WᵀW
#
# Here is WᵀW of one of the seeds at **S = 0.80** that settled in a local minimum (its arrows are
# not drawn above). Which feature does it not represent at all? Which feature shares a line with
# feature 0, pointing the other way? Answer with feature numbers (0–4).

# %%
s_080 = probabilities.index(0.2)
all_W = toy.directions.reshape(seeds, len(probabilities), 5, 2)
# the worst-loss stuck seed at S = 0.80 in which feature 0 has an antipodal partner
stuck = [int(s) for s in loss[:, s_080].argsort(descending=True)
         if skips[s, s_080] and (all_W[s, s_080] @ all_W[s, s_080, 0])[1:].min() < -0.5]
gram_stuck = all_W[stuck[0], s_080] @ all_W[stuck[0], s_080].T
fig, ax = plt.subplots(figsize=(4.4, 3.6))
image = ax.imshow(gram_stuck.numpy(), cmap="RdBu_r", vmin=-1.5, vmax=1.5)
fig.colorbar(image, ax=ax, label="W_i · W_j")
ax.set(title="WᵀW of a stuck seed, S = 0.80", xlabel="feature j", ylabel="feature i", xticks=range(5), yticks=range(5))
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
dropped_feature = None  # your answer: a feature number
partner_of_0 = None  # your answer: a feature number

exercises.check_dropped_feature(dropped_feature, gram_stuck)
exercises.check_shared_direction(partner_of_0, gram_stuck, feature=0)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
# Read off the heatmap, or compute it:
dropped_feature = int(gram_stuck.diagonal().argmin())  # ‖W_i‖² ≈ 0
partner_of_0 = int(gram_stuck[0, 1:].argmin()) + 1  # the most negative dot product with W_0

exercises.check_dropped_feature(dropped_feature, gram_stuck)
exercises.check_shared_direction(partner_of_0, gram_stuck, feature=0)
print(f"this seed keeps a less important feature in place of feature {dropped_feature}: a local minimum, "
      f"{relative[stuck[0], s_080]:.2f}× the best seed's loss")

# %% [markdown]
# ## When do features go into superposition?
#
# Elhage et al. measure each feature's share of a dimension, D_i = ‖W_i‖² / Σ_j (Ŵ_i · W_j)²: 1 for a
# feature with a dimension to itself, 1/2 for each feature of an antipodal pair, 2/5 in a pentagon, 0
# for a dropped feature. Plotted against sparsity, the values tend to sit near these fractions
# rather than anywhere in between (with 8 sparsities the plot cannot show whether they jump or slide
# from one to the next; Elhage et al. find they jump, like phases of matter).

# %%
dimensionality = feature_dimensionality(W)  # [sparsity, feature]
sparsity = 1 - torch.tensor(probabilities)
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
left.plot(1 / torch.tensor(probabilities), represented, marker="o")
left.set(xscale="log", xlabel="1 / (1 − S)  (sparser →)", ylabel="features represented (‖W_i‖ > 0.5)",
         title="5 features, 2 dimensions", ylim=(0, 5.5))
for i in range(5):
    right.scatter(1 / torch.tensor(probabilities), dimensionality[:, i], color=colors[i], label=f"feature {i}", s=25)
for level in (1, 0.5, 0.4):
    right.axhline(level, color="gray", lw=0.8, ls="--")
right.set(xscale="log", xlabel="1 / (1 − S)  (sparser →)", ylabel="dimensions per feature D_i",
          title="each feature's share of a dimension", yticks=[0, 0.4, 0.5, 1], yticklabels=["0", "2/5", "1/2", "1"])
right.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))
plt.tight_layout()
plt.show()

# %% [markdown]
# Dense features get a dimension each or nothing (D_i = 1 or 0); as they get sparser, first pairs
# share a line (1/2), then all five share the plane (2/5).
#
# ## 40 features in 10 dimensions
#
# The same model, bigger: 40 equally important features through 10 dimensions, each on 5% of the
# time (S = 0.95). Now the arrows live in 10 dimensions, so we read WᵀW.

# %%
# NBVAL_CHECK_OUTPUT
p_big = 0.05
toy40 = train_toy_model(40, 10, [p_big], importance=1.0, steps=1000, batch_size=512, lr=3e-2, seed=0)
W40 = toy40.directions[0]  # [40 features, 10 dims]: the true feature directions
unit = F.normalize(W40, dim=1)
overlap = (unit @ unit.T - torch.eye(40)).abs()
print(f"features represented (‖W_i‖ > 0.5): {int((W40.norm(dim=1) > 0.5).sum())} of 40 in 10 dimensions")
print(f"largest |cos| between two feature directions: {overlap.max():.2f}; mean: {overlap.sum() / (40 * 39):.2f}; "
      f"the least largest |cos| any 40 directions in 10 dimensions can have (Welch bound): {welch_bound(40, 10):.2f}")
assert overlap.max() >= welch_bound(40, 10) and (W40.norm(dim=1) > 0.5).all()

fig, ax = plt.subplots(figsize=(5.5, 4.6))
image = ax.imshow((W40 @ W40.T).numpy(), cmap="RdBu_r", vmin=-1.3, vmax=1.3)
fig.colorbar(image, ax=ax, label="W_i · W_j")
ax.set(title="WᵀW, 40 features in 10 dimensions", xlabel="feature j", ylabel="feature i")
plt.show()

# %% [markdown]
# All 40 are kept, and most pairs overlap: every feature interferes a little with many others (faint
# colours off the diagonal; a few pairs happen to be nearly orthogonal, the white cells).
#
# Two different things can make a hidden unit look like a mixture of features, and Elhage et al.
# keep them apart. One is an **unaligned basis**: h = W x has no activation function, so its 10
# coordinates are not special (there is no *privileged basis*), and even 10 features stored on 10
# orthogonal directions would show up in each hidden unit as a mixture. A rotation would undo that
# (ICA, which looks for independent, non-Gaussian directions, could find it). The other is **superposition**: there are more features than
# dimensions, so *no* choice of 10 directions gives each feature one of its own. The Welch bound
# printed above makes that exact: any 40 directions in 10 dimensions have some pair with |cos| of at
# least that much, whichever basis we read them in. No rotation undoes superposition; a dictionary
# with more directions than dimensions and a sparse code can, and that is what an SAE is for.
#
# ## An SAE on the toy model's activations
#
# An interpretability researcher sees only the hidden activations h = W x, not x or W. We give an SAE
# 20,000 of them and ask it to find the 40 directions. Its decoder columns (unit norm) should line up
# with the true directions W_i, and its codes z should say which features are on.
#
# We score the match with MMCS in **both directions**: true → learned asks whether every true feature
# found a latent (recall); learned → true asks whether every latent matches a true feature (a dead or
# junk latent lowers it, a duplicate does not). MMCS looks at decoder directions only, and an SAE can
# have the right directions with codes that fire at the wrong times, so we also score the **codes**:
# match latents to features one-to-one (the Hungarian assignment on the decoder cosines,
# `feature_recovery`), then for each feature take the correlation of its latent's code z_j with the
# feature's true value x_i, and the **F1** of "the latent fires" as a detector of "the feature is on".
# Beside those: L0 (latents firing per input) against the true number of features on per input
# (40 × 0.05 = 2 on average), and the latents that are dead or **near-dead**: firing on fewer than 1 in
# 1,000 test inputs.
#
# The SAE has 40 latents, one per feature: ReLU codes, L1 penalty (λ = 0.03), unit-norm decoder,
# 1,500 Adam steps at 1e-2.

# %%
x_toy = toy_features(24_000, 40, [p_big], torch.Generator().manual_seed(1))
h = toy40.hidden(x_toy).detach()[:, 0]  # [samples, 10]: what the SAE sees
h_train, h_test = h[:20_000], h[20_000:]
sae_config = SAEConfig(input_dim=10, hidden_dims=(), latent_dim=40, latent_activation="relu",
                       output_activation="none", unit_norm_decoder=True)
recipe = TrainConfig(penalty="l1", l1_lambda=0.03, steps=1500, lr=1e-2, batch_size=256)
sae, history = sae_lib.train(h_train, h_test, sae_config, recipe, device=device, progress=False)


x_test_true = x_toy[20_000:, 0]  # [test inputs, 40]: the true feature values behind h_test
true_l0 = (x_test_true > 0).sum(dim=1).float().mean().item()


def report(model):
    """MMCS both ways, code recovery, L0 against the truth, normalised MSE, dead and near-dead latents (test set)."""
    learned = model.dictionary.detach()
    _, z = reconstruct(model, h_test)
    density = (z > 0).float().mean(dim=0)
    codes = feature_recovery(x_test_true, z, W40, learned)
    scores = {"true → learned": mmcs(W40, learned), "learned → true": mmcs(learned, W40), **codes,
              "l0": (z > 0).sum(dim=1).float().mean().item(), "near_dead": int((density < 1e-3).sum())}
    m = sae_lib.evaluate(model, h_test)
    print(f"MMCS (decoder directions): true → learned {scores['true → learned']:.3f}, "
          f"learned → true {scores['learned → true']:.3f}")
    print(f"codes, per feature (medians, lowest in brackets): correlation {codes['correlation'].median():.2f} "
          f"({codes['correlation'].min():.2f}); detection precision {codes['precision'].median():.2f}, "
          f"recall {codes['recall'].median():.2f}, F1 {codes['f1'].median():.2f} ({codes['f1'].min():.2f})")
    print(f"L0 {scores['l0']:.2f} latents per input (true: {true_l0:.2f} features on); normalised MSE "
          f"{m['normalized_mse']:.3f}; dead or near-dead (< 1 in 1,000 inputs): {scores['near_dead']} of 40 latents")
    return scores


before = report(sae)

# %% [markdown]
# Good, but not complete. Which features did it miss, and why? For each true feature, take the latent
# whose decoder column is closest, and call the feature *missed* when that cosine is below 0.9.

# %%
index, cosine = match_atoms(W40, sae.dictionary.detach())
_, z_before = reconstruct(sae, h_test)
dead_before = ~(z_before != 0).any(dim=0)
cosines = F.normalize(W40, dim=1) @ F.normalize(sae.dictionary.detach(), dim=1).T  # [true feature, latent]
missed = (cosine < 0.9).nonzero().flatten().tolist()
print(f"{len(missed)} missed features; {int(dead_before.sum())} dead latents: {dead_before.nonzero().flatten().tolist()}")
for i in missed:
    j = int(index[i])
    others = [k for k in (index == j).nonzero().flatten().tolist() if k != i]
    top2 = cosines[:, j].topk(2)
    other, other_cos = [(int(k), c) for k, c in zip(top2.indices, top2.values) if k != i][0]
    if dead_before[j]:
        why = "dead: it never fires"
    elif others:
        why = f"shared: also the best latent of feature {', '.join(map(str, others))}"
    else:
        why = f"a blend: its decoder also has cos {other_cos:.2f} with feature {other}"
    print(f"  feature {i:2d}: best latent {j:2d} (cos {cosine[i]:.2f}), {why}")

# %% [markdown]
# The cell above sorts each missed feature's best latent into one of three kinds (a latent that is
# neither dead nor shared counts as a blend, so the sorting is coarse; a best cosine near 0.5 means
# the feature was barely found at all): **dead** (it never fires,
# and its decoder column is wherever training left it), **shared** (the best latent of two features at
# once, its decoder column between them), or a **blend** (its own latent, but one that also leans
# towards a second feature). Shared and blended latents are *polysemantic*: one latent, more than one
# feature. They are what an SAE produces when it runs short of working latents: with some of the 40
# dead, the living ones must cover 40 features, so some double up.
#
# ## Dead latents
#
# A latent is **dead** when it fires on no input. The standard picture is the histogram of **feature
# density** (the share of inputs each latent fires on) on a log scale. Every true feature here is on
# 5% of the time, log₁₀ 0.05 ≈ −1.3, so healthy latents should sit there. Dense latents (on for more
# than half the inputs) would be a problem too: they pick nothing out.

# %%
print(f"dead fraction {dead_fraction(z_before, 0.0):.3f}, dense fraction {dense_fraction(z_before, 0.0):.3f}")
sae_lib.plots.plot_feature_density({"SAE, 40 latents": z_before})

# %% [markdown]
# Dead latents get no gradient from the reconstruction (a ReLU that never fires passes none back), so
# they stay dead. Anthropic's fix (*Towards Monosemanticity*, 2023) is to **resample** them during
# training: pick inputs the model reconstructs badly (with probability ∝ squared error²), and point each
# dead latent at one of them. What a revived latent must look like follows from what it is for:
#
# * it should **write** the missing input's direction: its decoder column is that direction (the
#   input minus the decoder bias), and, like every column of this SAE, of length 1;
# * it should **fire** on inputs like that one, but gently at first, so that it does not disrupt the
#   living latents: its encoder row points the same way with a small length, `encoder_norm` (the caller
#   passes 0.2 × the living rows' mean norm), and its encoder bias starts at 0, not at whatever
#   negative value kept it silent;
# * **nothing else** changes: not the living latents, and not the tensors passed in (in training they
#   are the model's own weights, which the caller replaces only once the new ones are ready).
#
# ### Exercise 2: diagnose a resampler
#
# A colleague wrote the resampler below. It runs, and returns three tensors of the right shapes. Shapes
# are PyTorch's `nn.Linear` ones: `w_enc` is [latents, inputs], `b_enc` is [latents], `w_dec` is
# [inputs, latents]; `dead` is a boolean mask over latents and `directions` holds one input vector per
# dead latent (in order). Test it against each property above on the small case given (a line of code
# per property), find what is wrong, and write a correct `my_resampled_weights`. The checker names the
# first property your version still breaks.

# %%
print(inspect.getsource(exercises.broken_resampled_weights))
g = torch.Generator().manual_seed(0)
w_enc, b_enc, w_dec = torch.randn(5, 3, generator=g), torch.randn(5, generator=g) - 2, torch.randn(3, 5, generator=g)
dead = torch.tensor([True, False, True, False, False])  # latents 0 and 2 are dead
directions = torch.randn(2, 3, generator=g) * 3  # one badly reconstructed input (minus the decoder bias) for each
new_enc, new_bias, new_dec = exercises.broken_resampled_weights(w_enc.clone(), b_enc.clone(), w_dec.clone(), dead,
                                                                directions, encoder_norm=0.4)
# your tests of the properties here, e.g. the lengths of the revived decoder columns: new_dec[:, dead]

# %%
# NBVAL_CHECK_OUTPUT
def my_resampled_weights(w_enc, b_enc, w_dec, dead, directions, encoder_norm):
    raise NotImplementedError  # your code here


exercises.check_resampled_weights(my_resampled_weights)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
# The broken one changes its inputs in place, divides every direction by the norm of the whole matrix (so
# with two or more dead latents each revived column is shorter than 1), and keeps the old encoder biases.
def my_resampled_weights(w_enc, b_enc, w_dec, dead, directions, encoder_norm):
    u = directions / directions.norm(dim=1, keepdim=True)
    w_enc, b_enc, w_dec = w_enc.clone(), b_enc.clone(), w_dec.clone()
    w_dec[:, dead] = u.T
    w_enc[dead] = u * encoder_norm
    b_enc[dead] = 0.0
    return w_enc, b_enc, w_dec


exercises.check_resampled_weights(my_resampled_weights)

# %% [markdown]
# ## Bringing them back
#
# `TrainConfig(resample_every=250)` runs this inside training: every 250 steps, latents silent on 4,096
# random training inputs are resampled (not in the last 250 steps, so revived latents have time to
# learn). One detail matters at our learning rate: Adam's memory of the revived weights is reset, but
# their second moment is set to the living latents' average, not to 0. With 0, Adam's next step would
# be about 3 times the learning rate, enough to kill the latent again within a few steps.
#
# Same SAE, same data, same 1,500 steps:

# %%
resampled_sae, resampled_history = sae_lib.train(h_train, h_test, sae_config,
                                                 dataclasses.replace(recipe, resample_every=250),
                                                 device=device, progress=False)
print(f"latents resampled at steps 250, 500, ...: {resampled_history.resampled}")
after = report(resampled_sae)
_, z_after = reconstruct(resampled_sae, h_test)
_, cosine_after = match_atoms(W40, resampled_sae.dictionary.detach())

# %%
for name, z in [("without", z_before), ("with", z_after)]:
    density = (z != 0).float().mean(dim=0)
    print(f"{name} resampling: median feature density {density.median():.3f} (each true feature: {p_big}), "
          f"dead fraction {dead_fraction(z, 0.0):.3f}, dense fraction {dense_fraction(z, 0.0):.3f}")
sae_lib.plots.plot_feature_density({"without resampling": z_before, "with resampling": z_after})

# %%
fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 5.6), sharex=True)
top.bar(np.arange(40) - 0.2, cosine.numpy(), width=0.4, label="without resampling", color="tab:gray")
top.bar(np.arange(40) + 0.2, cosine_after.numpy(), width=0.4, label="with resampling", color="#009E73")
top.axhline(0.9, color="black", ls="--", lw=1, label="0.9 (missed below)")
top.set(ylabel="cosine with best latent", ylim=(0, 1.3), xlim=(-1, 40), yticks=[0, 0.5, 1],
        title="decoder directions: how well each true feature is found")
top.legend(fontsize=9, loc="upper center", ncol=3)
bottom.bar(np.arange(40) - 0.2, before["f1"].numpy(), width=0.4, label="without resampling", color="tab:gray")
bottom.bar(np.arange(40) + 0.2, after["f1"].numpy(), width=0.4, label="with resampling", color="#009E73")
bottom.set(xlabel="true feature", ylabel="detection F1 of its latent", ylim=(0, 1.3), yticks=[0, 0.5, 1],
           title="codes: does the feature's latent (matched one-to-one) fire when, and only when, the feature is on?")
bottom.legend(fontsize=9, loc="upper center", ncol=2)
plt.tight_layout()
plt.show()

# %% [markdown]
# The revived latents found the features that were missing, and the shared and blended latents could
# let go of them: every top bar is now near 1, the dead bar is empty (and so is the near-dead one that
# sat far left of the others, firing on fewer than 1 in 1,000 inputs), and the latents fire about as
# often as the true features do (the median densities above).
#
# ### Right directions, imperfect codes
#
# The decoder directions are now all but perfect, yet the codes are not (the bottom panel, and the
# second line of each report above): each feature's latent correlates with it clearly but not
# perfectly, and as a detector it both **misses** occurrences of its feature (recall well below 1,
# worst for weak occurrences, whose small value the L1 penalty and a negative bias shrink to 0: the
# recall by strength is printed below) and **fires without it** (precision well below 1: with its
# feature off, only the other features in h can have pushed it past zero, through their overlap with
# its direction). An encoder that is one linear map and a ReLU cannot pull 40 overlapping directions in 10
# dimensions apart exactly, however good the dictionary. And L0 comes out above the true number of
# features on per input for the same reason. MMCS, which looks at the decoder only, cannot see any of
# this: always score the codes too when the truth is known.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: resampling helps on every score, and yet the codes stay imperfect (weak occurrences missed most).
# NBVAL_CHECK_OUTPUT
print(f"MMCS before resampling: true → learned {before['true → learned']:.2f}, learned → true {before['learned → true']:.2f}")
assert after["true → learned"] >= 0.95 and after["learned → true"] >= 0.95, after
assert dead_fraction(z_after, 0.0) < dead_fraction(z_before, 0.0) and after["near_dead"] < before["near_dead"]
assert int((cosine_after < 0.9).sum()) < len(missed)
assert after["f1"].min() > before["f1"].min() and after["correlation"].min() > before["correlation"].min()
print("with resampling: MMCS ≥ 0.95 both ways, fewer dead latents, fewer missed features, the worst feature's code better")
# …and yet the codes stay imperfect: near-perfect directions, detection well short of it
assert after["true → learned"] >= 0.99 and after["f1"].median() < 0.8 and after["correlation"].median() < 0.95
assert after["precision"].median() < 0.8 and after["recall"].median() < 0.8 and after["l0"] > 1.1 * true_l0
fires = z_after[:, after["latent"]] > 0  # [test inputs, feature]: the matched latent of each feature fires
weak, strong = (x_test_true > 0) & (x_test_true < 0.2), x_test_true > 0.5
recall_weak, recall_strong = fires[weak].float().mean().item(), fires[strong].float().mean().item()
print(f"recall on occurrences of value below 0.2: {recall_weak:.2f}; above 0.5: {recall_strong:.2f}")
assert recall_weak < recall_strong - 0.2
print(f"decoder MMCS {after['true → learned']:.3f}, but median detection F1 {after['f1'].median():.2f}, "
      f"L0 {after['l0']:.2f} against {true_l0:.2f} features on")

# %% [markdown]
# ## Summary
#
# * A toy model with more sparse features than dimensions stores them in **superposition**: with dense
#   features it keeps the most important ones on orthogonal axes; as features get sparser, antipodal
#   pairs (1/2 dimension each) and then a pentagon (2/5) appear.
# * **WᵀW** shows it at any size: the diagonal says which features are kept, negative entries which
#   share a line.
# * Superposition is not an unaligned basis: more features than dimensions means no basis at all gives
#   each feature its own direction (the Welch bound), so no rotation undoes it.
# * An SAE trained only on the hidden activations recovers the true feature directions; **MMCS in both
#   directions** catches missed features and junk latents, but it scores the decoder only. **The
#   caveat:** near-perfect decoder directions do not mean near-perfect codes. Scored on
#   its **codes** (matched one-to-one, then correlation and detection precision/recall), the same SAE
#   misses weak occurrences and fires on interference: a linear-plus-ReLU encoder cannot separate
#   overlapping features exactly.
# * **Dead latents** (and near-dead ones, under 1 in 1,000 inputs) show in the log feature-density histogram; they waste capacity and force other
#   latents to be polysemantic. **Resampling** points them at badly reconstructed inputs and brings
#   them back.
# * Budget: every model here is tiny and trains in a few hundred to 1,500 Adam steps on one CPU
#   thread. Real SAEs train for hundreds of thousands of steps; the toy problem is far smaller.
#
# Next, notebook 09 replaces the L1 penalty with the architectures used today (TopK, BatchTopK,
# JumpReLU) and compares them on the sparsity-fidelity frontier.
