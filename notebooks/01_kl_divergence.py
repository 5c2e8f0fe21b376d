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
# hand, carry that gradient back to a unit's input (UFLDL's δ term), gradient-check a whole network,
# say exactly what `torch.nn.functional.kl_div` computes, what clamping ρ̂ does and does not do, and
# which loophole the KL penalty leaves open.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import sae_lib
from sae_lib import SAEConfig, SparseAutoencoder, TrainConfig, exercises, kl_divergence, mean_activation, widgets
from sae_lib.penalties import EPS, kl_gradient

torch.manual_seed(0)
torch.set_printoptions(precision=4)


def kl(rho, q):
    """KL(ρ ‖ q) for one mean activation q, as a float (float64 inside)."""
    return kl_divergence(rho, torch.tensor([q], dtype=torch.float64)).item()


# %% [markdown]
# ## Why ask for sparsity?
#
# An autoencoder squeezes an input x through a code z and rebuilds x̂ from it. Without further
# constraints every unit of z tends to fire a little for every input: the code is *dense*, and no
# single unit means much. A **sparse** code asks each unit to be quiet most of the time and to fire
# for a few inputs only, so that a unit's firing says something about the input, and an
# over-complete layer (more units than inputs) can no longer just copy its input.
#
# For sigmoid units, "quiet" means an output near 0. We measure how busy unit j is by its
# **mean activation over a batch** of n inputs:
#
# $$\hat\rho_j = \frac{1}{n}\sum_{i=1}^{n} z_j(x^{(i)}).$$
#
# The KL penalty asks every ρ̂ⱼ to be close to a small target ρ, say 0.05. Note what that does and
# does not say: a unit that fires fully (z = 1) on 5 % of inputs has ρ̂ = 0.05, but so does a unit
# that sits at 0.05 on *every* input. We come back to this loophole at the end.

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

# %% [markdown]
# ### Predict first
#
# Take ρ = 0.05. One unit is five times too quiet (ρ̂ = 0.01), another is twice too busy (ρ̂ = 0.1).
# Which one does the penalty charge more? Answer `"0.01"`, `"0.1"` or `"same"`, then run the cell.

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your prediction: "0.01", "0.1" or "same"
exercises.check_prediction("which costs more at ρ = 0.05", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference answer: expand the cell to see it.
answer = "0.01"
exercises.check_prediction("which costs more at ρ = 0.05", answer)

# %%
# NBVAL_CHECK_OUTPUT
rho = 0.05
for q in [0.01, 0.05, 0.1, 0.5, 0.9]:
    print(f"KL(0.05 || {q:4}) = {round(kl(rho, q), 6) + 0.0:.6f}")

# %% [markdown]
# So for a small ρ the penalty is **lopsided the other way from what one might guess**: near ρ, a
# unit that goes quiet is charged more than one that gets busier (0.01 costs more than 0.1). Only far
# above ρ, as ρ̂ heads for 1, does the (1−ρ) term climb its own wall. The cell below keeps this
# sentence honest.

# %%
assert kl(0.05, 0.01) > kl(0.05, 0.1), "below ρ must cost more than above, near a small ρ"
assert kl(0.05, 0.9) > kl(0.05, 0.01), "far above ρ the penalty is largest"

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

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_kl(rho, rho_hat):
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


exercises.check_kl(my_kl)

# %% [markdown]
# ## What `torch.nn.functional.kl_div` computes
#
# PyTorch has a KL function, but it is built for distributions over many classes and wants its
# arguments in a particular form. `F.kl_div(input, target)` expects `input` to hold
# **log-probabilities** and `target` probabilities, computes `target · (log target − input)` element
# by element, and then, by default (`reduction="mean"`), **averages** over all elements, which is
# not a KL divergence of anything. To get the Bernoulli KL from it, give it both outcomes of each
# unit, on and off, as log-probabilities, and sum:

# %%
rho_hat = torch.tensor([0.01, 0.05, 0.2, 0.6], dtype=torch.float64)
log_q = torch.stack([rho_hat.log(), (1 - rho_hat).log()])  # [on, off] × units, log-probabilities
p = torch.stack([torch.full_like(rho_hat, rho), torch.full_like(rho_hat, 1 - rho)])  # target probabilities
results = {"sae_lib.kl_divergence": kl_divergence(rho, rho_hat),
           "F.kl_div(log q, p, reduction='sum')": F.kl_div(log_q, p, reduction="sum"),
           "F.kl_div(log q, p)   (default 'mean')": F.kl_div(log_q, p),  # PyTorch warns: 'mean' is not the KL
           "F.kl_div(log q_on, ρ, 'sum'), 'on' only": F.kl_div(log_q[0], p[0], reduction="sum")}
for name, value in results.items():
    print(f"{name:40}: {value.item():.6f}")

# %% [markdown]
# Only the first two lines agree. The default mean divides by the 8 elements (PyTorch itself warns
# about it); feeding only the "on" probabilities, a common mistake, drops the (1−ρ) term, which can
# even make the result negative.

# %%
values = list(results.values())
assert torch.isclose(values[1], values[0]) and not torch.isclose(values[2], values[0])
assert not torch.isclose(values[3], values[0])

# %% [markdown]
# ## What the penalty looks like
#
# Compare the KL curve for a few targets with the two classic penalties on a single activation:
# L1 (|ρ̂|, a straight line) and L2 (ρ̂², a parabola). Both of those only push down; the KL pulls
# ρ̂ towards ρ from *both* sides. For a small ρ its two walls differ: towards 0 it rises only
# logarithmically (a low wall, though its slope −ρ/ρ̂ is steep), towards 1 it climbs far higher.

# %%
q = torch.linspace(0.001, 0.999, 500, dtype=torch.float64)
fig, (ax_kl, ax_cmp) = plt.subplots(1, 2, figsize=(11, 3.8))
for target in [0.02, 0.05, 0.2, 0.5]:
    ax_kl.plot(q, [kl(target, v) for v in q.tolist()], label=f"ρ = {target}")
ax_kl.set(xlabel="mean activation ρ̂", ylabel="KL(ρ ‖ ρ̂)", ylim=(0, 4), title="KL penalty for several targets")
ax_kl.legend()
ax_cmp.plot(q, [kl(0.05, v) for v in q.tolist()], label="KL(0.05 ‖ ρ̂)")
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
# ### Predict first
#
# With ρ = 0.05, is this gradient positive, negative or zero at ρ̂ = 0.2? (Gradient descent moves
# ρ̂ *against* the gradient.)

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your prediction: "positive", "negative" or "zero"
exercises.check_prediction("sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference answer: expand the cell to see it.
answer = "positive"
exercises.check_prediction("sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ", answer)

# %% [markdown]
# The gradient is negative below ρ (raise the activation), zero at ρ, positive above (lower it).
# Let us check the formula two independent ways, in float64: against autograd, and against central
# finite differences (f(q+h) − f(q−h)) / 2h, whose error shrinks like h².

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

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution: expand the cell to see it.
def my_kl_gradient(rho, rho_hat, beta):
    return beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))


