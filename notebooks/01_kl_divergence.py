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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/01_kl_divergence.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/01_kl_divergence.ipynb)
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
# Here P is the target unit (on with probability ρ) and Q is unit j as it behaves (on with probability
# ρ̂ⱼ). The sparsity penalty sums KL(ρ‖ρ̂ⱼ) over the units and is weighted by β in the loss.
#
# ### Exercise 1: derive the penalty for one unit
#
# A Bernoulli variable has two outcomes, s = on and s = off. Work out, on paper, what P(s) and Q(s)
# are for each outcome, write the sum out, and complete `my_kl(rho, rho_hat)` so that it returns
# Σⱼ KL(ρ‖ρ̂ⱼ) for a 1-D tensor `rho_hat` (one mean activation per unit). The checker compares it with
# `sae_lib` on several cases and prints PASS or a hint that names the mistake.

# %%
# NBVAL_CHECK_OUTPUT
def my_kl(rho, rho_hat):
    raise NotImplementedError  # your code here


exercises.check_kl(my_kl)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_kl(rho, rho_hat):
    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()


exercises.check_kl(my_kl)

# %% [markdown]
# ### Two facts about the penalty
#
# Whatever form your `my_kl` took, the penalty for one unit has two log-ratios, one per outcome. Two
# facts make it a good penalty:
#
# * it is **0 exactly when ρ̂ⱼ = ρ** (both log-ratios are log 1), and positive otherwise (Gibbs'
#   inequality);
# * it **grows without bound** as ρ̂ⱼ → 0 or 1, because each log-ratio has a ρ̂ⱼ or a 1−ρ̂ⱼ in its
#   denominator.

# %% [markdown]
# ### Predict first
#
# Take ρ = 0.05. One unit is too quiet by 0.025 (ρ̂ = 0.025), another too busy by the same 0.025
# (ρ̂ = 0.075). Which one does the penalty charge more? Answer `"0.025"`, `"0.075"` or `"same"`, then
# run the cell.

