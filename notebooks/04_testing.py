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
# **After this notebook you can** measure a model on held-out digits against honest baselines (the
# mean image and PCA), look at its error per digit class, describe a code with test MSE, variance
# explained, normalised MSE, mean ρ̂, L0, dead and dense units and feature density, read the real
# trade-off of a β sweep, and tune β to a target yourself.

# %%
# %matplotlib inline
import dataclasses

import matplotlib.pyplot as plt
import torch

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises, plots
from sae_lib.metrics import baselines, normalized_mse, variance_explained

device = sae_lib.default_device()
print(f"Using device: {device}")
data = sae_lib.load_mnist()
x_test = data.test_images.reshape(len(data.test_images), -1)

# %% [markdown]
# ## The model under test
#
# The classic model of notebook 03, trained with the course's recipe (`TrainConfig()`: KL with
# ρ = 0.05 and β = 5·10⁻³, Adam at 10⁻², 3,000 steps). Notebook 03 saved it with a key that says how
# it was made; `load_if_matching` gives it back only if the key matches (same settings, same data),
# and otherwise we train it here. The test set holds digits it never saw.

# %%
recipe_key = {"model": SAEConfig().to_dict(), "train": dataclasses.asdict(TrainConfig()), "data": data.source}
path = sae_lib.data.default_root() / "models" / "recipe.pt"
model = sae_lib.checkpoint.load_if_matching(path, recipe_key)
if model is None:
    print("no matching model from notebook 03: training it here (3,000 steps)")
    model, _ = sae_lib.train(data.train_images, None, SAEConfig(), TrainConfig(), device=device, progress=False)
    sae_lib.save(model, path, metadata={"key": recipe_key})
else:
    print("loaded the model notebook 03 trained")
x_hat, z = (t.cpu() for t in sae_lib.reconstruct(model, data.test_images))
plots.plot_reconstructions(data.test_images, x_hat, n=10)

# %% [markdown]
# ## Honest baselines
#
# A number means little alone. Two baselines, fitted on the same training images and scored on the
# same test images:
#
# * the **mean image**: "reconstruct" every digit as the average training digit. A model that scores
#   like this has learned nothing about the individual digit;
# * **PCA with 32 components**: the best *linear* code of the same size as ours (32 numbers per digit).

# %%
rows = baselines(data.train_images, data.test_images, n_components=32)
rows["sparse autoencoder"] = sae_lib.evaluate(model, data.test_images, rho=0.05)
print(f"{'':20} {'test MSE':>9} {'variance explained':>19} {'normalised MSE':>15}")
for name, m in rows.items():
    print(f"{name:20} {m['test_mse']:>9.4f} {m['variance_explained']:>19.3f} {m['normalized_mse']:>15.3f}")
sae, pca = rows["sparse autoencoder"], rows["PCA-32"]
print(f"\nThe sparse model's code has {sae['l0']:.1f} of 32 units active per digit (above 0.1); PCA's uses all 32.")
print(f"Parameters: autoencoder {sum(p.numel() for p in model.parameters()):,}; PCA-32 {32 * 784 + 784:,} "
      "(32 directions and the mean)")

# %% [markdown]
# Read the table honestly. The sparse autoencoder is far better than the mean image and about level
# with PCA-32 (the cell below says which side it falls on here), although most of its 32 units are
# near zero for any one digit. It is not a like-for-like race: the autoencoder has a non-linear
# encoder and decoder with several times PCA's parameters (printed above), PCA a linear projection
# fitted in closed form. PCA-32 is the bar a 32-number code should clear, not a rival to beat by much.

# %%
side = "above" if sae["variance_explained"] > pca["variance_explained"] else "below"
print(f"sparse autoencoder {side} PCA-32 by {abs(sae['variance_explained'] - pca['variance_explained']):.3f} in variance explained")
assert sae["variance_explained"] > 0.7 and rows["mean image"]["variance_explained"] < 0.01
assert abs(sae["variance_explained"] - pca["variance_explained"]) < 0.1, "within 0.1 of PCA-32"

# %% [markdown]
# ## Variance explained, normalised MSE, and a caveat
#
# **Variance explained** is 1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d: the share of the pixels' variance
# the reconstructions capture. Because it uses the *variance* of the residual, it ignores the
# residual's mean: a reconstruction that is off by the same amount on every image scores as if it
# were perfect. **Normalised MSE**, ‖x − x̂‖² / ‖x − x̄‖² (the measure of OpenAI's SAE paper), counts
# that offset: 0 is perfect, 1 is the mean image, and 1 − normalised MSE ≤ variance explained, with
# equality exactly when the residual averages to zero in every pixel. See the difference:

# %%
# NBVAL_CHECK_OUTPUT
shifted = x_test + 0.1  # every pixel 0.1 too bright: the right digit, at the wrong level
print(f"shifted copy: variance explained {variance_explained(x_test, shifted):.3f}, "
      f"normalised MSE {normalized_mse(x_test, shifted):.3f}")

# %% [markdown]
# For our model the two agree closely (the table above: 1 − normalised MSE is just under the variance
# explained), so its residual has almost no constant offset.
#
# ### Exercise 1: variance explained
#
# Complete `my_variance_explained(x, x_hat)` for flat [samples, pixels] tensors.

# %%
# NBVAL_CHECK_OUTPUT
def my_variance_explained(x, x_hat):
    raise NotImplementedError  # your code here


exercises.check_variance_explained(my_variance_explained)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_variance_explained(x, x_hat):
    return 1 - (x - x_hat).var(dim=0).sum() / x.var(dim=0).sum()


exercises.check_variance_explained(my_variance_explained)

# %% [markdown]
# ## Error per digit class
#
# Averages hide a lot. Which digits does the model find hard? A 1 is a single stroke with few lit
# pixels; digits with more ink and more varied shapes are harder. The cell prints the extremes.

# %%
errors = ((x_hat - x_test) ** 2).mean(dim=1)
per_class = torch.stack([errors[data.test_labels == c].mean() for c in range(10)])
fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(range(10), per_class)
ax.axhline(errors.mean(), color="gray", linestyle="--", label="all digits")
ax.set(xticks=range(10), xlabel="digit", ylabel="test MSE", title="reconstruction error per digit class")
ax.legend()
plt.show()
order = per_class.argsort()
print(f"easiest digit: {order[0].item()} (MSE {per_class[order[0]]:.4f}); hardest: {order[-1].item()} "
      f"(MSE {per_class[order[-1]]:.4f})")
assert order[0].item() == 1

# %% [markdown]
# ## The β sweep: the real trade-off
#
# Now vary β. To afford four models in this notebook we use a cheaper model that still learns, a
# one-layer 784 → 64 → 784 sigmoid autoencoder, 1,000 steps each (a third of the recipe); ρ = 0.05
# throughout. Each row is a model trained from the same seed, so β is the only difference.

# %%
sweep_betas = [0.0, 1e-3, 1e-2, 1.0]
one_layer = SAEConfig(hidden_dims=(), latent_dim=64)
sweep, sweep_codes = {}, {}
for beta in sweep_betas:
    config = TrainConfig(penalty="kl" if beta else "none", rho=0.05, beta=beta, steps=1000)
    m, _ = sae_lib.train(data.train_images, None, one_layer, config, device=device, progress=False)
    sweep[beta] = sae_lib.evaluate(m, data.test_images, rho=0.05)
    sweep[beta]["train_mse"] = sae_lib.evaluate(m, data.train_images)["test_mse"]  # the same measure, on training digits
    sweep[beta]["saturated"] = (sae_lib.reconstruct(m, data.train_images)[1] > 0.99).float().mean().item()
    sweep_codes[f"β = {beta:g}"] = sae_lib.reconstruct(m, data.test_images)[1].cpu()
print(f"{'β':>6} {'test MSE':>9} {'train MSE':>9} {'var. expl.':>10} {'mean ρ̂':>7} {'L0 of 64':>9} {'dead':>5} "
      f"{'dense':>6} {'codes > 0.99':>12}")