exercises.check_kl_gradient(my_kl_gradient)

# %% [markdown]
# ## Back to the unit's input: UFLDL's δ term
#
# The weights do not see ρ̂ directly. Unit j's output on input i is zᵢⱼ = σ(aᵢⱼ), with aᵢⱼ its
# pre-activation (weighted input), and ρ̂ⱼ = (1/n) Σᵢ zᵢⱼ. The chain rule, with σ′(a) = z(1−z), gives
#
# $$\frac{\partial\,\beta\,\mathrm{KL}(\rho\,\|\,\hat\rho_j)}{\partial a_{ij}}
#   = \frac{1}{n}\,\beta\left(-\frac{\rho}{\hat\rho_j} + \frac{1-\rho}{1-\hat\rho_j}\right) z_{ij}(1-z_{ij}).$$
#
# This is the sparsity part of UFLDL's hidden-layer error term,
# δⱼ = (Σₖ Wₖⱼ δₖ + β(−ρ/ρ̂ⱼ + (1−ρ)/(1−ρ̂ⱼ))) σ′(aⱼ), where UFLDL applies the 1/n when it
# averages the per-example gradients. Check it against autograd:

# %%
a = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)  # pre-activations: 6 inputs, 4 units
z = torch.sigmoid(a)
(beta * kl_divergence(rho, mean_activation(z))).backward()
by_hand = beta * kl_gradient(rho, z.detach().mean(dim=0)) * z.detach() * (1 - z.detach()) / len(z)
print(f"relative difference, δ by hand vs autograd: {relative_difference(by_hand, a.grad):.1e}")
assert relative_difference(by_hand, a.grad) < 1e-12

# %% [markdown]
# Something good happens in the product. If a unit sits at the same value on every input
# (zᵢⱼ = ρ̂ⱼ), the terms simplify to (1/n)·β(ρ̂ⱼ − ρ): the 1/ρ̂ blow-up of ∂KL/∂ρ̂ is cancelled by
# the sigmoid's slope. So the push on a nearly silent sigmoid unit is *bounded*, about −βρ/n per
# input, and it does not fade as the unit gets quieter:

# %%
# NBVAL_CHECK_OUTPUT
n = 128
print(f"{'ρ̂':>8} {'∂(βKL)/∂ρ̂':>12} {'∂(βKL)/∂a per input':>20} {'β(ρ̂−ρ)/n':>11}")
for r in [0.3, 0.05, 1e-2, 1e-3, 1e-5]:
    a = torch.full((n, 1), torch.logit(torch.tensor(r, dtype=torch.float64)).item(), dtype=torch.float64,
                   requires_grad=True)
    (beta * kl_divergence(rho, mean_activation(torch.sigmoid(a)))).backward()
    print(f"{r:>8g} {kl_gradient(rho, torch.tensor([r]), beta).item():>12.4g} {a.grad[0, 0].item():>20.3e} "
          f"{beta * (r - rho) / n:>11.3e}")

