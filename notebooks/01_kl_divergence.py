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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/01_kl_divergence.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/01_kl_divergence.ipynb)

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
# # 01 · The KL-divergence sparsity penalty
#
# **After this notebook you can** say what "sparse" means for a hidden layer, compute each unit's
# mean activation ρ̂ⱼ over a batch, derive the Bernoulli KL penalty KL(ρ‖ρ̂ⱼ) and its gradient by
# hand, check the gradient numerically, and explain why ρ̂ is clamped.

# %%
import matplotlib.pyplot as plt
import torch

import sae_lib
from sae_lib import exercises, kl_divergence, mean_activation, widgets
from sae_lib.penalties import kl_gradient

torch.manual_seed(0)
torch.set_printoptions(precision=4)

# %% [markdown]
# ## Why ask for sparsity?
#
# An autoencoder squeezes an input x through a code z and rebuilds x̂ from it. Without further
# constraints every unit of z tends to fire a little for every input: the code is *dense*, and no
# single unit means much. A **sparse** code asks each unit to be quiet most of the time and to fire
# for a few inputs only. Units then specialise (a stroke, a loop, a texture), the code is easier to
# read, and an over-complete layer (more units than inputs) can no longer just copy its input.
#
# For sigmoid units, "quiet" means an output near 0. We measure how busy unit j is by its
# **mean activation over a batch** of n inputs:
#
# $$\hat\rho_j = \frac{1}{n}\sum_{i=1}^{n} z_j(x^{(i)}).$$
#
# We want every ρ̂ⱼ close to a small target ρ, say 0.05: each unit fires for about 5% of inputs.

# %%
z = torch.sigmoid(torch.randn(6, 4) * 2 - 2)  # a batch of 6 codes from 4 sigmoid units
print(z)
print("rho_hat =", mean_activation(z))  # one number per unit: the column means

# %% [markdown]
# ## Deriving the penalty
#
# Read ρ̂ⱼ as the probability that unit j is "on": a Bernoulli variable with P(on) = ρ̂ⱼ. Our
# target is another Bernoulli variable with P(on) = ρ. The Kullback–Leibler divergence between two
# distributions P and Q is the expected log-ratio under P,
#
# $$\mathrm{KL}(P\,\|\,Q) = \sum_{s} P(s) \log\frac{P(s)}{Q(s)}.$$
#
# A Bernoulli variable has two outcomes, on (probabilities ρ and ρ̂ⱼ) and off (1−ρ and 1−ρ̂ⱼ), so
# the sum has two terms:
#
# $$\mathrm{KL}(\rho\,\|\,\hat\rho_j) = \rho\log\frac{\rho}{\hat\rho_j} + (1-\rho)\log\frac{1-\rho}{1-\hat\rho_j}.$$
#
# The sparsity penalty sums this over the units and is weighted by β in the loss:
# β Σⱼ KL(ρ‖ρ̂ⱼ). Two facts make it a good penalty:
#
# * it is **0 exactly when ρ̂ⱼ = ρ** (both log-ratios are log 1), and positive otherwise (Gibbs'
#   inequality);
# * it **grows without bound** as ρ̂ⱼ → 0 or 1, because of log ρ̂ⱼ and log(1−ρ̂ⱼ).
#
# Careful: `torch.nn.functional.kl_div` is *not* this penalty: fed ρ̂ it computes only the first
# term and drops the (1−ρ) one. `sae_lib.kl_divergence(rho, rho_hat)` is the full Bernoulli KL.

# %%
# NBVAL_CHECK_OUTPUT
rho = 0.05
for q in [0.01, 0.05, 0.1, 0.5, 0.9]:
    value = kl_divergence(rho, torch.tensor([q], dtype=torch.float64)).item()
    print(f"KL(0.05 || {q:4}) = {round(value, 6) + 0.0:.6f}")

# %% [markdown]
# ### Exercise 1: write the KL penalty yourself
#
# Complete `my_kl(rho, rho_hat)` so that it returns Σⱼ KL(ρ‖ρ̂ⱼ) for a 1-D tensor `rho_hat`, then
# run the cell. The checker compares it with `sae_lib` on several cases and prints PASS or a hint.

# %%
# NBVAL_CHECK_OUTPUT
def my_kl(rho, rho_hat):
    raise NotImplementedError  # your code here


exercises.check_kl(my_kl)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_kl(rho, rho_hat):
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


exercises.check_kl(my_kl)

# %% [markdown]
# ## What the penalty looks like
#
# Compare the KL curve for a few targets with the two classic penalties on a single activation:
# L1 (|ρ̂|, a straight line) and L2 (ρ̂², a parabola). Both of those only push down; the KL pulls
# ρ̂ towards ρ from *both* sides, gently near ρ and very hard near 0 and 1.

# %%
q = torch.linspace(0.001, 0.999, 500, dtype=torch.float64)
fig, (ax_kl, ax_cmp) = plt.subplots(1, 2, figsize=(11, 3.8))
for target in [0.02, 0.05, 0.2, 0.5]:
    ax_kl.plot(q, [kl_divergence(target, v.reshape(1)).item() for v in q], label=f"ρ = {target}")
