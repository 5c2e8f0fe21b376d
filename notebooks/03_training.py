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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/03_training.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/03_training.ipynb)
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
# # 03 · Training a sparse autoencoder
#
# **After this notebook you can** write one training step of a sparse autoencoder yourself, train the
# classic model with `sae_lib.train` and settings that learn, check that it learned (variance explained,
# reconstructions you can recognise), read its loss curves with reconstruction and sparsity apart,
# diagnose a run that did not learn from a learning-rate sweep, and compare it with a plain autoencoder (β = 0).

# %%
# %matplotlib inline
import dataclasses
import math

import numpy as np
import torch
from matplotlib.figure import Figure

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
# ### Exercise 1: one training step
#
# Training repeats one step: run the model on a batch, compute this loss, compute its gradients, and let
# the optimiser move the weights. Complete `my_training_step(model, optimizer, x, rho, beta)`: `model` is
# a `SparseAutoencoder` (`model(x)` returns `(x_hat, z)`), `optimizer` an Adam optimiser over its
# parameters, `x` a flat batch [batch, input_dim] (the checker's model is smaller than 784 → 128 → 32,
# so take the sizes from the tensors). Take one step and return the loss as a number.
# `sae_lib.kl_divergence(rho, rho_hat)` is yours to use (or your own from notebook 01).
#
# The checker runs your step three times in a row against the library's (`sae_lib.batch_losses` and
# Adam) on copies of one model and the same batches, and compares the loss, the gradients the optimiser
# stepped with and the weights after the step; it names the first difference.

# %%
# NBVAL_CHECK_OUTPUT
def my_training_step(model, optimizer, x, rho, beta):
    raise NotImplementedError  # your code here


exercises.check_training_step(my_training_step)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_training_step(model, optimizer, x, rho, beta):
    x_hat, z = model(x)
    loss = ((x_hat - x) ** 2).mean() + beta * sae_lib.kl_divergence(rho, z.mean(dim=0))
    optimizer.zero_grad()  # gradients add up in .grad: clear the last step's first
    loss.backward()
    optimizer.step()
    return loss.item()


exercises.check_training_step(my_training_step)

# %% [markdown]
# `sae_lib.fit` runs this step over the batches of every epoch (it also records the losses and can
# call you back after each epoch); the rest of the course uses it.

# %% [markdown]
# ## Steps, not epochs
#
# What a model learns depends on how many updates it gets, not on how many times it has seen the
# data. An epoch is one pass over the training images, one batch per step; when the batch size does
# not divide the number of images, the epoch ends with a smaller batch, which is a step too.
#
# ### Exercise 2: how many steps?
#
# Complete `my_steps(n_images, batch_size, epochs)`: the number of optimiser steps that many epochs take.

# %%
# NBVAL_CHECK_OUTPUT
def my_steps(n_images, batch_size, epochs):
    raise NotImplementedError  # your code here


exercises.check_steps(my_steps)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_steps(n_images, batch_size, epochs):
    return epochs * math.ceil(n_images / batch_size)


exercises.check_steps(my_steps)

# %% [markdown]
# The same number of steps is very different numbers of epochs on the full data set and on the
# offline sample (`TrainConfig.epochs_for` counts the whole epochs a step budget takes):

# %%
# NBVAL_CHECK_OUTPUT
for name, n_images in [("full MNIST", 60_000), ("offline sample", 4_000)]:
    print(f"the recipe's {TrainConfig().steps:,} steps = {TrainConfig().epochs_for(n_images):>3} whole epochs of "
          f"{n_images:>6,} images ({name})")

# %% [markdown]
# So `sae_lib` budgets training in **optimiser steps**: `TrainConfig(steps=...)` runs as many whole
# epochs as that takes, whatever the size of the data (`epochs=...` is there too; give one or the other).

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
# (`progress=False` keeps the page tidy; leave it out to see a tqdm progress bar.) This is the
# notebook's longest cell: it prints how long the run took, seconds on a CPU, but far longer on a busy
# machine where PyTorch's threads compete with other jobs (set `OMP_NUM_THREADS=1` there).

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

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the model learned, its code meets the target, and digits are recognisable.
assert sparse["variance_explained"] >= 0.75, sparse
assert abs(sparse["mean_rho_hat"] - 0.05) <= 0.25 * 0.05, sparse
assert own.float().mean() >= 0.9