# %% [markdown]
# ## Gradient-check the whole network
#
# The same check for every weight and bias of a small autoencoder, with the full loss
# (reconstruction + β·KL): `gradcheck` compares autograd with finite differences for each parameter.

# %%
# NBVAL_CHECK_OUTPUT
tiny = SparseAutoencoder(SAEConfig(input_dim=10, hidden_dims=(), latent_dim=4)).double()
x_small = torch.rand(8, 10, dtype=torch.float64)
names, params = zip(*[(k, v.detach().clone().requires_grad_()) for k, v in tiny.named_parameters()])


def whole_loss(*values):
    """Reconstruction MSE + β·KL as a function of every parameter (for gradcheck)."""
    x_hat, z = torch.func.functional_call(tiny, dict(zip(names, values)), (x_small,))
    return F.mse_loss(x_hat, x_small) + beta * kl_divergence(rho, mean_activation(z))


print(f"{sum(p.numel() for p in params)} parameters; gradcheck:", torch.autograd.gradcheck(whole_loss, params))

# %% [markdown]
# ## Why ρ̂ is clamped, and what the clamp does not do
#
# A unit that never fires in a batch has ρ̂ⱼ = 0 exactly (a ReLU unit can, and a sigmoid's output
# can underflow to 0 in float32), and one that saturates has ρ̂ⱼ = 1. Then log ρ̂ⱼ or log(1−ρ̂ⱼ) is
# −∞, the loss is inf, the gradient NaN, and one bad batch ruins the whole model. `sae_lib` clamps ρ̂
# into [10⁻⁶, 1 − 10⁻⁶] first, so the penalty stays finite. But look at the gradient:

# %%
# NBVAL_CHECK_OUTPUT
q = torch.tensor([0.0, 1e-7, 1e-3, 1.0], dtype=torch.float64, requires_grad=True)
with torch.no_grad():
    naive = rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))
print("unclamped KL per unit:", naive)
clamped = kl_divergence(rho, q)
clamped.backward()
print(f"clamped KL: {clamped.item():.4f} (finite)")
print("its gradient per unit:", q.grad)

# %% [markdown]
# Outside [10⁻⁶, 1 − 10⁻⁶], `clamp` passes **zero gradient**: the clamp prevents NaNs, it does not
# push a silent unit back. What keeps a sigmoid unit recoverable is the bounded push of the previous
# section, β(ρ̂ − ρ)/n per input, which lasts as long as ρ̂ stays above 10⁻⁶, i.e. while its
# pre-activation stays above about log(10⁻⁶) ≈ −13.8. Below that, nothing from the penalty reaches it:

# %%
# NBVAL_CHECK_OUTPUT
for pre in [-5.0, -10.0, -13.0, -15.0]:
    a = torch.full((n, 1), pre, dtype=torch.float64, requires_grad=True)
    (beta * kl_divergence(rho, mean_activation(torch.sigmoid(a)))).backward()
    print(f"pre-activation {pre:6}: ρ̂ = {torch.sigmoid(torch.tensor(pre)).item():.1e}, "
          f"penalty's push per input = {a.grad[0, 0].item():.2e}")
assert torch.sigmoid(torch.tensor(-15.0, dtype=torch.float64)) < EPS

# %% [markdown]
# A sigmoid unit has to be pushed a long way to get there. A **ReLU**
# unit that outputs 0 on every input is different: its slope is 0 there, so no gradient, from the
# penalty or the reconstruction, ever reaches its weights. Modern SAEs, which use ReLU codes, have to
# find such dead units (notebook 06) and re-initialise them (notebook 08).
#
# ## The loophole: KL constrains only the mean
#
# ρ̂ is an average, so the penalty cannot tell *how* a unit reaches it. Two codes for 1,000 inputs,
# both with ρ̂ = 0.05 and therefore both with zero penalty:

# %%
# NBVAL_CHECK_OUTPUT
on_off = torch.zeros(1000, 1, dtype=torch.float64)
on_off[:50] = 1.0  # fully on for 5 % of inputs, off otherwise
constant = torch.full((1000, 1), 0.05, dtype=torch.float64)  # a little on for every input
for name, code in [("on for 5 % of inputs", on_off), ("0.05 on every input", constant)]:
    print(f"{name:22}: ρ̂ = {mean_activation(code).item():.3f}, "
          f"KL = {round(kl_divergence(0.05, mean_activation(code)).item(), 6) + 0.0:.4f}")

