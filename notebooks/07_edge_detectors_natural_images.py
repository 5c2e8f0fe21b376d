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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/07_edge_detectors_natural_images.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/07_edge_detectors_natural_images.ipynb)

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
# # 07 · Edge detectors from natural images
#
# **After this notebook you can** cut grey patches out of photographs, whiten them with PCA and
# ZCA and say why whitening matters, write UFLDL's sparse-autoencoder cost and convert its β and λ
# into `sae_lib`'s units, train the classic 64 → 25 sigmoid SAE until its filters are localised,
# oriented edge detectors, and measure orientation with a number instead of squinting at a grid.
#
# This is the best-known picture a sparse autoencoder ever drew: trained on whitened 8 × 8 patches
# of natural images, its units become edge detectors much like the "simple cells" of the primary
# visual cortex (V1). It comes from the sparse-autoencoder exercise of Andrew Ng's UFLDL tutorial,
# itself a descendant of Olshausen & Field's sparse coding (1996). We reproduce it offline with the
# two photographs that ship with scikit-learn.

# %%
# %matplotlib inline
import math

import matplotlib.pyplot as plt
import torch

import sae_lib
from sae_lib import SAEConfig, TrainConfig, exercises
from sae_lib.data import natural_images, pca_whiten, sample_patches, zca_whiten
from sae_lib.metrics import orientation_selectivity, spatial_extent
from sae_lib.plots import plot_filters

# The model is tiny (64 → 25 → 64), so it trains on the CPU, on one thread: as fast as several for
# a model this size, and unlike several it does not stall while other programs keep the CPU busy.
torch.set_num_threads(1)
device = "cpu"

# %% [markdown]
# ## Patches from two photographs
#
# `natural_images` loads scikit-learn's two photos (a temple in China, a flower), turns them grey
# and averages blocks of 3 × 3 pixels. At full resolution an 8 × 8 patch covers a small, mostly
# smooth piece of these photos; after averaging, each patch covers 24 × 24 pixels of the photo,
# enough to hold an edge or two, and the averaging removes pixel-level noise that whitening would
# otherwise amplify (try `natural_images(downsample=1)` and compare the filters).
# `sample_patches` then cuts out 100,000 patches at random places. We remove each patch's mean
# brightness (what matters is the pattern, not how bright the spot is) and divide by the overall
# standard deviation, so pixels have unit variance on average.

# %%
# NBVAL_CHECK_OUTPUT
images = natural_images(downsample=3)
patches = sample_patches(images, n=100_000, size=8, seed=0)
x = patches - patches.mean(dim=1, keepdim=True)
x = x / x.std()
D = x.shape[1]
print("images:", [im.shape for im in images], "→ patches:", tuple(x.shape))

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
for ax, image in zip(axes, images):
    ax.imshow(image, cmap="gray")
    ax.set_axis_off()
fig.suptitle("the two photographs, grey and averaged over 3 × 3 blocks")
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
# An autoencoder trained on these patches minimises squared error, so it is paid almost entirely
# for getting those few smooth directions right; the fine directions barely move the loss.
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
# We use ε = 0.03, three hundredths of the average pixel variance. The spectrum after whitening is
# λ/(λ + ε): close to 1 wherever λ ≫ ε, and a little lower for the last directions, whose variance
# comes nearer to ε. PCA and ZCA whitening give the same spectrum (they differ by a rotation).

# %%
epsilon = 0.03
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
plot_filters({"raw patches": x[contrasted], "PCA-whitened": x_pca[contrasted], "ZCA-whitened": x_zca[contrasted]},
             ncols=5, scale=0.6)

# %% [markdown]
# The same ten high-contrast patches three ways: raw, PCA-whitened (coefficients, no longer a
# picture) and ZCA-whitened (the picture again, with the smooth shading gone; what is left is
# mostly the edges and fine texture, some of it noisy).
#
# ### Exercise 1: ZCA whitening
#
# Complete `my_zca(x, epsilon)`: centre the columns of `x`, take the covariance C = xᵀx / n (divide
# by n, not n − 1), its eigen-decomposition (`torch.linalg.eigh`), and return
# `(x − mean) U diag(1/√(λ + ε)) Uᵀ`. The checker compares your function with `sae_lib.data.zca_whiten`.

# %%
# NBVAL_CHECK_OUTPUT
def my_zca(x, epsilon):
    raise NotImplementedError  # your code here


exercises.check_zca(my_zca)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_zca(x, epsilon):
    centred = x - x.mean(dim=0)
    eigenvalues, eigenvectors = torch.linalg.eigh(centred.T @ centred / len(x))
    return centred @ eigenvectors @ torch.diag(1 / torch.sqrt(eigenvalues + epsilon)) @ eigenvectors.T


exercises.check_zca(my_zca)

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
# use β = 100, the same order, found by trying a few values. The weight decay we also tuned: it
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
# * `steps=1200` at a high learning rate (0.1); `sae_lib` rounds steps up to whole passes over the
#   data. For the first few hundred, the reconstruction error
#   sits at the variance of the data: the KL term has pushed every unit to fire rarely and weakly,
#   so nothing is reconstructed yet. Then units lock onto edges and the error falls.
# * `steps=500` at 0.003: a gentler run (with a fresh Adam) that fine-tunes the filters found by the
#   fast one, the usual "large steps first, small steps last" schedule.

