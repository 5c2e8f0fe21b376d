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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/07_edge_detectors_natural_images.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/07_edge_detectors_natural_images.ipynb)
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
# # 07 · Edge detectors from natural images
#
# **After this notebook you can** cut grey patches out of photographs, whiten them with PCA and
# ZCA, choose ZCA's ε from a spectrum and say why whitening matters, write UFLDL's sparse-autoencoder cost and convert its β and λ
# into `sae_lib`'s units, train the classic 64 → 25 sigmoid SAE until its filters are localised,
# oriented edge detectors, and measure orientation with a number instead of squinting at a grid.
#
# This is the best-known picture a sparse autoencoder ever drew: trained on whitened 8 × 8 patches
# of natural images, its units become edge detectors much like the "simple cells" of the primary
# visual cortex (V1). It comes from the sparse-autoencoder exercise of Andrew Ng's UFLDL tutorial,
# itself a descendant of Olshausen & Field's sparse coding (1996). We reproduce it offline with the
# eight photographs and textures that ship inside scikit-image (no download).

# %%
# %matplotlib inline
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises
from sae_lib.checkpoint import load_json_asset
from sae_lib.data import NATURAL_IMAGES, natural_images, pca_whiten, sample_patches, zca_whiten
from sae_lib.metrics import orientation_selectivity, preferred_orientation, spatial_extent
from sae_lib.plots import plot_filters

# The model is tiny (64 → 25 → 64), so it trains on the CPU, on one thread: as fast as several for
# a model this size, and unlike several it does not stall while other programs keep the CPU busy.
torch.set_num_threads(1)
device = "cpu"

# %% [markdown]
# ## Patches from eight photographs
#
# `natural_images` loads eight photographs and textures that scikit-image bundles: a portrait
# (astronaut), a cameraman on a lawn, a cat, a coffee cup, grass, gravel, the moon's surface and a
# rocket on its launch pad at night. It turns them grey and averages blocks of 2 × 2 pixels: an 8 × 8 patch
# then covers 16 × 16 pixels of the photo, enough to hold an edge or two, and the averaging removes
# pixel-level noise that whitening would otherwise amplify (try `natural_images(downsample=1)` and
# compare the filters). `sample_patches` then cuts out 100,000 patches at distinct places, drawn
# without replacement from every 8 × 8 window of every photo, so no patch is used twice. We remove
# each patch's mean brightness (what matters is the pattern, not how bright the spot is) and divide
# by the overall standard deviation, so pixels have unit variance on average.

# %%
# NBVAL_CHECK_OUTPUT
images = natural_images(downsample=2)
windows = sum((im.shape[0] - 7) * (im.shape[1] - 7) for im in images)
patches = sample_patches(images, n=100_000, size=8, seed=0)
x = patches - patches.mean(dim=1, keepdim=True)
x = x / x.std()
D = x.shape[1]
print(f"{len(images)} photos, {windows:,} distinct 8 × 8 windows → {len(x):,} patches of {D} pixels, none drawn twice")

# %%
fig, axes = plt.subplots(2, 4, figsize=(12, 5.6), layout="constrained")
for ax, image, name in zip(axes.flat, images, NATURAL_IMAGES):
    shown = ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set(title=f"{name} ({image.shape[1]} × {image.shape[0]})", xticks=[], yticks=[])
fig.colorbar(shown, ax=axes, shrink=0.7, label="brightness (0 black, 1 white)")
fig.suptitle("scikit-image's eight photographs and textures, grey and averaged over 2 × 2 blocks")
plt.show()

# %% [markdown]
# ## Why whitening matters
#
# Neighbouring pixels in a photograph are strongly correlated: brightness changes slowly almost
# everywhere. In the patches' covariance matrix this shows up as a few directions with a lot of
# variance (smooth ramps across the patch) and many with very little (fine detail, where edges
# live). The eigenvalues λ of the covariance, largest first, make this plain:

# %%
eigenvalues, eigenvectors = torch.linalg.eigh(torch.cov(x.T.double(), correction=0))
eigenvalues, eigenvectors = eigenvalues.flip(0), eigenvectors.flip(1)  # largest first
share = eigenvalues[:3].sum() / eigenvalues.sum()
print(f"the top 3 of {D} directions hold {share:.0%} of the variance; "
      f"the largest eigenvalue is {eigenvalues[0] / eigenvalues[-2]:,.0f}× the second smallest")
assert share > 0.4

# %% [markdown]
# **Whitening** removes that imbalance: it transforms the patches so that every direction has the
# same variance (and no two directions are correlated), leaving only the structure that variance
# cannot describe. For natural images that structure is sparse: edges, which are rare and sharp.
#
# * **PCA whitening** rotates each patch onto the eigenvectors U of the covariance (the principal
#   axes) and divides each coordinate by √(λᵢ + ε): `x_pca = diag(1/√(λ + ε)) Uᵀ (x − mean)`.
# * **ZCA whitening** rotates the result back: `x_zca = U diag(1/√(λ + ε)) Uᵀ (x − mean)`. Both have
#   identity covariance (when ε = 0), but of all whitening transforms ZCA moves the data least, so a
#   ZCA-whitened patch still looks like a patch, with its edges enhanced and its smooth shading gone.
#   A PCA-whitened patch is a list of coefficients ordered by variance, not an image.
#
# **ε** regularises: directions with variance well below ε are damped instead of blown up. Some
# directions have little variance (the finest detail, and pixel noise), and one has none at all: we removed each
# patch's mean, so its 64 pixels sum to zero. With ε = 0 that direction would be divided by zero,
# and `sae_lib` refuses:

