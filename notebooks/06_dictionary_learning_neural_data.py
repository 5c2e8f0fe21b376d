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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/06_dictionary_learning_neural_data.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/06_dictionary_learning_neural_data.ipynb)

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
# # 06 · Dictionary learning on neural recordings
#
# **After this notebook you can** turn recordings shaped [neurons, time, presentations] into
# training samples, explain why an over-complete SAE needs unit-norm decoder columns when it is
# trained with L1, recover a known dictionary from synthetic recordings and score it with MMCS,
# find the "Goldilocks" band of L1 strength, watch dead units appear as the dictionary grows, and
# compare the SAE with scikit-learn's classic dictionary learning.
#
# This is the recipe behind the SAEs used in interpretability today: ReLU codes, an L1 penalty,
# many more latents than inputs, and a decoder whose columns are the learned "features".

# %%
import time
import warnings

import matplotlib.pyplot as plt
import torch
from sklearn.decomposition import MiniBatchDictionaryLearning
from sklearn.exceptions import ConvergenceWarning

import sae_lib
from sae_lib import exercises
from sae_lib.neural import Standardizer, learn_dictionary, mmcs, raw_atoms, synthetic_recording, to_samples

warnings.filterwarnings("ignore", category=ConvergenceWarning)
device = sae_lib.default_device()
print(f"Using device: {device}")

# %% [markdown]
# ## Recordings with a known answer
#
# Real recordings never come with the true "atoms" of population activity, so we make some that do:
# 64 neurons, 128 unit-norm population patterns, and at every moment 5 of them active with
# non-negative weights, plus noise. The array has the usual shape [neurons, time, presentations].
# Each (presentation, time) pair is one sample: the population vector of all 64 neurons then.

# %%
# NBVAL_CHECK_OUTPUT
rec = synthetic_recording(n_neurons=64, n_atoms=128, n_time=50, n_presentations=100, active=5, seed=0)
samples = to_samples(rec.data)
standardizer = Standardizer.fit(samples)
x = standardizer(samples)
print("recording:", rec.data.shape, "→ samples:", tuple(samples.shape), " true atoms:", rec.atoms.shape)

# %%
fig, ax = plt.subplots(figsize=(9, 3))
image = ax.imshow(rec.data[:, :, 0], aspect="auto", cmap="magma")
ax.set(xlabel="time", ylabel="neuron", title="one presentation: 64 neurons over 50 time steps")
fig.colorbar(image, ax=ax)
plt.show()

# %% [markdown]
# ## Why over-complete, and why unit-norm decoder columns
#
# The data holds 128 patterns in 64 dimensions: more patterns than neurons, squeezed into
# superposition. To pull them apart the code needs at least as many units as there are patterns:
# an **over-complete** layer (here 256 units for 64 inputs).
#
# The L1 penalty λ Σⱼ |zⱼ| makes codes sparse, but it has a loophole: shrink a code by 10 and grow
# its decoder column by 10, and the reconstruction is unchanged while the penalty falls tenfold.
# Left free, the decoder norms grow and the "sparsity" becomes meaningless. Fixing every decoder
# column to unit length (`SAEConfig(unit_norm_decoder=True)`, re-applied after each Adam step)
# closes the loophole, and makes the columns directly comparable with the true unit-norm atoms.

# %% [markdown]
# ### Exercise 1: unit-norm columns
#
# Complete `my_unit_norm_columns(w)`: rescale each column of a matrix to unit L2 norm.

# %%
# NBVAL_CHECK_OUTPUT
def my_unit_norm_columns(w):
    raise NotImplementedError  # your code here


exercises.check_unit_norm_columns(my_unit_norm_columns)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_unit_norm_columns(w):
    return w / w.norm(dim=0, keepdim=True)


exercises.check_unit_norm_columns(my_unit_norm_columns)

# %% [markdown]
# ## Learning the dictionary, and scoring it with MMCS
#
# **MMCS** (mean max cosine similarity) asks, for each true atom, how close the best-matching
# learned atom is (cosine similarity), and averages over the true atoms: 1 means every true
# pattern was found. We train for 1,500 Adam steps (learning rate 2e-3) on batches of 128 samples.

# %%
model, history = learn_dictionary(x, n_latents=256, l1_lambda=0.02, steps=1500, device=device)
score = mmcs(rec.atoms, raw_atoms(model, standardizer))
print(f"MMCS after {history.steps} steps ({history.seconds:.1f} s): {score:.3f}")

# %% [markdown]
# For each true atom, its best match: most are found almost exactly.