# %%
# NBVAL_IGNORE_OUTPUT
def train_ufldl(x):
    """UFLDL's SAE (64 → 25 sigmoid → 64 linear) on x: Adam at 0.1, then at 0.003."""
    settings = dict(rho=rho, beta=2 * beta_ufldl / D, weight_decay=2 * lambda_ufldl / D, batch_size=1024)
    model, fast = sae_lib.train(x, None, model_config, TrainConfig(steps=1200, lr=0.1, **settings), device=device, progress=False)
    settle = sae_lib.fit(model, x, None, TrainConfig(steps=500, lr=3e-3, seed=1, **settings), device=device, progress=False)
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
# it most. Each tile has its own grey
# scale, with 0 in mid-grey.

# %%
filters = model.encoder[0].weight.detach()
plot_filters({"SAE on whitened patches: encoder filters": filters}, ncols=5, scale=0.9)

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
# The index has a blind spot: it sees orientation, not position. A grating that fills the whole
# patch is perfectly oriented too. So we also measure how much of the patch a filter uses: its
# **spatial extent** (`sae_lib.metrics.spatial_extent`), (Σw²)² / (D·Σw⁴), which is 1/64 for a
# single pixel, 1 when every pixel carries the same weight, and about 1/3 for noise.
#
# ## Is it the SAE, or the whitening?
#
# Two comparisons answer that. **PCA's components**, the eigenvectors we computed above, are
# what a linear autoencoder with 25 units would span: no sparsity, just variance. And **the same
# SAE without whitening**, trained identically on the raw (mean-removed) patches.
#
# ### Exercise 2: predict, then run
#
# Before you train it: what will the same SAE, with the same β, λ, ρ and steps, learn from patches
# that were not whitened? Set `answer` to one letter.
#
# * **a** The same edge detectors: whitening only rescales the input, and the network can undo a rescaling.
# * **b** Noisier, less oriented filters: the loss is dominated by a few smooth, high-variance
#   directions, so little drives the fine, low-variance ones where edges live.
# * **c** Nothing: without whitening the KL penalty switches every unit off.

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # "a", "b" or "c"
exercises.check_without_whitening(answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
answer = "b"
exercises.check_without_whitening(answer)

# %% [markdown]
# Now run it: the same function, on the raw patches `x` instead of `x_zca`.

# %%
# NBVAL_IGNORE_OUTPUT
raw_model, raw_recon, _ = train_ufldl(x)

# %% [markdown]
# ## The picture, and the numbers

# %%
raw_filters = raw_model.encoder[0].weight.detach()
pca_components = eigenvectors[:, :25].T
plot_filters({"SAE, whitened patches": filters, "PCA: top 25 components": pca_components,
              "same SAE, raw patches": raw_filters}, ncols=5, scale=0.6)

# %%
rows = {"SAE, whitened": filters, "PCA components": pca_components, "SAE, raw": raw_filters}
print(f"{'':16s} {'orientation':>12s} {'extent':>8s}   (medians over 25 filters)")
for name, w in rows.items():
    print(f"{name:16s} {orientation_selectivity(w).median():12.2f} {spatial_extent(w).median():8.2f}")
with torch.no_grad():
    raw_dead = sae_lib.metrics.dead_fraction(raw_model.encode(x), threshold=0.1)
print(f"dead units without whitening: {raw_dead:.0%}")
raw_error, white_error = raw_recon[-1] / x.var(dim=0).mean().item(), recon[-1] / variance
print(f"reconstruction error / variance: {raw_error:.2f} without whitening, {white_error:.2f} with")

extent = {name: spatial_extent(w).median().item() for name, w in rows.items()}
assert extent["SAE, whitened"] < 0.5 * extent["PCA components"]  # localised, where PCA's are global
assert orientation_selectivity(raw_filters).median() < osi.median() - 0.1  # whitening is what makes them oriented
assert raw_dead == 0.0 and raw_error < white_error

# %% [markdown]
# * **SAE on whitened patches** (left): localised, oriented edges, each using a small part of the patch.
# * **PCA** (middle): ramps, gratings and checkerboards that fill the whole patch. Many are
#   oriented (the index cannot tell a grating from an edge), but they are not localised: the
#   extent says so. PCA finds
#   the directions of largest variance, and for images those are global, like a Fourier basis.
# * **The same SAE without whitening** (right): noisier and clearly less oriented. Its units are
#   alive and it reconstructs more of the raw variance than the whitened SAE does of the whitened
#   one, because raw variance lives in a few smooth directions; it has no reason to get the fine
#   detail right, and its filters show it.
#
# So whitening is needed to make every direction count. It is not enough on its own: after
# whitening every direction has the same variance, so variance (PCA) has nothing left to prefer.
# What picks the edges out is sparsity: edges are the rare, sharp events in whitened images, and a
# unit allowed to fire on 1% of patches does best by firing on one of them. That is the argument
# of Olshausen & Field: a sparse code for natural images is a code of edges.
#
# ## Summary
#
# * Natural-image patches keep most of their variance in a few smooth directions; **whitening**
#   (PCA, or ZCA, which keeps patches looking like patches) equalises them, with ε damping the
#   directions that hold only noise.
# * UFLDL's cost is `sae_lib`'s times D/2 when **β' = 2β/D and λ' = 2λ/D**; β must also follow the
#   variance of the data, since the reconstruction term scales with it and the KL term does not.
# * Trained on whitened patches, a 25-unit sigmoid SAE with ρ = 0.01 learns **localised, oriented
#   edge detectors**; PCA learns global gratings; without whitening the same SAE learns noisier,
#   less oriented filters.
# * The **orientation selectivity index** turns "looks like an edge" into a number (noise ≈ 0.1,
#   Gabors ≈ 0.8) but sees no position: pair it with the **spatial extent**.
#
# **Try next:** set ε to 0.3 or 0.003 and watch the filters get smoother or noisier; set
# `lambda_ufldl = 0` and see what weight decay was doing; give the SAE 64 units instead of 25.