# %%
# NBVAL_CHECK_OUTPUT
answer = None  # your prediction: "0.025", "0.075" or "same"
exercises.check_prediction("which costs more at ρ = 0.05", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
answer = "0.025"
exercises.check_prediction("which costs more at ρ = 0.05", answer)

# %% [markdown]
# The table compares the two sides of ρ twice: at the same *distance* from ρ, and at the same
# *ratio* (twice too quiet against twice too busy), and then goes further out on each side.

# %%
# NBVAL_CHECK_OUTPUT
rho = 0.05
for q in [0.001, 0.005, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.9]:
    print(f"KL(0.05 || {q:5}) = {round(kl(rho, q), 4) + 0.0:.4f}")
print(f"same distance 0.025: too quiet {kl(rho, 0.025):.4f} > too busy {kl(rho, 0.075):.4f}")
print(f"same ratio 2×:       too quiet {kl(rho, 0.025):.4f} < too busy {kl(rho, 0.1):.4f}")
print(f"5× too busy (0.25) costs {kl(rho, 0.25) / kl(rho, 0.005):.1f}× as much as 10× too quiet (0.005)")

# %% [markdown]
# So near a small ρ the penalty is **lopsided, and which side costs more depends on how you measure
# the miss**. At the same distance from ρ a too-quiet unit costs more: below ρ the −ρ/ρ̂ term of the
# slope gets steeper as ρ̂ falls, while above ρ the curve starts flatter. Measured as a ratio the order flips:
# twice too quiet costs *less* than twice too busy, because "twice too busy" is twice as far from ρ.
# And the wall towards 0 is low, because log ρ̂ falls only slowly: ten times too quiet costs less
# than five times too busy, and the cost of being too busy keeps climbing all the way to ρ̂ = 1. The
# folded cell below checks these sentences for several targets below 0.5.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the lopsided costs hold for ρ = 0.02, 0.05 and 0.2, at every distance up to ρ itself.
for target in [0.02, 0.05, 0.2]:
    for d in torch.linspace(0.01, 0.99, 50).mul(target).tolist():  # every distance up to ρ itself
        assert kl(target, target - d) > kl(target, target + d), "same distance: below ρ costs more"
    assert kl(target, target / 2) < kl(target, 2 * target), "same ratio: twice too quiet costs less"
assert kl(0.05, 0.25) > 2 * kl(0.05, 0.005), "5× too busy costs more than twice 10× too quiet"
assert kl(0.05, 0.9) > kl(0.05, 0.001), "near 1 the penalty is far above anything near 0"

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

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: only reduction="sum" over both outcomes gives the Bernoulli KL.
values = list(results.values())
assert torch.isclose(values[1], values[0]) and not torch.isclose(values[2], values[0])
assert not torch.isclose(values[3], values[0])

# %% [markdown]
# ## What the penalty looks like
#
# The lesson lives near ρ and at small ρ̂, so the left panel puts both axes on a log scale: every
# decade of ρ̂ from 10⁻⁴ to 1 gets the same room, the penalty's dip to zero at ρ̂ = ρ shows for every
# target, and so does how slowly it grows towards 0 and how fast towards 1. The right
# panel zooms in around ρ = 0.05 on a linear axis, marks the two comparisons of the table above, and
# adds the two classic penalties on a single activation: L1 (|ρ̂|, a straight line) and L2 (ρ̂², a
# parabola). Both of those only push down; the KL pulls ρ̂ towards ρ from *both* sides.

# %%
PALETTE = {0.02: "#0072B2", 0.05: "#E69F00", 0.2: "#009E73", 0.5: "#CC79A7"}  # Okabe–Ito: colour-blind safe
q = torch.logspace(-4, torch.log10(torch.tensor(0.999)).item(), 300, dtype=torch.float64)
fig, (ax_kl, ax_zoom) = plt.subplots(1, 2, figsize=(12, 3.8))
for target in [0.02, 0.05, 0.2, 0.5]:
    ax_kl.plot(q, [kl(target, v) for v in q.tolist()], label=f"ρ = {target}", color=PALETTE[target])
ax_kl.set(xscale="log", yscale="log", xlabel="mean activation ρ̂ (log scale)", ylabel="KL(ρ ‖ ρ̂) (log scale)",
          ylim=(1e-4, 10), title="KL penalty for several targets: zero at ρ̂ = ρ")
ax_kl.legend(loc="lower left")
near = torch.linspace(0.001, 0.2, 200, dtype=torch.float64)
ax_zoom.plot(near, [kl(0.05, v) for v in near.tolist()], color=PALETTE[0.05], label="KL(0.05 ‖ ρ̂)")
ax_zoom.plot(near, near, color="gray", linestyle="--", label="L1: |ρ̂|")
ax_zoom.plot(near, near**2, color="gray", linestyle=":", label="L2: ρ̂²")
for v, marker, what in [(0.025, "o", "0.025: 2× too quiet"), (0.075, "s", "0.075: same distance above"),
                        (0.1, "^", "0.1: 2× too busy")]:
    ax_zoom.plot(v, kl(0.05, v), marker, color="black", label=f"ρ̂ = {what}")
ax_zoom.axvline(0.05, color="black", linewidth=0.8, linestyle="-.", label="ρ = 0.05")
ax_zoom.set(xlabel="mean activation ρ̂", ylabel="penalty", xlim=(0, 0.2), ylim=(0, 0.1),
            title="Zoom near ρ = 0.05 (dash-dotted line)")
ax_zoom.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The gradient
#
# Training needs ∂/∂ρ̂ⱼ of β·KL(ρ‖ρ̂ⱼ). Before working it out, read its sign off the curves above.
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
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
answer = "positive"
exercises.check_prediction("sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ", answer)

# %% [markdown]
# ### Exercise 2: derive the gradient
#
# Now work it out on paper. Expand the logarithms of KL(ρ‖ρ̂ⱼ) so that each term holds ρ̂ⱼ at most
# once, drop the terms without ρ̂ⱼ, and use d/dq log q = 1/q and d/dq log(1−q) = −1/(1−q). Then
# complete `my_kl_gradient(rho, rho_hat, beta)` to return the vector of ∂(β·KL)/∂ρ̂ⱼ, one entry
# per unit.

# %%
# NBVAL_CHECK_OUTPUT
def my_kl_gradient(rho, rho_hat, beta):
    raise NotImplementedError  # your code here


exercises.check_kl_gradient(my_kl_gradient)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_kl_gradient(rho, rho_hat, beta):
    return beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat))


exercises.check_kl_gradient(my_kl_gradient)