# %% [markdown]
# Only the first is sparse in the sense we wanted. Which one does training find? Train three small
# models (784 → 64 → 784, sigmoid codes, 800 Adam steps each on MNIST): no penalty, an L1 penalty
# on the codes, and the KL penalty with ρ = 0.05, and look at all their activations on test digits.

# %%
data = sae_lib.load_mnist()
device = sae_lib.default_device()
small = SAEConfig(hidden_dims=(), latent_dim=64)
configs = {"no penalty": TrainConfig(penalty="none", steps=800),
           "L1 (λ = 3e-3)": TrainConfig(penalty="l1", l1_lambda=3e-3, steps=800),
           "KL (ρ = 0.05, β = 0.03)": TrainConfig(penalty="kl", rho=0.05, beta=0.03, steps=800)}
codes = {}
for name, config in configs.items():
    model, _ = sae_lib.train(data.train_images, None, small, config, device=device, progress=False)
    codes[name] = sae_lib.reconstruct(model, data.test_images)[1].cpu()

bands = {name: {"off (< 0.01)": (z < 0.01).float().mean().item(),
                "near ρ (0.01–0.1)": ((z >= 0.01) & (z < 0.1)).float().mean().item(),
                "on (> 0.5)": (z > 0.5).float().mean().item(),
                "ρ̂": z.mean().item()} for name, z in codes.items()}
bins = torch.logspace(-6, 0, 61).numpy()  # log-spaced: "off" (≪ ρ), "near ρ" and "on" get room of their own
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))  # each panel its own count scale
for ax, (name, z) in zip(axes, codes.items()):
    ax.hist(z.flatten().clamp_min(1e-6).numpy(), bins=bins, color="tab:blue")
    ax.axvline(0.05, color="tab:red", linestyle="--", label="ρ = 0.05")
    ax.set(xscale="log", xlabel="activation (log scale; < 1e-6 shown at 1e-6)",
           title=f"{name}\nmean ρ̂ = {bands[name]['ρ̂']:.3f}")
axes[0].set(ylabel="count")
axes[0].legend(loc="upper left")
plt.show()
for name, b in bands.items():
    print(f"{name:24} " + "  ".join(f"{k} {v:.0%}" if k != "ρ̂" else f"ρ̂ {v:.3f}" for k, v in b.items()))

# %% [markdown]
# Without a penalty most activations sit near 1: a dense code. L1 drives most of them far below
# 0.01, i.e. off. The KL model meets its target mean, but a large share of its activations hover in
# the band around ρ instead of being off: exactly the loophole. The KL penalty makes the *average*
# small; it does not, by itself, make each unit either on or off. (That is one reason modern SAEs use
# ReLU codes with L1 or an explicit L0 count, notebooks 06 and 09.)

# %%
kl_name, l1_name = "KL (ρ = 0.05, β = 0.03)", "L1 (λ = 3e-3)"
assert abs(bands[kl_name]["ρ̂"] - 0.05) <= 0.25 * 0.05, "the KL model should meet its target mean"
assert bands["no penalty"]["ρ̂"] > 0.3, "without a penalty the code should be dense"
assert bands[kl_name]["near ρ (0.01–0.1)"] > 3 * bands[l1_name]["near ρ (0.01–0.1)"], "KL leaves many activations near ρ"
assert bands[l1_name]["off (< 0.01)"] > bands[kl_name]["off (< 0.01)"], "L1 switches more activations off"

# %% [markdown]
# ## Try it: move ρ
#
# Drag the slider: the curve's minimum follows ρ. For every ρ below 0.5 the curve is steeper just
# below ρ than just above it, and it climbs to a wall at each end.

# %%
# NBVAL_IGNORE_OUTPUT
widgets.kl_curve_widget(rho=0.05)

# %% [markdown]
# ## Summary
#
# * A sparse code keeps each unit's mean activation ρ̂ⱼ (the batch mean of its outputs) near a small ρ.
# * The Bernoulli KL, ρ log(ρ/ρ̂) + (1−ρ) log((1−ρ)/(1−ρ̂)), is 0 at ρ̂ = ρ and grows towards 0 and 1;
#   near a small ρ it charges a too-quiet unit more than a too-busy one.
# * `F.kl_div` gives the same number only with log-probabilities of both outcomes and `reduction="sum"`.
# * Its gradient is β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂)); through the sigmoid it becomes UFLDL's δ term, bounded at
#   β(ρ̂ − ρ)/n per input for a constant unit. Autograd and finite differences agree, network-wide.
# * Clamping ρ̂ keeps the loss finite but passes no gradient outside [10⁻⁶, 1 − 10⁻⁶].
# * KL constrains the mean only: a unit can meet ρ by hovering near it on every input.
#
# Next, **02 · The model** builds the autoencoder whose codes this penalty will shape.