# %%
try:
    zca_whiten(x, epsilon=0.0)
except ValueError as error:
    print(f"ValueError: {error}")

# %% [markdown]
# ### Exercise 1: choose ε from the spectrum
#
# Whitening divides direction i by √(λᵢ + ε), so afterwards it has variance λᵢ / (λᵢ + ε): about 1
# where λᵢ ≫ ε, and about λᵢ / ε, damped, where λᵢ ≪ ε. So ε decides which directions are treated as
# signal. A camera adds pixel noise, the same variance to every direction, and the tail of the
# spectrum then flattens into a **floor**: directions that hold nothing but noise. Whitened with too
# small an ε, that noise is blown up to the variance of the signal; with too large an ε, directions
# that do carry signal are damped too, and are not whitened.
#
# Write `my_epsilon(eigenvalues)`, a rule that reads ε off a spectrum (the covariance's eigenvalues,
# largest first, the last one the 0 of the removed mean), so that after whitening the directions that
# hold only noise keep at most about half their variance, and every direction whose signal is at
# least as large as the noise keeps at least half. The checker tries your rule on the four spectra
# drawn below (images with more or less detail, cameras with more or less noise): no fixed number
# passes all four. Say in a comment why your rule meets both conditions.

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
for i, (spectrum, marker) in enumerate(zip(exercises.epsilon_spectra(), "os^D")):
    ax.semilogy(range(1, len(spectrum)), spectrum[:-1], marker=marker, markersize=3, lw=1, label=f"spectrum {i + 1}")
ax.set(xlabel="direction (largest variance first)", ylabel="variance λ", title="four noisy spectra (the zero left out)")
ax.legend(fontsize=9, ncol=2)
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
def my_epsilon(eigenvalues):
    raise NotImplementedError  # your rule here, and why it works in a comment


exercises.check_epsilon(my_epsilon)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_epsilon(eigenvalues):
    # The smallest nonzero eigenvalues are the flat floor: noise only, variance ≈ σ². With ε at that level a
    # noise direction keeps σ²/(σ² + σ²) = 1/2 of its variance, and a direction whose signal s ≥ σ² keeps
    # (s + σ²)/(s + 2σ²) ≥ 2/3. The median of ten ignores a stray value; the 0 of the removed mean is left out.
    nonzero = eigenvalues[eigenvalues > 0]
    return nonzero.sort().values[:10].median()


exercises.check_epsilon(my_epsilon)

# %% [markdown]
# Our patches have no such floor. Averaging 2 × 2 pixels removed most of the pixel noise, and the
# spectrum keeps falling to its last direction (the first line below), so every direction carries
# some image structure and ε is a trade-off rather than a measurement. We take ε = 0.03, half the
# smallest nonzero eigenvalue: every direction keeps at least two thirds of its variance after
# whitening (the second line), and the finest ones are not amplified beyond that.

# %%
# NBVAL_CHECK_OUTPUT
epsilon = 0.03
last = eigenvalues[:-1][-10:]  # the ten smallest nonzero eigenvalues (the last, 0, is the removed mean)
floors = [spectrum[spectrum > 0].sort().values[:10] for spectrum in exercises.epsilon_spectra()]
print(f"our patches: the 10 smallest nonzero eigenvalues span a factor of {last.max() / last.min():.1f} "
      f"(the four floors above: at most {max(f.max() / f.min() for f in floors):.1f})")
print(f"ε = {epsilon}: the smallest nonzero eigenvalue is {eigenvalues[-2]:.3f}; the least variance any direction "
      f"keeps after whitening is {(eigenvalues[:-1] / (eigenvalues[:-1] + epsilon)).min():.2f}")

# %% [markdown]
# The spectrum after whitening is λ/(λ + ε): close to 1 wherever λ ≫ ε, and lower for the last
# directions, whose variance comes nearer to ε (the right end of the figure below). PCA and ZCA
# whitening give the same spectrum (they differ by a rotation).

# %%
x_pca = pca_whiten(x, epsilon)
x_zca = zca_whiten(x, epsilon)
whitened_spectrum = torch.linalg.eigvalsh(torch.cov(x_zca.T.double(), correction=0)).flip(0)
assert torch.allclose(whitened_spectrum, eigenvalues / (eigenvalues + epsilon), atol=1e-4)

fig, ax = plt.subplots(figsize=(6, 3.2))
ax.semilogy(range(1, D + 1), eigenvalues[:-1].tolist() + [float("nan")], marker=".", label="raw patches")
ax.semilogy(range(1, D + 1), whitened_spectrum[:-1].tolist() + [float("nan")], marker=".", label=f"whitened (ε = {epsilon})")
ax.set(xlabel="direction (largest variance first)", ylabel="variance λ",
       title="eigen-spectrum of the patch covariance (the zero one left out)")