# %% [markdown]
# ### The derivation, checked two ways
#
# On a PASS the checker prints the derivative written out. `sae_lib.penalties.kl_gradient` is the
# library's version of it: negative below ρ (raise the activation), zero at ρ (the −5.55e-19 printed
# below is rounding error), positive above (lower it). Let us check it two independent ways, in
# float64: against autograd, and against central finite differences (f(q+h) − f(q−h)) / 2h, whose
# error shrinks like h².

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

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the δ term by hand is autograd's, to rounding error.
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
    # 3 significant figures: at ρ̂ = 0.01 the exact value is −1.5625e-06, and float rounding would tip a
    # fourth digit to either side of the tie
    print(f"{r:>8g} {kl_gradient(rho, torch.tensor([r]), beta).item():>12.4g} {a.grad[0, 0].item():>20.2e} "
          f"{beta * (r - rho) / n:>11.2e}")

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

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: a pre-activation of −15 puts ρ̂ below the clamp.
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
# λ · mean‖z‖₁ with λ = 10⁻³, and the KL penalty with ρ = 0.05 and β = 0.03. The loophole belongs to
# each unit, so a histogram pooled over all units cannot show it; instead, split each unit's test
# digits into four bands: off (below 0.01), near ρ (0.01 to 0.1), moderate (0.1 to 0.5) and on (above
# 0.5). A unit that is truly on/off at ρ = 0.05 would be a bar 95 % "off" and 5 % "on".

# %%
data = sae_lib.load_mnist()
device = sae_lib.default_device()
small = SAEConfig(hidden_dims=(), latent_dim=64)
configs = {"no penalty": TrainConfig(penalty="none", steps=800),
           "L1 (λ = 1e-3)": TrainConfig(penalty="l1", l1_lambda=1e-3, steps=800),
           "KL (ρ = 0.05, β = 0.03)": TrainConfig(penalty="kl", rho=0.05, beta=0.03, steps=800)}
bands = (0.0, 0.01, 0.1, 0.5, 1.01)  # off, near ρ, moderate, on (1.01 so that 1.0 counts as on)
band_names = ["off (< 0.01)", "near ρ (0.01–0.1)", "moderate (0.1–0.5)", "on (> 0.5)"]
shares, scores = {}, {}
for name, config in configs.items():
    model, _ = sae_lib.train(data.train_images, None, small, config, device=device, progress=False)
    shares[name] = sae_lib.metrics.band_shares(sae_lib.reconstruct(model, data.test_images)[1].cpu(), bands)
    scores[name] = sae_lib.evaluate(model, data.test_images, rho=0.05)

fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, (name, share) in zip(axes, shares.items()):
    order = share[1].argsort(descending=True)  # units that spend most digits near ρ first
    tops = share[:, order].cumsum(dim=0).numpy()  # stacked bars, one column per unit, drawn as four filled outlines
    for top, bottom, label, colour in zip(tops, [0 * tops[0], *tops[:-1]], band_names,
                                          ["0.85", "#E69F00", "#56B4E9", "#0072B2"]):  # Okabe–Ito
        ax.stairs(top, [j - 0.5 for j in range(len(top) + 1)], baseline=bottom, fill=True, color=colour, label=label)
    ax.set(xlabel="unit (sorted by share of digits near ρ)", xlim=(-0.5, share.shape[1] - 0.5), ylim=(0, 1),
           title=f"{name}\ntest MSE {scores[name]['test_mse']:.4f}, mean ρ̂ {scores[name]['mean_rho_hat']:.3f}")
axes[0].set(ylabel="share of test digits")
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=4, bbox_to_anchor=(0.5, -0.07))
fig.tight_layout()
plt.show()
print(f"{'':24} {'test MSE':>8} {'var. expl.':>10} {'ρ̂':>6} {'dead units':>10}   median unit's share of digits "
      "off / near ρ / moderate / on")
for name, share in shares.items():
    m = scores[name]
    print(f"{name:24} {m['test_mse']:>8.4f} {m['variance_explained']:>10.3f} {m['mean_rho_hat']:>6.3f} "
          f"{m['dead_fraction']:>10.0%}   " + " / ".join(f"{v:.0%}" for v in share.median(dim=1).values))
kl_near = shares["KL (ρ = 0.05, β = 0.03)"][1]
print(f"KL model: the median unit spends {kl_near.median().item():.0%} of test digits near ρ; "
      f"units range from {kl_near.min().item():.0%} to {kl_near.max().item():.0%}")
print("(dead units: never above the activity threshold 0.1 on any test digit)")