for beta, r in sweep.items():
    print(f"{beta:>6g} {r['test_mse']:>9.4f} {r['train_mse']:>9.4f} {r['variance_explained']:>10.3f} "
          f"{r['mean_rho_hat']:>7.3f} {r['l0']:>9.1f} {r['dead_fraction']:>5.0%} {r['dense_fraction']:>6.0%} "
          f"{r['saturated']:>12.0%}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
labels = [f"{b:g}" for b in sweep]
for ax, key, title in zip(axes, ["l0", "test_mse", "mean_rho_hat"], ["L0 (of 64)", "test MSE", "mean ρ̂"]):
    ax.plot(labels, [r[key] for r in sweep.values()], marker="o")
    ax.set(xlabel="β", title=title)
axes[1].axhline(rows["mean image"]["test_mse"], color="gray", linestyle=":", label="mean image")
axes[1].legend(loc="upper left")
axes[2].axhline(0.05, color="tab:red", linestyle="--", label="ρ")
axes[2].legend()
plt.show()

# %% [markdown]
# Once there is a penalty (β > 0), raising β buys a sparser code (L0 falls, ρ̂ is pulled down to ρ)
# and pays for it in reconstruction (the test MSE rises), until at the largest β the penalty swamps
# the reconstruction term. β = 0 is the odd one out here: its MSE is *worse* than a small β's, on the
# training digits too (the train MSE column), so this is an optimisation effect, not overfitting. The
# last column shows why: without a penalty many codes sit above 0.99, where a sigmoid is saturated
# and passes almost no gradient. (With more steps or hidden layers the gap can close: notebook 03's
# deeper plain model matched the sparse one.)

# %%
penalised = [b for b in sweep_betas if b > 0]
assert all(sweep[a]["l0"] >= sweep[b]["l0"] for a, b in zip(penalised, penalised[1:])), "L0 falls as β rises"
assert all(sweep[a]["test_mse"] < sweep[b]["test_mse"] for a, b in zip(penalised, penalised[1:])), "error rises"
assert sweep[0.0]["mean_rho_hat"] > 0.5 and sweep[0.0]["test_mse"] > sweep[1e-3]["test_mse"], "β = 0 saturates"
assert sweep[0.0]["train_mse"] > sweep[1e-3]["train_mse"] and sweep[0.0]["saturated"] > 10 * sweep[1e-3]["saturated"]
assert all(r["variance_explained"] > 0.5 for b, r in sweep.items() if b <= 0.01), "the models learned"

# %% [markdown]
# ## Dead and dense units, and feature density
#
# A unit is **dead** if it is active (above 0.1) on no test digit: it costs capacity and learns
# nothing. The opposite failure is a **dense** unit, active on more than half of all digits: it
# picks nothing out. The dead fraction cannot see dense units at all, and the β = 0 model is full of
# them (the table's dense column). The **feature density** histogram shows both ends at once: for
# each unit, the fraction of test digits it is active on, on a log scale (dead units get a red bar
# of their own, left of the axis).

# %%
shown = {k: v for k, v in sweep_codes.items() if k in ("β = 0", "β = 0.01", "β = 1")}
for name, codes in shown.items():
    density = sae_lib.metrics.feature_density(codes, 0.1)
    print(f"{name:9}: units active on {density.min():.0%} to {density.max():.0%} of test digits (median {density.median():.0%})")
plots.plot_feature_density(shown, 0.1)

# %% [markdown]
# Without a penalty almost every unit sits at the right edge, active on nearly every digit. With a
# penalty the densities move left into a narrow band, and the larger β, the narrower the band: the
# penalty, not the data, now dictates each unit's rate. Note the band sits above ρ = 0.05: density
# counts activations above 0.1, while ρ̂ is a *mean* that many small activations add to (the
# loophole of notebook 01).

# %%
assert sweep[0.0]["dense_fraction"] > 0.5 and sweep[1e-2]["dense_fraction"] == 0.0
spread = {name: sae_lib.metrics.feature_density(codes, 0.1) for name, codes in shown.items()}
spread = {name: (d.max() - d.min()).item() for name, d in spread.items()}
assert spread["β = 1"] < spread["β = 0.01"], "the larger β, the narrower the band"

# %% [markdown]
# ### Exercise 2: L0
#
# Complete `my_l0(z, threshold)`: the mean number of units per input whose |z| exceeds the threshold.

# %%
# NBVAL_CHECK_OUTPUT
def my_l0(z, threshold):
    raise NotImplementedError  # your code here


exercises.check_l0(my_l0)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_l0(z, threshold):
    return (z.abs() > threshold).sum(dim=1).float().mean()


exercises.check_l0(my_l0)

# %% [markdown]
# ### Exercise 3: tune β yourself
#
# Same one-layer 784 → 64 model and 1,000 steps, but now the target is **ρ = 0.1**. Find a β for
# which the mean ρ̂ is within 20 % of ρ *and* the variance explained is at least 0.72. Too small a β
# misses the target; too large a β costs reconstruction. The checker trains the model with your β
# and tells you which way to move.

# %%
beta = None  # your choice
exercises.check_tuned_beta(beta, data, device=device)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference solution: the sweep above suggests a β between 1e-3 (too loose) and 1 (too costly).
beta = 0.01
exercises.check_tuned_beta(beta, data, device=device)

# %% [markdown]
# ## Summary
#
# * Measure on held-out data against baselines: the mean image (variance explained 0) and PCA with
#   as many components as latent units. Our 32-unit sparse code lands about level with PCA-32.
# * Variance explained ignores a constant offset; normalised MSE counts it.
# * For β > 0, raising β lowers L0 and raises the error; β = 0 saturates sigmoid codes.
# * Dead units never fire, dense units always do; a log feature-density histogram shows both.
#
# Next, **05 · Latent visualisation** looks inside the code itself.