ax.legend()
plt.show()
contrasted = x[:2000].norm(dim=1).argsort(descending=True)[:200:20]  # ten patches with clear edges
figure = plot_filters({"raw patches": x[contrasted], "PCA-whitened": x_pca[contrasted],
                       "ZCA-whitened": x_zca[contrasted]}, ncols=5, scale=0.6)
figure.suptitle("each tile on its own symmetric grey scale, 0 mid-grey", fontsize=9, y=0.0, va="top")
figure

# %% [markdown]
# The same ten high-contrast patches three ways: raw, PCA-whitened (coefficients, no longer a
# picture) and ZCA-whitened (the picture again, with the smooth shading gone; what is left is
# mostly the edges and fine texture, some of it noisy).

# %% [markdown]
# ## UFLDL's model and cost, in `sae_lib`'s units
#
# UFLDL's network has 64 inputs and 25 sigmoid hidden units. Its first exercise also had sigmoid
# outputs, which is why it squashed its patches into [0.1, 0.9]; its later chapter on linear
# decoders drops the output sigmoid so that whitened inputs, which can be negative, can be
# reconstructed as they are. We use that linear decoder. The cost on m patches is
#
# $$J = \frac{1}{2m}\sum_{i=1}^{m}\lVert \hat x_i - x_i\rVert^2 \;+\; \frac{\lambda}{2}\sum W^2 \;+\; \beta\sum_{j=1}^{25}\mathrm{KL}(\rho\,\Vert\,\hat\rho_j), \qquad \rho = 0.01,$$
#
# where ΣW² runs over the weights of both layers (not the biases). `sae_lib` writes the same three
# terms per pixel: its reconstruction loss is the mean over the batch *and the D = 64 pixels*,
#
# $$L = \frac{1}{mD}\sum_{i}\lVert \hat x_i - x_i\rVert^2 \;+\; \beta'\sum_j \mathrm{KL}(\rho\,\Vert\,\hat\rho_j) \;+\; \frac{\lambda'}{2}\sum W^2 .$$
#
# Multiply L by D/2 and the first term becomes UFLDL's, so **J = (D/2)·L exactly when β' = 2β/D and
# λ' = 2λ/D**. Adam divides each step by the size of recent gradients, so an overall factor D/2
# leaves its path through weight space unchanged (up to its tiny ε). (`TrainConfig(weight_decay=λ')` adds λ'·W to each weight's gradient, the
# gradient of (λ'/2)ΣW², and leaves the biases alone, as UFLDL does.)
#
# UFLDL's own numbers, β = 3 and λ = 10⁻⁴, were tuned for its patches, which it squashed into
# [0.1, 0.9] (a standard deviation of 0.4/3 per pixel). Ours are whitened to about unit variance,
# and the reconstruction term grows with the variance of the data while the KL term does not:

# %%
# NBVAL_CHECK_OUTPUT
for name, beta_ufldl, lambda_ufldl in [("UFLDL's exercise", 3.0, 1e-4), ("this notebook   ", 100.0, 3e-3)]:
    print(f"{name}: beta = {beta_ufldl:g} → beta' = 2·{beta_ufldl:g}/{D} = {2 * beta_ufldl / D:.4g};   "
          f"lambda = {lambda_ufldl:g} → weight_decay = 2·{lambda_ufldl:g}/{D} = {2 * lambda_ufldl / D:.4g}")
beta_ufldl, lambda_ufldl, rho = 100.0, 3e-3, 0.01

# %%
variance_ratio = x_zca.var(dim=0).mean().item() / (0.4 / 3) ** 2
print(f"our whitened pixels have {variance_ratio:.0f}× the variance of UFLDL's: "
      f"to keep UFLDL's balance, beta = 3 × {variance_ratio:.0f} ≈ {3 * variance_ratio:.0f}")

# %% [markdown]
# So β must grow by that factor to keep UFLDL's balance between reconstruction and sparsity; we
# use β = 100, the same order, and the best of a grid of four β and four learning rates on three
# seeds (the sweep at the end of this notebook). The weight decay we tuned by hand: it
# keeps the weights in check (an encoder can always sharpen its units by growing its weights), and
# it is what pulls the filters' weights on directions that barely matter back to zero.
#
# Let us check the conversion on real numbers rather than trust the algebra: UFLDL's J, written
# out by hand, against (D/2) × `sae_lib`'s three terms, on one batch through a fresh model.

# %%
# NBVAL_CHECK_OUTPUT
model_config = SAEConfig(input_dim=D, hidden_dims=(), latent_dim=25, latent_activation="sigmoid", output_activation="none")
torch.manual_seed(0)
fresh = sae_lib.SparseAutoencoder(model_config).double()
xb = x_zca[:512].double()
x_hat, z = fresh(xb)
rho_hat = z.mean(dim=0)
sum_w2 = sum((p**2).sum() for p in fresh.parameters() if p.dim() > 1)  # weights only