# %% [markdown]
# Without a penalty most units are on (above 0.5) for every single digit: a dense code. The KL model
# meets its target mean, and its bars show how: no unit is on/off. The median unit spends the share of
# digits near ρ printed under the table and is fully on for only a few: the loophole, unit by unit.
# L1 takes another route. It switches whole units off (the columns that are almost all "off"; the
# table counts a unit as dead when it never exceeds 0.1 on a test digit), and the units it keeps are
# almost never off. So L1's code has more zeros, but they come from dead units, not from units that
# fire for a few digits. Nor is that the price of a stronger penalty: λ was picked so that the L1 model
# reconstructs at least as well as the KL model, and it does better (the table's test MSE). Neither
# penalty, on its own, makes each unit either on or off; modern SAEs use ReLU codes with an L1 or an
# explicit L0 penalty and revive dead units (notebooks 06, 08 and 09). These are one seed per model;
# the folded cell checks every sentence of this paragraph on two more seeds.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the paragraph above holds on this run and on seeds 0-2 of scripts/sweep_sparsity.py (shipped).
sweep = sae_lib.checkpoint.load_json_asset("sparsity_sweeps.json")  # checksum-verified
runs = {(r["model"], r["seed"]): r for r in sweep["penalties"]}
kl_name, l1_name = "KL (ρ = 0.05, β = 0.03)", "L1 (λ = 1e-3)"
live = {name: {"test_mse": scores[name]["test_mse"], "rho_hat": scores[name]["mean_rho_hat"],
               "dead_fraction": scores[name]["dead_fraction"], "pooled_shares": share.mean(dim=1).tolist(),
               "median_unit_shares": share.median(dim=1).values.tolist()} for name, share in shares.items()}
for seed, run in [("live", live)] + [(s, {n: runs[(n, s)] for n in configs}) for s in sweep["seeds"]]:
    kl_run, l1_run = run[kl_name], run[l1_name]
    assert run["no penalty"]["rho_hat"] > 0.3, f"seed {seed}: without a penalty the code should be dense"
    assert run["no penalty"]["median_unit_shares"][3] > 0.9, f"seed {seed}: most units on for (nearly) every digit"
    assert abs(kl_run["rho_hat"] - 0.05) <= 0.25 * 0.05, f"seed {seed}: the KL model meets its target mean"
    assert kl_run["median_unit_shares"][1] > 0.25, f"seed {seed}: the median KL unit hovers near ρ on > 25 % of digits"
    assert kl_run["median_unit_shares"][3] < 0.05, f"seed {seed}: … and is fully on for fewer than ρ's 5 %"
    assert kl_run["dead_fraction"] == 0 and l1_run["dead_fraction"] > 0.3, f"seed {seed}: L1 switches whole units off"
    assert l1_run["pooled_shares"][0] > kl_run["pooled_shares"][0], f"seed {seed}: L1's code has more zeros"
    assert l1_run["test_mse"] < kl_run["test_mse"], f"seed {seed}: … while it reconstructs better than KL"
kept = shares[l1_name][:, shares[l1_name][0] < 0.5]  # the L1 units that are not off on most digits
assert kept.shape[1] < 0.7 * 64 and kept[0].median() < 0.2, "the units L1 keeps are almost never off"
print(f"checked on the live run and on seeds {sweep['seeds']} (trained in {sweep['seconds']} s by `{sweep['made_by']}`)")

# %% [markdown]
# ## Try it: move ρ
#
# Drag the slider: the curve's minimum follows ρ, and it rises towards both ends. For every ρ below
# 0.5 the curve is steeper just below ρ than just above it, and climbs far higher towards 1 than
# towards 0 (on this linear axis the rise towards 0 is squeezed into the first few pixels: the
# log-axis panel above shows it); for ρ above 0.5 the picture mirrors.

# %%
# NBVAL_IGNORE_OUTPUT
widgets.kl_curve_widget(rho=0.05)

# %% [markdown]
# ## Summary
#
# * A sparse code keeps each unit's mean activation ρ̂ⱼ (the batch mean of its outputs) near a small ρ.
# * The Bernoulli KL, one log-ratio per outcome (on, off), is 0 at ρ̂ = ρ and grows towards 0 and 1;
#   near a small ρ it charges a too-quiet unit more than a too-busy one *at the same distance* from ρ,
#   but less at the same ratio (twice too quiet costs less than twice too busy), and far less than a
#   unit heading for 1.
# * `F.kl_div` gives the same number only with log-probabilities of both outcomes and `reduction="sum"`.
# * Its gradient is β(−ρ/ρ̂ + (1−ρ)/(1−ρ̂)); through the sigmoid it becomes UFLDL's δ term, bounded at
#   β(ρ̂ − ρ)/n per input for a constant unit. Autograd and finite differences agree, network-wide.
# * Clamping ρ̂ keeps the loss finite but passes no gradient outside [10⁻⁶, 1 − 10⁻⁶].
# * **The caveat: KL constrains the mean only.** Trained on MNIST, every unit meets ρ by hovering
#   near it on many inputs instead of switching on and off; L1 instead switches whole units off. A
#   met target ρ̂ = ρ does not make a code sparse: look at each unit, not at a pooled histogram.
#
# Next, **02 · The model** builds the autoencoder whose codes this penalty will shape.