# %% [markdown]
# ## Reading the loss curves
#
# `fit` records the losses at the end of every epoch: the train curve is the mean over the epoch's
# batches (taken while the model changes), the test curve is measured once, after the epoch. Both axes
# of the figure below are steps and log-scaled losses, because the losses span decades.
#
# An untrained code sits near ρ̂ = 0.5 in every unit, far from ρ = 0.05, so the sparsity penalty starts
# high (the cell prints its value); the plotted curves begin only at the end of the first epoch, when it
# has already fallen. On the offline sample, whose epochs are 32 steps, the test penalty
# **collapses** within the first few epochs as β·KL pulls every ρ̂ⱼ down, **rises** again while the
# reconstruction term reshapes the code (it pulls some units' ρ̂ⱼ away from ρ), and then **settles** low, with an epoch-to-epoch wiggle. (Full MNIST's epochs are 469 steps,
# too long to show the first few hundred steps.) The reconstruction loss falls fast and then slowly.
# On the offline sample the train curve ends below the test curve, and measured once more after
# training (printed below) the model reconstructs the digits it trained on better than new ones: a
# generalisation gap (the offline sample has only 4,000 training digits).

# %%
untrained_kl = sae_lib.kl_divergence(0.05, torch.full((32,), 0.5)).item()
train_metrics = sae_lib.evaluate(model, data.train_images, rho=0.05)
print(f"sparsity penalty of an untrained code (every ρ̂ⱼ = 0.5): {untrained_kl:.1f}")
print(f"test penalty: lowest in the first 5 epochs {min(history.test_sparsity[:5]):.3f}, highest in epochs 4–30 "
      f"{max(history.test_sparsity[3:30]):.3f}, last {history.test_sparsity[-1]:.3f}")
print(f"reconstruction MSE after training: train {train_metrics['test_mse']:.4f}, test {sparse['test_mse']:.4f} "
      f"(test / train = {sparse['test_mse'] / train_metrics['test_mse']:.2f})")
plots.plot_losses(history)

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: collapse, rise, settle (where epochs are short enough to show it), and a generalisation gap.
if len(history.test_sparsity) >= 30:
    assert min(history.test_sparsity[:5]) < untrained_kl / 100, "collapse"
    assert max(history.test_sparsity[3:30]) > 5 * min(history.test_sparsity[:5]), "rise"
    assert np.mean(history.test_sparsity[-10:]) < 0.5 * max(history.test_sparsity[3:30]), "settle"
    assert history.train_recon[-1] < history.test_recon[-1], "the train curve ends below the test curve"
assert train_metrics["test_mse"] < sparse["test_mse"], "the model fits its training digits better than new ones"

# %% [markdown]
# ## Diagnose a run that did not learn
#
# Here is the same model trained by the "textbook" Adam settings, learning rate 10⁻³, for 600 steps
# (rounded up to whole epochs, so the run takes the number of steps the cell prints):

# %%
slow, slow_history = sae_lib.train(data.train_images, None, SAEConfig(), TrainConfig(lr=1e-3, steps=600),
                                   device=device, progress=False)
slow_metrics = sae_lib.evaluate(slow, data.test_images, rho=0.05)
print(f"lr 1e-3, {slow_history.steps} steps: variance explained {slow_metrics['variance_explained']:.3f}, "
      f"mean ρ̂ {slow_metrics['mean_rho_hat']:.3f}")
plots.plot_reconstructions(data.test_images, sae_lib.reconstruct(slow, data.test_images[:10])[0], n=10)

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the lr 1e-3 run is far behind the recipe.
assert slow_metrics["variance_explained"] < sparse["variance_explained"] - 0.3

# %% [markdown]
# Most digits come back as the same blurred, 8-like shape. Something in the set-up is wrong, and there are
# several suspects: the penalty, the size of the code, the optimiser. An experiment tells them apart:
# keep the model, β and the number of steps and change only the learning rate. The figure shows such a
# sweep on the offline sample: four learning rates, three seeds each, the same number of steps (in the
# title), the test reconstruction error after each epoch, and the error of predicting the mean
# training image for every digit (the thick grey line). The y-axis is cut at 0.08: the slowest runs'
# first epoch lies above it. That many runs are more than this notebook's time allows, so they were
# run once by a script (the cell prints the command and how long it took) and ship with `sae_lib`;
# the run above is the sweep's lr = 10⁻³, seed 0, trained again here.