J = ((x_hat - xb) ** 2).sum(dim=1).mean() / 2 + lambda_ufldl / 2 * sum_w2 + beta_ufldl * sae_lib.kl_divergence(rho, rho_hat)
config = TrainConfig(rho=rho, beta=2 * beta_ufldl / D, weight_decay=2 * lambda_ufldl / D)
L = (torch.nn.functional.mse_loss(x_hat, xb) + config.beta * sae_lib.kl_divergence(rho, rho_hat)
     + config.weight_decay / 2 * sum_w2)
print(f"UFLDL's J and (D/2)·L agree: {math.isclose(J.item(), D / 2 * L.item(), rel_tol=1e-12)}")
assert math.isclose(J.item(), D / 2 * L.item(), rel_tol=1e-12)

# %% [markdown]
# ## Training
#
# UFLDL minimises J with L-BFGS on 10,000 patches. We use Adam on mini-batches of 1,024 of our
# 100,000 patches, in two runs:
#
# * `steps=1200` at a high learning rate (0.1, the best of the sweep's grid); `sae_lib` rounds
#   steps up to whole passes over the data. For the first few hundred, the reconstruction error
#   sits at the variance of the data: the KL term has pushed every unit to fire rarely and weakly,
#   so nothing is reconstructed yet. Then units lock onto edges and the error falls.
# * `steps=500` at 0.003: a gentler run (with a fresh Adam) that fine-tunes the filters found by the
#   fast one, the usual "large steps first, small steps last" schedule.

# %%
# NBVAL_IGNORE_OUTPUT
def train_ufldl(x, lr=0.1, beta=beta_ufldl, seed=0):
    """UFLDL's SAE (64 → 25 sigmoid → 64 linear) on x: Adam at lr, then at 0.003 (beta in UFLDL's units)."""
    settings = dict(rho=rho, beta=2 * beta / D, weight_decay=2 * lambda_ufldl / D, batch_size=1024)
    model, fast = sae_lib.train(x, None, model_config, TrainConfig(steps=1200, lr=lr, seed=seed, **settings),
                                device=device, progress=False)
    settle = sae_lib.fit(model, x, None, TrainConfig(steps=500, lr=3e-3, seed=seed + 1, **settings), device=device,
                         progress=False)
    print(f"{fast.steps} + {settle.steps} Adam steps in {fast.seconds + settle.seconds:.1f} s")
    return model, fast.train_recon + settle.train_recon, fast.steps


model, recon, fast_steps = train_ufldl(x_zca)

# %%
variance = x_zca.var(dim=0).mean().item()
fig, ax = plt.subplots(figsize=(6, 3))
steps_per_epoch = math.ceil(len(x_zca) / 1024)
ax.plot([steps_per_epoch * (i + 1) for i in range(len(recon))], [r / variance for r in recon], marker=".")
ax.axvline(fast_steps, color="grey", linestyle=":", label="learning rate 0.1 → 0.003")
ax.set(xlabel="Adam steps", ylabel="reconstruction MSE / variance", title="training on whitened patches")
ax.legend()
plt.show()
with torch.no_grad():
    rho_hat = model.encode(x_zca).mean().item()
print(f"final reconstruction error: {recon[-1] / variance:.2f} of the variance; mean activation ρ̂ = {rho_hat:.3f}")
assert recon[0] / variance > 0.95 and recon[-1] / variance < 0.95 and abs(rho_hat - rho) < 0.005

# %% [markdown]
# 25 units whose mean activation is about ρ = 0.01 cannot rebuild much of a whitened patch: this
# SAE is a poor compressor, and it is not meant to be one. What it is for is its filters.
#
# ## The filters: edge detectors
#
# Each hidden unit computes sigmoid(w · x + b) on a whitened patch; its weight vector w, drawn as
# an 8 × 8 image, is its **filter**: of all patches of a given contrast (norm), the one that excites
# it most. Each tile has its own symmetric grey scale, with 0 in mid-grey (so the tiles show each
# filter's shape; their sizes are not comparable, and no colourbar could serve them all).

# %%
filters = model.encoder[0].weight.detach()
plot_filters({"SAE on whitened patches: encoder filters (each tile on its own scale, 0 mid-grey)": filters},
             ncols=5, scale=0.9)

# %% [markdown]
# Most tiles are a single edge or bar, at some position and some orientation, on a nearly flat
# background: the units have become localised, oriented edge detectors, at many orientations.
#
# ### Measuring orientation
#
# "Looks like an edge" is a judgement; here is a number. A filter that prefers one orientation has
# its power spectrum concentrated along one direction through the origin. The **orientation
# selectivity index** (`sae_lib.metrics.orientation_selectivity`) zero-pads the filter, takes its
# 2-D power spectrum P(k), and measures how much it points one way: |Σ P(k) e^{2iθ(k)}| / Σ P(k),
# with θ(k) the direction of frequency k. The angle is doubled so that k and −k, which are the same
# orientation, add up instead of cancelling. It is 0 for no preferred orientation and 1 for a
# single one. First, what it says about filters we know:

# %%
# NBVAL_CHECK_OUTPUT
def gabor(theta, wavelength=4.0, sigma=1.5, phase=0.0, size=8):
    """A Gabor filter: a grating at angle theta under a Gaussian window (the textbook V1 simple cell)."""
    y, x = torch.meshgrid(torch.arange(size) - (size - 1) / 2, torch.arange(size) - (size - 1) / 2, indexing="ij")
    along = x * math.cos(theta) + y * math.sin(theta)
    return torch.exp(-(x**2 + y**2) / (2 * sigma**2)) * torch.cos(2 * math.pi * along / wavelength + phase)


gabors = torch.stack([gabor(k * math.pi / 8, phase=p) for k in range(8) for p in (0, math.pi / 2)])
noise = torch.randn(1000, D, generator=torch.Generator().manual_seed(0))
print(f"orientation selectivity: random filters {orientation_selectivity(noise).median():.2f}, "
      f"Gabor filters {orientation_selectivity(gabors).median():.2f}")

# %%
osi = orientation_selectivity(filters)
print(f"our SAE's filters: median {osi.median():.2f} (lowest {osi.min():.2f}, highest {osi.max():.2f})")
assert osi.median() >= 0.6

# %% [markdown]
# The median filter is far more oriented than noise and close to a Gabor.
#
# ### Which orientations?
#
# `sae_lib.metrics.preferred_orientation` reads the angle of each filter's edge off the same
# spectrum (0° horizontal, 90° vertical, 45° rising to the right). An angle means little for a filter
# with no preferred orientation, so we count only the filters with selectivity ≥ 0.5. Twenty-five
# filters make a thin histogram, so beside them we pool the same model trained from three seeds (the
# sweep described at the end of this notebook, which stored every filter's angle). On an 8 × 8 grid an
# oblique edge reads a few degrees nearer an axis than it is (the library's tests measure how far), so
# the bins are 30° wide, centred on 0°, 30°, …, 150°.

# %%
sweep = load_json_asset("edge_detector_sweep.json")
best_white = sweep["best"]["whitened"]
white_runs = [r for r in sweep["runs"] if r["input"] == "whitened" and r["lr"] == 0.1 and r["beta_ufldl"] == beta_ufldl]
seed_0 = next(r for r in white_runs if r["seed"] == 0)  # the same patches, seeds and steps as the model above
pooled = torch.tensor([a for r in white_runs for a, sel in zip(r["filter_angle"], r["filter_selectivity"]) if sel >= 0.5])
live = preferred_orientation(filters)[osi >= 0.5]

edges = np.arange(-15, 180, 30)  # bins centred on 0°, 30°, …, 150°; 165°–180° wraps round to the 0° bin
folded = lambda angles: np.where(angles >= 165, angles - 180, angles)  # noqa: E731
counts_live, _ = np.histogram(folded(live.numpy()), edges)
counts_pooled, _ = np.histogram(folded(pooled.numpy()), edges)
# The photographs' own edges: the orientation of every strong brightness gradient (the top 10 % by size), an
# edge running across its gradient. Rows grow downwards in an image, so y is flipped to make 45° rise to the right.
angles, sizes = [], []
for image in images:
    image = torch.as_tensor(image, dtype=torch.float64)
    gx, gy = (image[1:-1, 2:] - image[1:-1, :-2]) / 2, -(image[2:, 1:-1] - image[:-2, 1:-1]) / 2
    angles.append(((torch.rad2deg(torch.atan2(gy, gx)) + 90) % 180).flatten())
    sizes.append((gx**2 + gy**2).flatten())
angles, sizes = torch.cat(angles), torch.cat(sizes)
counts_photos, _ = np.histogram(folded(angles[sizes >= sizes.quantile(0.9)].numpy()), edges)

fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
centres = edges[:-1] + 15
for offset, counts, label, color, hatch in [
        (-8, counts_live, f"this model ({len(live)} selective filters)", "#0072B2", ""),
        (0, counts_pooled, f"3 seeds pooled, this one among them ({len(pooled)} filters)", "#E69F00", "//"),
        (8, counts_photos, "the photographs' strongest gradients (top 10 %)", "#999999", "..")]:
    ax.bar(centres + offset, counts / counts.sum(), width=8, label=label, color=color, hatch=hatch, edgecolor="white")
ax.axhline(1 / 6, color="black", lw=1, ls=":", label="an even spread (1/6 a bin)")
ax.set(xticks=centres, xlabel="preferred orientation (°; 0 horizontal, 90 vertical)", ylabel="share", ylim=(0, 0.48),
       title="orientations of the selective filters (selectivity ≥ 0.5) and of the photographs' edges")
ax.legend(fontsize=9, loc="upper center", ncol=2)
plt.show()
shares, photo_shares = counts_pooled / counts_pooled.sum(), counts_photos / counts_photos.sum()
print("share per 30° bin, 3 seeds pooled: " + ", ".join(f"{c}°: {v:.2f}" for c, v in zip(centres, shares)))
print(f"horizontal and vertical together: filters {shares[0] + shares[3]:.2f}, the photographs' strongest gradients "
      f"{photo_shares[0] + photo_shares[3]:.2f} (an even spread: 0.33)")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the histogram is the sweep's, every orientation is covered, horizontal and vertical are