ax_kl.set(xlabel="mean activation ρ̂", ylabel="KL(ρ ‖ ρ̂)", ylim=(0, 4), title="KL penalty for several targets")
ax_kl.legend()
ax_cmp.plot(q, [kl_divergence(0.05, v.reshape(1)).item() for v in q], label="KL(0.05 ‖ ρ̂)")
ax_cmp.plot(q, q.abs(), label="L1: |ρ̂|")
ax_cmp.plot(q, q**2, label="L2: ρ̂²")
ax_cmp.set(xlabel="mean activation ρ̂", ylim=(0, 2), title="KL against L1 and L2")
ax_cmp.legend()
plt.show()

# %% [markdown]
# ## The gradient, by hand
#
# Training needs ∂/∂ρ̂ⱼ of β·KL(ρ‖ρ̂ⱼ). Write the penalty as
# β[ρ log ρ − ρ log ρ̂ⱼ + (1−ρ) log(1−ρ) − (1−ρ) log(1−ρ̂ⱼ)]; the terms without ρ̂ⱼ vanish, and
# d/dq log q = 1/q, d/dq log(1−q) = −1/(1−q), so
#
# $$\frac{\partial}{\partial \hat\rho_j}\,\beta\,\mathrm{KL}(\rho\,\|\,\hat\rho_j) = \beta\left(-\frac{\rho}{\hat\rho_j} + \frac{1-\rho}{1-\hat\rho_j}\right).$$
#
# It is negative below ρ (raise the activation), zero at ρ, positive above (lower it). Let us check
# this formula two independent ways, in float64: against autograd, and against central finite
# differences (f(q+h) − f(q−h)) / 2h, whose error shrinks like h².

# %%
beta, rho = 5e-3, 0.05
q = torch.tensor([0.01, 0.05, 0.2, 0.6, 0.95], dtype=torch.float64, requires_grad=True)
(beta * kl_divergence(rho, q)).backward()
analytic = kl_gradient(rho, q.detach(), beta)

h = 1e-6
central = torch.zeros_like(analytic)
for j in range(len(q)):
    step = torch.zeros_like(analytic)
    step[j] = h
    qd = q.detach()
    central[j] = beta * (kl_divergence(rho, qd + step) - kl_divergence(rho, qd - step)) / (2 * h)


def relative_difference(a, b):
    return ((a - b).norm() / b.norm()).item()


print("analytic gradient:", analytic)
print(f"relative difference to autograd             : {relative_difference(analytic, q.grad):.1e}")
print(f"relative difference to central differences  : {relative_difference(analytic, central):.1e}")

# %% [markdown]
# Both differences are tiny: autograd agrees to rounding error, and the finite differences to well
# under 10⁻⁶. `torch.autograd.gradcheck` runs the same finite-difference test for us:

# %%
# NBVAL_CHECK_OUTPUT
print("autograd agrees to 1e-12:", relative_difference(analytic, q.grad) < 1e-12)
print("finite differences agree to 1e-6:", relative_difference(analytic, central) < 1e-6)
print("gradcheck:", torch.autograd.gradcheck(lambda t: beta * kl_divergence(rho, t), (q.detach().requires_grad_(),)))

# %% [markdown]
# ### Exercise 2: the gradient
#
# Complete `my_kl_gradient(rho, rho_hat, beta)` to return the vector of ∂(β·KL)/∂ρ̂ⱼ.

# %%
# NBVAL_CHECK_OUTPUT
def my_kl_gradient(rho, rho_hat, beta):
    raise NotImplementedError  # your code here


exercises.check_kl_gradient(my_kl_gradient)

# %% jupyter={"source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_kl_gradient(rho, rho_hat, beta):
    return beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))


exercises.check_kl_gradient(my_kl_gradient)

# %% [markdown]
# ## Why ρ̂ is clamped
#
# A unit that never fires in a batch has ρ̂ⱼ = 0 exactly (a ReLU unit can), and one that saturates
# has ρ̂ⱼ = 1. Then log ρ̂ⱼ or log(1−ρ̂ⱼ) is −∞, the loss is inf, the gradient NaN, and one bad batch
# ruins the whole model. `sae_lib` clamps ρ̂ into [10⁻⁶, 1 − 10⁻⁶] first: the penalty stays large
# (it still pushes the unit back) but finite.

# %%
# NBVAL_CHECK_OUTPUT
q = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
naive = rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))
print("unclamped:", naive.detach())
clamped = kl_divergence(rho, q)
clamped.backward()
print(f"clamped  : {clamped.item():.4f}, gradient finite: {torch.isfinite(q.grad).all().item()}")

# %% [markdown]
# ## Try it: move ρ
#
# Drag the slider: the curve's minimum follows ρ, and the walls near 0 and 1 stay steep. Small ρ
# makes the penalty lopsided: activations above ρ cost far more than the same distance below.

# %%
# NBVAL_IGNORE_OUTPUT
widgets.kl_curve_widget(rho=0.05)

# %% [markdown]
# ## Summary
#
# * A sparse code keeps each unit's mean activation ρ̂ⱼ (the batch mean of its outputs) near a small ρ.
# * The Bernoulli KL, ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂)), is 0 at ρ̂ = ρ and grows steeply towards
#   0 and 1; summed over units and weighted by β it is the sparsity penalty.
# * Its gradient is β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂)); autograd and finite differences agree with it.
# * ρ̂ is clamped away from 0 and 1 so the penalty and its gradient stay finite.
#
# Next, **02 · The model** builds the autoencoder whose codes this penalty will shape.