# %%
learned = torch.nn.functional.normalize(raw_atoms(model, standardizer), dim=1)
true = torch.nn.functional.normalize(torch.as_tensor(rec.atoms), dim=1)
best = (true @ learned.T).max(dim=1).values
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(best.numpy(), bins=30)
ax.set(xlabel="cosine similarity with the best learned atom", ylabel="true atoms", title=f"MMCS = {best.mean():.3f}")
plt.show()

# %% [markdown]
# ### Exercise 2: MMCS
#
# Complete `my_mmcs(true_atoms, learned_atoms)` (rows are atoms; the two may have different counts).

# %%
# NBVAL_CHECK_OUTPUT
def my_mmcs(true_atoms, learned_atoms):
    raise NotImplementedError  # your code here


exercises.check_mmcs(my_mmcs)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_mmcs(true_atoms, learned_atoms):
    t = true_atoms / true_atoms.norm(dim=1, keepdim=True)
    l = learned_atoms / learned_atoms.norm(dim=1, keepdim=True)
    return (t @ l.T).max(dim=1).values.mean()


exercises.check_mmcs(my_mmcs)

# %% [markdown]
# ## The Goldilocks band of L1 strength
#
# Too little L1 and the code stays dense: each sample is smeared over many units and the atoms come
# out as mixtures. Too much and units are pushed to zero: the code cannot express 5 patterns at once.
# In between, recovery is near perfect. To sweep quickly, each run below takes 150 large steps
# (batches of 1,024 at learning rate 1e-2): coarser than the run above, but the shape shows.

# %%
quick = dict(steps=150, batch_size=1024, lr=1e-2)
lambdas = [1e-3, 1e-2, 3e-2, 1e-1]
scores = []
for l1 in lambdas:
    m, _ = learn_dictionary(x, n_latents=256, l1_lambda=l1, device=device, **quick)
    scores.append(mmcs(rec.atoms, raw_atoms(m, standardizer)))
fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogx(lambdas, scores, marker="o")
ax.set(xlabel="L1 weight λ", ylabel="MMCS", title="recovery against L1 strength", ylim=(0, 1.02))
plt.show()

# %% [markdown]
# ## Dead units as the dictionary grows
#
# A bigger dictionary gives more chances to find every atom, but with 128 true patterns the extra
# units have nothing to represent, and under a strong L1 push (λ = 0.05 here) a growing share of
# them never switches on: **dead units**. They cost compute and learn nothing; modern SAEs resample
# them or penalise them back to life.

# %%
sizes = [128, 256, 512]
dead = []
for n_latents in sizes:
    m, _ = learn_dictionary(x, n_latents=n_latents, l1_lambda=0.05, device=device, **quick)
    dead.append(sae_lib.metrics.dead_fraction(sae_lib.metrics.reconstruct(m, x[:2000])[1], 0.0))
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar([str(s) for s in sizes], dead)
ax.set(xlabel="dictionary size (latent units)", ylabel="fraction dead", title="dead units on 2,000 samples")
plt.show()

# %% [markdown]
# ## Against scikit-learn
#
# `MiniBatchDictionaryLearning` alternates a lasso solve for the codes (positive here, like ReLU
# codes) with a dictionary update. It is accurate but solves an optimisation problem for every
# batch, where the SAE's encoder is one matrix product. Same data, same 256 atoms, a comparable budget:

# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
sk = MiniBatchDictionaryLearning(n_components=256, alpha=0.3, batch_size=256, max_iter=1, positive_code=True,
                                 fit_algorithm="cd", transform_algorithm="lasso_lars", random_state=0)
sk.fit(samples[:2000].numpy())
sk_seconds = time.perf_counter() - start
print(f"scikit-learn: MMCS {mmcs(rec.atoms, sk.components_):.3f} in {sk_seconds:.1f} s (one pass over 2,000 samples)")
print(f"SAE         : MMCS {score:.3f} in {history.seconds:.1f} s ({history.steps} steps)")

# %% [markdown]
# `benchmarks/neural_dictionary.py` makes this comparison carefully on a larger problem (time to
# reach the same MMCS for each method); its measured table is in the README.
#
# ## Summary
#
# * Recordings [neurons, time, presentations] become one population-vector sample per (presentation, time).
# * An over-complete ReLU SAE with L1 and **unit-norm decoder columns** is a fast dictionary learner;
#   without the norm constraint, L1 can be dodged by scaling.
# * MMCS measures recovery against known atoms; L1 strength has a Goldilocks band; large dictionaries
#   grow dead units.
# * The CLI does the same on your own data: `python -m sae_lib train --data-path recordings.npy`, then
#   `python -m sae_lib infer --data-path recordings.npy --model-path outputs/checkpoints/best_model.pt`.