# over-represented among the filters, and not among the photographs' own edges.
print(f"median selectivity: this model {osi.median():.3f}, the sweep's seed 0 {seed_0['orientation']:.3f}")
assert (best_white["lr"], best_white["beta_ufldl"]) == (0.1, beta_ufldl)  # the live run uses the sweep's best setting
assert abs(osi.median().item() - seed_0["orientation"]) < 0.02  # the asset is what this code makes
assert (counts_pooled > 0).all() and counts_pooled.max() / counts_pooled.sum() < 0.5  # every orientation, none dominant
assert shares[0] + shares[3] > 0.4  # horizontal and vertical over-represented (an even spread gives 0.33)
assert abs(photo_shares[0] + photo_shares[3] - 1 / 3) < 0.05 and (photo_shares > 0.1).all()  # the photos: even

# %% [markdown]
# Every orientation is covered, but not evenly: horizontal and vertical edges are over-represented
# among the filters (the share printed above). Not because the photographs hold more of them: their
# strongest gradients point every way about equally (the bars hatched with dots). Part of it is the grid's pull
# described above, which moves oblique edges near 30° or 60° towards the axes; we have not measured
# whether that is all of it.
#
# The index has a blind spot: it sees orientation, not position. A grating that fills the whole
# patch is perfectly oriented too. So we also measure how much of the patch a filter uses: its
# **spatial extent** (`sae_lib.metrics.spatial_extent`), (Σw²)² / (D·Σw⁴), which is 1/64 for a
# single pixel, 1 when every pixel carries the same weight, and about 1/3 for noise.
#
# ## Is it the SAE, or the whitening?
#
# Three comparisons answer that. **PCA's components**, the eigenvectors we computed above, are
# what a linear autoencoder with 25 units would span: no sparsity, no whitening, just variance.
# **The same SAE without whitening**, on the raw (mean-removed) patches, with the same steps: sparsity
# but no whitening. To be fair to it, the raw run does not simply inherit the whitened run's learning
# rate and β: it gets the best of its own from the same grid (by the sweep below, which picked by
# orientation: the raw patches get every chance to come out oriented). And **the same SAE on whitened
# patches with β = 0**: whitening but no sparsity.
#
# ### Exercise 2: predict, then run
#
# Before you train it: what will the same SAE, with the same steps and its own best learning rate
# and β, learn from patches that were not whitened? Set `answer` to one letter.
#
# * **a** The same edge detectors: whitening only rescales the input, and the network can undo a rescaling.
# * **b** Broader, less oriented filters: the loss is dominated by a few smooth,
#   high-variance directions, so little drives the fine, low-variance ones where edges live.
# * **c** Nothing: without whitening the KL penalty switches every unit off.

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # "a", "b" or "c"
exercises.check_without_whitening(answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
answer = "b"
exercises.check_without_whitening(answer)

# %% [markdown]
# Now run it: the same function, on the raw patches `x` instead of `x_zca`, at the raw patches' best
# setting from the sweep; then the β = 0 control on the whitened patches, from two seeds.

# %%
# NBVAL_IGNORE_OUTPUT
best_raw = sweep["best"]["raw"]
print(f"raw patches' best setting: lr {best_raw['lr']:g}, β {best_raw['beta_ufldl']:g} (UFLDL's units)")
raw_model, raw_recon, _ = train_ufldl(x, lr=best_raw["lr"], beta=best_raw["beta_ufldl"])
dense_models = [train_ufldl(x_zca, beta=0.0, seed=seed)[0] for seed in (0, 1)]

# %% [markdown]
# ## The picture, and the numbers

# %%
raw_filters = raw_model.encoder[0].weight.detach()
dense_filters = dense_models[0].encoder[0].weight.detach()
pca_components = eigenvectors[:, :25].T
figure = plot_filters({"SAE, whitened patches": filters, "PCA: top 25 components": pca_components,
                       "same SAE, raw patches (its best lr, β)": raw_filters,
                       "same SAE, whitened, β = 0 (no sparsity)": dense_filters}, ncols=5, scale=0.6)
figure.suptitle("each tile on its own symmetric grey scale, 0 mid-grey", fontsize=9, y=0.0, va="top")
figure

# %%
rows = {"SAE, whitened": filters, "PCA components": pca_components, "SAE, raw": raw_filters,
        "whitened, β = 0": dense_filters, "whitened, β = 0, seed 1": dense_models[1].encoder[0].weight.detach(),
        "random filters": noise[:25]}
print(f"{'':24s} {'orientation':>12s} {'extent':>8s}   (medians over 25 filters)")
for name, w in rows.items():
    print(f"{name:24s} {orientation_selectivity(w).median():12.2f} {spatial_extent(w).median():8.2f}")
noise_level = orientation_selectivity(noise).quantile(0.9).item()  # 9 in 10 random filters score below this
noise_like = (orientation_selectivity(raw_filters) < noise_level).float().mean().item()
raw_best = [r for r in sweep["runs"] if r["input"] == "raw" and (r["lr"], r["beta_ufldl"]) == (best_raw["lr"], best_raw["beta_ufldl"])]
pooled_noise_like = np.mean([sel < noise_level for r in raw_best for sel in r["filter_selectivity"]])
print(f"raw SAE filters no more oriented than 9 in 10 random ones (below {noise_level:.2f}): {noise_like:.0%} here, "
      f"{pooled_noise_like:.0%} of the {sum(len(r['filter_selectivity']) for r in raw_best)} filters of the sweep's 3 seeds")
with torch.no_grad():
    raw_codes = raw_model.encode(x)
raw_dead = sae_lib.metrics.dead_fraction(raw_codes, threshold=0.1)
print(f"dead units without whitening: {raw_dead:.0%}; mean activation ρ̂ = {raw_codes.mean():.3f} (ρ = {rho})")
raw_error, white_error = raw_recon[-1] / x.var(dim=0).mean().item(), recon[-1] / variance
print(f"reconstruction error / variance: {raw_error:.2f} without whitening, {white_error:.2f} with")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: whitened + sparse gives localised, oriented filters; sparsity alone gives broader, less oriented
# ones, about as oriented as PCA's; whitening alone (β = 0, both seeds) gives filters no more oriented than noise.
extent = {name: spatial_extent(w).median().item() for name, w in rows.items()}
orientation = {name: orientation_selectivity(w).median().item() for name, w in rows.items()}
assert extent["SAE, whitened"] < 0.5 * extent["PCA components"]  # localised, where PCA's are global
assert orientation["SAE, raw"] < osi.median() - 0.1 and extent["SAE, raw"] > extent["SAE, whitened"]
assert abs(orientation["SAE, raw"] - orientation["PCA components"]) < 0.15  # sparsity alone: about PCA's
for name in ("whitened, β = 0", "whitened, β = 0, seed 1"):
    assert orientation[name] < orientation["random filters"] + 0.05 and extent[name] > 1.2 * extent["SAE, whitened"]
assert noise_like == 0 and pooled_noise_like < 0.05  # speckled as some look, the raw filters are oriented
assert raw_dead == 0.0 and raw_error < white_error

# %% [markdown]
# * **SAE on whitened patches** (first): localised, oriented edges, each using a small part of the patch.
# * **PCA** (second): ramps, gratings and checkerboards that fill the whole patch. Many are
#   oriented (the index cannot tell a grating from an edge), but they are not localised: the
#   extent says so. PCA finds the directions of largest variance, and for images those are global,
#   like a Fourier basis.
# * **The same SAE without whitening** (third): broader filters, less oriented. Some are ramps and
#   blobs, and several look speckled, a broad pattern under fine-grained noise; yet by the index
#   nearly every one is more oriented than 9 in 10 random filters (printed). Its units are alive and it
#   reconstructs more of the raw variance than the whitened SAE does of the whitened one: an
#   autoencoder trained on raw patches minimises squared error, so it is paid almost entirely for the
#   few smooth, high-variance directions; the fine ones, where edges live, barely move its loss. Its
#   best β is lower than the whitened run's, so its units fire more often than ρ (the ρ̂ printed above).
# * **The same SAE on whitened patches with β = 0** (last): no sparsity, and its filters are as
#   unoriented as random ones, on both seeds. After whitening every direction has the same variance,
#   so an autoencoder without a sparsity penalty has nothing to prefer.
#
# ### On more than one seed: the sweep
#
# One run of each is one draw. `scripts/sweep_edge_detectors.py` trained both versions on a grid of
# four learning rates × four β, each on three seeds (a seed draws the 100,000 patches and starts the
# model), with the same 1,200 + 500 steps as above, and stored what each run measures in
# `sae_lib/assets/edge_detector_sweep.json` (checksummed; the command and its time are in the file).

# %%
# NBVAL_CHECK_OUTPUT
lrs, betas = sweep["settings"]["lrs"], sweep["settings"]["betas_ufldl"]
grids = {}  # input → [learning rate, β] mean selectivity
print(f"{len(sweep['runs'])} runs, {sweep['seconds'] / 60:.0f} minutes on one CPU thread: `{sweep['command']}`")
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
for ax, name in zip(axes[:2], ("whitened", "raw")):
    grid = np.array([[np.mean([r["orientation"] for r in sweep["runs"] if r["input"] == name and r["lr"] == lr
                               and r["beta_ufldl"] == beta]) for beta in betas] for lr in lrs])
    grids[name] = grid
    image = ax.imshow(grid, cmap="viridis", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=9, color="white" if value < 0.6 else "black")
    best = sweep["best"][name]
    ax.add_patch(plt.Rectangle((betas.index(best["beta_ufldl"]) - 0.5, lrs.index(best["lr"]) - 0.5), 1, 1, fill=False,
                               edgecolor="#D55E00", lw=2.5, ls="--"))
    ax.set(xticks=range(len(betas)), xticklabels=[f"{b:g}" for b in betas], yticks=range(len(lrs)),
           yticklabels=[f"{lr:g}" for lr in lrs], xlabel="β (UFLDL's units)", ylabel="learning rate",
           title=f"{name} patches: median selectivity\n(dashed frame: its best setting)")
fig.colorbar(image, ax=axes[:2], shrink=0.8, label="median selectivity, mean of 3 seeds")
for name, color, marker in (("whitened", "#0072B2", "o"), ("raw", "#E69F00", "s")):
    runs = [r for r in sweep["runs"] if r["input"] == name]
    axes[2].scatter([r["extent"] for r in runs], [r["orientation"] for r in runs], s=12, alpha=0.35, color=color,
                    marker=marker)
    best = [r for r in runs if (r["lr"], r["beta_ufldl"]) == (sweep["best"][name]["lr"], sweep["best"][name]["beta_ufldl"])]
    axes[2].scatter([r["extent"] for r in best], [r["orientation"] for r in best], s=50, color=color, edgecolor="black",
                    marker=marker, label=f"{name}: best setting, 3 seeds")
axes[2].set(xlabel="median spatial extent", ylabel="median orientation selectivity", ylim=(0, 1),
            title="every run (small) and each input's best (large)")
axes[2].legend(fontsize=9, loc="lower right")
plt.show()

best_runs = {name: [r for r in sweep["runs"] if r["input"] == name and r["lr"] == sweep["best"][name]["lr"]
                    and r["beta_ufldl"] == sweep["best"][name]["beta_ufldl"]] for name in ("whitened", "raw")}
worst_white = min(r["orientation"] for r in best_runs["whitened"])
best_raw_anywhere = max(r["orientation"] for r in sweep["runs"] if r["input"] == "raw")
good = [grids["whitened"][lrs.index(lr), betas.index(beta)] for lr, beta in [(0.1, 10), (0.1, 30), (0.1, 100), (0.3, 10),
                                                                             (0.3, 30)]]
print(f"whitened, its best setting, worst of 3 seeds: {worst_white:.2f}; raw, best of all "
      f"{len(lrs) * len(betas) * 3} runs: {best_raw_anywhere:.2f}")
print(f"whitened, its good region: every cell ≥ {min(good):.2f}; raw, its best cell: {grids['raw'].max():.2f}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: on every seed the whitened SAE at its best beats every raw run, and is more localised; raw runs
# stay well above noise; the whitened good region beats the best raw cell.
assert worst_white > best_raw_anywhere + 0.1  # no raw run reaches the whitened SAE's worst seed
assert min(r["extent"] for r in best_runs["raw"]) > max(r["extent"] for r in best_runs["whitened"])  # broader, every seed
assert min(r["orientation"] for r in sweep["runs"] if r["input"] == "raw") > 0.2  # yet far from noise's ≈ 0.1
assert min(good) > grids["raw"].max()

# %% [markdown]
# The comparison holds beyond one draw: at its best setting, on every seed, the whitened SAE's filters
# are more oriented than those of any raw run on the grid, whatever the raw run's learning rate and β,
# and more localised on every seed. The whitened run is the more sensitive of the two to its
# settings: at a learning rate of 0.01 it is far from done at the end of its run (the bottom
# row), and too strong a pull (β = 300, or β = 100 at 0.3) leaves weakly oriented filters. Within
# its good region (a learning rate of 0.1 with β from 10 to 100, or 0.3 with β 10 or 30), every cell
# beats every raw cell.
#
# So it takes both. Whitening makes every direction count, but on its own it gives nothing to
# prefer: with β = 0 the filters are as unoriented as noise. Sparsity on its own, on raw patches,
# gives filters about as oriented as PCA's components, and broader. Together they give edges: in
# whitened images the edges are the rare, sharp events, and a unit allowed to fire on 1% of patches
# does best by firing on one of them. That is the argument of Olshausen & Field: a sparse code for
# natural images is a code of edges.
#
# ## Summary
#
# * Natural-image patches keep most of their variance in a few smooth directions; **whitening**
#   (PCA, or ZCA, which keeps patches looking like patches) equalises them, with ε set from the
#   spectrum: at the level of a noise floor where there is one, so that noise is damped and signal kept.
# * UFLDL's cost is `sae_lib`'s times D/2 when **β' = 2β/D and λ' = 2λ/D**; β must also follow the
#   variance of the data, since the reconstruction term scales with it and the KL term does not.
# * Trained on whitened patches, a 25-unit sigmoid SAE with ρ = 0.01 learns **localised, oriented
#   edge detectors** at every orientation; PCA learns global gratings; without whitening the same
#   SAE, even at its own best learning rate and β, learns broader, less oriented filters, on every
#   seed; without sparsity (β = 0) it learns noise.
# * The **orientation selectivity index** turns "looks like an edge" into a number (noise ≈ 0.1,
#   Gabors ≈ 0.8) but sees no position: pair it with the **spatial extent**; the **preferred
#   orientation** says which way a selective filter points.
# * The caveat: the horizontal and vertical excess among the filters is not in the photographs'
#   edges; the 8 × 8 grid pulls oblique filters towards the axes, and an orientation index on 64
#   pixels carries that bias, so read the histogram's shape, not its exact shares.
#
# **Try next:** set ε to 0.3 or 0.003 and watch the filters get smoother or noisier; set
# `lambda_ufldl = 0` and see what weight decay was doing; give the SAE 64 units instead of 25.