# %%
sweep = sae_lib.checkpoint.load_json_asset("lr_sweep.json")
lrs = sorted({run["lr"] for run in sweep["runs"]})
colours = dict(zip(lrs, ["#D55E00", "#E69F00", "#0072B2", "#009E73"]))  # Okabe–Ito: colour-blind safe
styles = dict(zip(lrs, [":", "-.", "-", "--"]))  # and a line style each, so no curve depends on its colour alone


def draw_runs(ax, runs, label):
    """Test error after each epoch, one line per seed, one legend entry per learning rate; the mean image."""
    for run in runs:
        ax.plot(run["epoch_steps"], run["test_recon"], color=colours[run["lr"]], ls=styles[run["lr"]], lw=1.5,
                label=label(run) if run["seed"] == 0 else None)
    ax.axhline(sweep["mean_image_test_mse"], color="0.6", lw=3, zorder=0, label="mean image")
    ax.set(ylim=(0.02, 0.08), xlabel="optimiser step", ylabel="test reconstruction MSE")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))

print(f"{sweep['command']}\n  {len(sweep['runs']) + len(sweep['long_runs'])} runs in {sweep['seconds']:.0f} s "
      f"on the machine that built it, {sweep['data']}")
fig = Figure(figsize=(9, 3.8))
ax = fig.subplots()
draw_runs(ax, sweep["runs"], lambda run: f"lr {run['lr']:g} (3 seeds)")
ax.set(title=f"Same model, β and {sweep['runs'][0]['steps']} steps; four learning rates, three seeds each")
fig.tight_layout()
fig

# %% [markdown]
# ### Exercise 3: what went wrong?
#
# Read the lr = 10⁻³ curves. Is that run `"slow"` (on the same path as the others, behind them: more
# steps would get it there), `"stuck"` (settled where it is: more steps at this learning rate would not
# help) or `"unstable"` (its learning rate is too high to settle)?

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your diagnosis: "slow", "stuck" or "unstable"
exercises.check_prediction("why the 1e-3 run did not learn", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
answer = "slow"
exercises.check_prediction("why the 1e-3 run did not learn", answer)

# %% [markdown]
# The test of "slow": the sweep also trained lr = 10⁻³ for five times the steps. Below, those runs
# (on their own axis of steps) against lr = 10⁻² for 608 steps:

# %%
def final(runs, lr):
    """The final test variance explained of each seed's run at `lr`."""
    return [run["variance_explained"] for run in runs if run["lr"] == lr]


fig = Figure(figsize=(9, 3.8))
ax = fig.subplots()
draw_runs(ax, sweep["long_runs"] + [r for r in sweep["runs"] if r["lr"] == 1e-2],
          lambda run: f"lr {run['lr']:g}, {run['steps']:,} steps")
ax.set(title="Given five times the steps, lr 1e-3 gets where lr 1e-2 got (three seeds each)")
fig.tight_layout()
print("test variance explained per seed:")
for label, values in [("lr 1e-3, 608 steps", final(sweep["runs"], 1e-3)),
                      ("lr 1e-3, 3,008 steps", final(sweep["long_runs"], 1e-3)),
                      ("lr 1e-2, 608 steps", final(sweep["runs"], 1e-2)),
                      ("lr 3e-2, 608 steps", final(sweep["runs"], 3e-2))]:
    print(f"  {label:22} " + "  ".join(f"{v:.3f}" for v in values))
fig

# %% [markdown]
# Every run takes the same path. Within about a hundred steps the error falls to about the mean image's:
# the decoder learns the average digit first, and reconstructions that differ from digit to digit take
# longer. Then the run leaves that plateau, and the smaller the learning rate, the later: at 10⁻³ it is
# still leaving it when the steps run out, and with five times the steps it gets as far as 10⁻² got,
# on every seed. The largest rate, 3·10⁻², leaves the plateau first but ends above 10⁻² on every seed:
# its steps are too coarse to settle as low. So the textbook learning rate is not wrong, only slow for
# this budget; at this budget the recipe's 10⁻² ends lowest of the four, on every seed.
#
# Nor did the slow run's weights "barely move". Adam moves each weight by about lr per step at most, so
# the slow run's steps at 10⁻³ could move it by up to lr × steps, far more than the initial weights
# (the cell prints both); the weights in fact moved much less than that, but still by about their own size. What the
# slow run lacks is reconstructions that differ from digit to digit: they vary across the test digits
# much less than the digits themselves do, which is what "close to the mean image" means.

# %%
torch.manual_seed(TrainConfig().seed)  # train() builds its model under the seed: this is the slow run's start
start = sae_lib.SparseAutoencoder(SAEConfig())
w0, w = start.encoder[0].weight, slow.encoder[0].weight.cpu()
max_move = slow_history.steps * 1e-3  # Adam moves a weight by about lr per step at most
print(f"first encoder layer: initial mean |w| {w0.abs().mean():.4f}; after {slow_history.steps} steps at 1e-3 "
      f"(at most lr × steps = {max_move:.3f}) its mean |change| is {(w - w0).abs().mean():.4f}, "
      f"and ‖change‖ / ‖initial‖ = {((w - w0).norm() / w0.norm()):.2f}")
x_test = data.test_images.flatten(1)
spread = {}
slow_name, recipe_name = f"lr 1e-3, {slow_history.steps} steps", f"the recipe (lr 1e-2, {history.steps:,} steps)"
for name, m in [(slow_name, slow), (recipe_name, model)]:
    spread[name] = (sae_lib.reconstruct(m, data.test_images)[0].cpu().std(dim=0).mean() / x_test.std(dim=0).mean()).item()
    print(f"{name}: reconstructions vary across test digits {spread[name]:.2f} times as much as the digits do")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the diagnosis holds on every seed of the sweep, and the live run is the sweep's.
assert max(final(sweep["runs"], 1e-3)) < 0.3 < 0.5 < min(final(sweep["runs"], 1e-2)), "1e-3 is behind at 608 steps"
assert min(final(sweep["long_runs"], 1e-3)) > 0.6, "given five times the steps, 1e-3 learns"
assert min(final(sweep["long_runs"], 1e-3)) > max(final(sweep["runs"], 1e-2)) - 0.05, "as far as 1e-2 got"
for seed in range(3):  # at this budget 1e-2 ends lowest of the four on every seed, 3e-2 above it
    last = {run["lr"]: run["test_recon"][-1] for run in sweep["runs"] if run["seed"] == seed}
    assert min(last, key=last.get) == 1e-2 and last[3e-2] > last[1e-2], (seed, last)
for run in sweep["runs"] + sweep["long_runs"]:  # within about a hundred steps, every run is near the mean image
    early = [v for step, v in zip(run["epoch_steps"], run["test_recon"]) if step <= 100]
    assert min(abs(v / sweep["mean_image_test_mse"] - 1) for v in early) < 0.1, (run["lr"], run["seed"])
assert ((w - w0).norm() / w0.norm()) > 0.5 and (w - w0).abs().mean() < 0.1 * max_move, "moved, but far below lr × steps"
assert spread[slow_name] < spread[recipe_name] - 0.2
if data.source == sweep["data"] and device.type == "cpu":  # the live run is the sweep's, trained again
    assert abs(slow_metrics["variance_explained"] - final(sweep["runs"], 1e-3)[0]) < 0.01

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
print(f"{'':32} {'test MSE':>9} {'var. expl.':>10} {'mean ρ̂':>7} {'L0 of 32':>9} {'units active (> 0.1) on > half the digits':>42}")
for name, m in rows.items():
    print(f"{name:32} {m['test_mse']:>9.4f} {m['variance_explained']:>10.3f} {m['mean_rho_hat']:>7.3f} {m['l0']:>9.1f} "
          f"{m['dense_fraction']:>42.0%}")

# %% [markdown]
# The plain autoencoder's code is dense: its average unit is far above ρ and most of its units (the
# last column) are active (> 0.1) on more than half the digits, so no single unit says much. The sparse model
# has only a few units above 0.1 per digit (L0 in the table), and after the same number of steps it
# reconstructs about as well as the plain one: at this small β the penalty costs little. Notebook 04
# raises β until it does.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: at equal steps the plain code is dense, the sparse one is not, and sparsity costs little here.
assert plain_metrics["mean_rho_hat"] > 3 * early_metrics["mean_rho_hat"] and plain_metrics["l0"] > 2 * early_metrics["l0"]
assert plain_metrics["dense_fraction"] > 0.5 > early_metrics["dense_fraction"]
assert early_metrics["test_mse"] < 1.25 * plain_metrics["test_mse"], "at equal steps, sparsity should cost little here"

# %% [markdown]
# ## How mean activations approach ρ
#
# Each point is one unit's ρ̂ⱼ on the test set; the dashed line is ρ; the two panels share a log axis.
# The sparse model (left) holds its units near the target, though most sit a little above it (the cell
# prints how many): at β = 5·10⁻³ the penalty trades a small overshoot for reconstruction. The plain
# one (right, after its shorter run) is far above.

# %%
print(f"units above ρ: {(z.mean(dim=0) > 0.05).sum().item()} of 32; "
      f"largest ρ̂ {z.mean(dim=0).max():.3f}, smallest {z.mean(dim=0).min():.3f}")
fig = Figure(figsize=(10, 3.4))
axes = fig.subplots(1, 2, sharey=True)
for ax, (title, codes) in zip(axes, [(f"sparse (β = 5e-3), {history.steps:,} steps", z),
                                     (f"plain (β = 0), {at_1000.taken_at:,} steps",
                                      sae_lib.reconstruct(plain, data.test_images)[1].cpu())]):
    ax.plot(range(codes.shape[1]), codes.mean(dim=0).numpy(), "o", color="#0072B2", ms=5)
    ax.axhline(0.05, color="#D55E00", ls="--", label="target ρ = 0.05")
    ax.set(yscale="log", ylim=(0.01, 1.5), xlabel="latent unit", title=title)
axes[0].set_ylabel("mean activation ρ̂ⱼ on the test set")
axes[0].legend(fontsize=9)
fig.tight_layout()
fig

# %% [markdown]
# ## Try it: ρ and β sliders
#
# The **sparsity explorer** retrains a one-layer model (784 → 128 → 784, fine-tuned for 125 steps of 32
# digits from an unpenalised one) in a fraction of a second for every slider move, and redraws its
# reconstructions, code histogram and mean activations; the readout compares it with the mean image
# and with PCA. Open `sparsity_explorer.ipynb`, or run `widgets.SparsityExplorer(data)` in a cell
# here (it takes a few seconds to train its starting model). Set β = 0: the code goes dense. Raise
# β: ρ̂ snaps to ρ. Lower ρ to 0.005 and compare the readout with the mean image's: 125 steps is a short
# fine-tune, so what you see there is how far a short run gets at that ρ, not the best that a code so
# sparse could do.

# %% [markdown]
# ## Summary
#
# * Loss = reconstruction MSE + β Σⱼ KL(ρ ‖ ρ̂ⱼ), with ρ̂ the batch mean of each unit.
# * Budget training in optimiser steps, with settings that learn: Adam at 10⁻² for 3,000 steps
#   (`TrainConfig()`), checked by variance explained and by looking at reconstructions.
# * One training step is forward, loss, `zero_grad`, `backward`, `step`; `sae_lib.fit` repeats it.
# * Reconstructions that all look alike mean the model did not learn. Read the loss curve on a log axis
#   against the mean image's error: a run still falling when it stops is slow (more steps, or a larger
#   learning rate), not broken: here lr 10⁻³ needs about five times the steps that 10⁻² needs.
# * β = 0 gives a dense code; β > 0 pulls every unit's mean activation to ρ, here at little cost in MSE.
# * **The caveat: a falling loss is not a model that learned.** A run that reconstructs every digit as
#   the mean image has a loss that fell a long way; judge a run by variance explained and by looking at
#   its reconstructions, and tell "slow" from "stuck" by giving it more steps, not by its curve's shape.
#
# Next, **04 · Testing** measures these models properly on held-out digits, against honest baselines.
