"""Checkers and questions of notebook 03: training.

`check_training_step` runs the learner's training step against the library's (`sae_lib.training.batch_losses`
and Adam) on copies of the same model and the same batches, for three steps in a row, and compares the
loss, the gradients the optimiser saw and the updated parameters, naming the first difference.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch
from torch import Tensor

from ..model import SAEConfig, SparseAutoencoder
from ..penalties import kl_divergence
from ..training import TrainConfig, batch_losses
from ._checking import PREDICTIONS, CheckResult, _compare, _matches, _number, _report, _short

PREDICTIONS.update({
    "why the 1e-3 run did not learn": (  # notebook 03
        "slow", ("slow", "stuck", "unstable"),
        "Every learning rate takes the same path: the error first falls to the mean image's (the decoder learns "
        "the average digit first; reconstructions that differ from digit to digit take longer), then leaves that "
        "plateau. The smaller the learning rate, the later it leaves: at 1e-3 the curve is still falling when the "
        "steps run out. Given five times the steps it learns (the cell below shows it).",
        {"stuck": "a stuck run would have flattened out by the end; look at the slope of the lr 1e-3 curves over "
                  "their last few hundred steps, and compare the path they follow with the other rates' paths",
         "unstable": "an unstable run jumps around or rises; the lr 1e-3 curves are the smoothest of the four, and "
                     "they are the *smallest* learning rate of the sweep"}),
})


__all__ = ["STEP_CASES", "check_steps", "check_training_step"]

#: The training-step check: a small model (float64, so only real differences show), Adam at lr 1e-2, and three
#: consecutive steps, each (ρ, β): a large β in one step makes a forgotten or misplaced β plain to see.
STEP_MODEL = SAEConfig(input_dim=20, hidden_dims=(12,), latent_dim=7)
STEP_LR = 1e-2
STEP_CASES = ((0.05, 5e-3), (0.05, 0.5), (0.1, 0.2))
#: A KL with ε ≤ 1e-6 inside its logs (as check_kl accepts) moves the loss and gradients by < 1e-5 (relative)
#: here; every mistake `_loss_mistake` names moves the loss by far more.
_RTOL = 1e-4


def check_steps(fn: Callable) -> CheckResult:
    """fn(n_images, batch_size, epochs) → optimiser steps taken (the last, smaller batch counts too)."""
    def diagnose(n: int, b: int, e: int, got: object) -> str | None:
        mistakes = {e * (n // b): "the last, smaller batch of each epoch is a step too",
                    math.ceil(e * n / b): "each epoch ends with its own smaller batch: count the steps of one epoch, "
                                          "then multiply"}
        return next((why for count, why in mistakes.items() if _matches(got, count)), None)

    cases = [(60_000, 128, 10), (4_000, 128, 10), (1_000, 100, 3)]
    return _compare("optimiser steps", fn, lambda n, b, e: e * math.ceil(n / b), cases,
                    "Count the batches of one epoch first.", diagnose=diagnose)


class _RecordingAdam(torch.optim.Adam):
    """Adam that counts its step() calls and keeps a copy of the gradients it stepped with."""

    def __init__(self, params, lr: float) -> None:
        super().__init__(params, lr=lr)
        self.calls = 0
        self.grads: list[Tensor | None] = []

    def step(self, closure=None):  # noqa: ANN001, ANN201 (torch's signature)
        self.calls += 1
        self.grads = [None if p.grad is None else p.grad.detach().clone()
                      for group in self.param_groups for p in group["params"]]
        return super().step(closure)


def _reference_step(model: SparseAutoencoder, optimizer: torch.optim.Optimizer, x: Tensor, rho: float,
                    beta: float) -> tuple[float, list[Tensor], dict[str, float]]:
    """The library's step: (loss, gradients, the loss's terms for diagnosing a wrong one)."""
    recon, kl = batch_losses(model, x, TrainConfig(rho=rho, beta=beta))
    total = recon + beta * kl
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    grads = [p.grad.detach().clone() for p in model.parameters()]
    optimizer.step()
    return total.item(), grads, {"recon": recon.item(), "kl": kl.item()}


def _loss_mistake(got: float, terms: dict[str, float], model: SparseAutoencoder, x: Tensor, rho: float,
                  beta: float) -> str:
    """Name the common mistake a wrong loss matches (terms at the weights before the step)."""
    recon, kl = terms["recon"], terms["kl"]
    with torch.no_grad():
        x_hat, z = model(x)
        sse = ((x_hat - x) ** 2).sum().item()
        n = x.shape[0]
        kl_mean = kl / z.shape[1]
        kl_rows = kl_divergence(rho, z.mean(dim=1).clamp(1e-6, 1 - 1e-6)).item()
    mistakes = [(recon, "that is the reconstruction term alone: add β·KL"),
                (recon + kl, "the KL term is not multiplied by β"),
                (beta * kl, "that is β·KL alone: add the reconstruction term"),
                (sse + beta * kl, "the reconstruction term is the mean squared error, not the sum"),
                (0.5 * sse / n + beta * kl, "that is UFLDL's ½‖x − x̂‖² averaged over the images; this course's "
                 "reconstruction term is the mean over all n·D pixel values, without the ½ (the loss above)"),
                (0.5 * sse + beta * kl, "that is ½ Σ (x − x̂)², UFLDL's per-image cost summed over the batch; this "
                 "course's reconstruction term is the mean over all n·D pixel values, without the ½"),
                (0.5 * recon + beta * kl, "the reconstruction term has a ½ too many: UFLDL's ½ goes with its sum "
                 "over pixels; this course takes the plain mean over all n·D values"),
                (recon + beta * kl_mean, "sum the KL over the units, do not average it"),
                (recon + beta * kl_rows, "ρ̂ is each unit's mean over the batch (dimension 0)")]
    return next((why for value, why in mistakes if math.isclose(got, value, rel_tol=_RTOL)), "compare it term by term")


def check_training_step(fn: Callable) -> CheckResult:
    """fn(model, optimizer, x, rho, beta) → the step's loss (MSE + β·Σ_j KL(ρ ‖ ρ̂_j)), after one Adam update.

    Three steps in a row on copies of the same model and the same batches, the learner's against the library's:
    the returned loss, the gradients at the learner's optimizer.step() and the parameters after it must agree.
    """
    name = "training step"
    if not callable(fn):
        return _report(name, False, f"expected a function, got {_short(fn)}")
    with torch.random.fork_rng():  # seeded for reproducible checks, without touching the notebook's random state
        torch.manual_seed(0)
        reference = SparseAutoencoder(STEP_MODEL).double()
    learner = copy.deepcopy(reference)
    ref_opt = torch.optim.Adam(reference.parameters(), lr=STEP_LR)
    my_opt = _RecordingAdam(learner.parameters(), lr=STEP_LR)
    names = [n for n, _ in learner.named_parameters()]
    generator = torch.Generator().manual_seed(1)
    previous: list[Tensor | None] = [None] * len(names)
    for step, (rho, beta) in enumerate(STEP_CASES, start=1):
        where = f"step {step} (rho={rho}, beta={beta})"
        x = torch.rand(32, STEP_MODEL.input_dim, generator=generator, dtype=torch.float64)
        before = [p.detach().clone() for p in learner.parameters()]
        calls = my_opt.calls
        try:
            got = fn(learner, my_opt, x.clone(), rho, beta)
        except NotImplementedError:
            return _report(name, False, "not implemented yet")
        except Exception as error:  # the learner's code may fail in any way: say how
            return _report(name, False, f"{where}: {type(error).__name__}: {error}")
        value = _number(got)  # read at once: a NumPy view of the loss's memory may not outlive the next step
        state = copy.deepcopy(reference.state_dict())
        expected, ref_grads, terms = _reference_step(reference, ref_opt, x, rho, beta)
        problem = _step_problem(got, value, expected, terms, state, x, rho, beta, learner, my_opt, calls, before,
                                ref_grads, previous, names, reference)
        if problem is not None:
            return _report(name, False, f"{where}: {problem}")
        previous = my_opt.grads
    return _report(name, True)


def _step_problem(got: object, value: float | None, expected: float, terms: dict[str, float], state: dict, x: Tensor,
                  rho: float,
                  beta: float, learner: SparseAutoencoder, optimizer: _RecordingAdam, calls: int, before: list[Tensor],
                  ref_grads: list[Tensor], previous: list[Tensor | None], names: list[str],
                  reference: SparseAutoencoder) -> str | None:
    """The first way the learner's step differs from the library's: loss, step() call, gradients, update."""
    if got is None:
        return "your function returned None: return the loss"
    if value is None:
        return f"return the loss as one number (a float or a one-element tensor), got {_short(got)}"
    if not math.isclose(value, expected, rel_tol=_RTOL, abs_tol=1e-12):
        frozen = SparseAutoencoder(STEP_MODEL).double()
        frozen.load_state_dict(state)
        why = _loss_mistake(value, terms, frozen, x, rho, beta)
        return f"the loss is {value:.6g}, expected {expected:.6g}: {why}"
    moved = any(not torch.equal(p.detach(), b) for p, b in zip(learner.parameters(), before))
    if optimizer.calls == calls and not moved:
        return "the parameters did not change: call optimizer.step()"
    if optimizer.calls == calls:
        return ("the parameters changed, but not through the optimizer you were given: use it (a new Adam every "
                "step starts its moments from zero)")
    if optimizer.calls > calls + 1:
        return f"optimizer.step() ran {optimizer.calls - calls} times: once per training step"
    for i, (mine, ref) in enumerate(zip(optimizer.grads, ref_grads)):
        if mine is None or not mine.abs().any():
            return (f"no gradient for {names[i]} when optimizer.step() ran: the order is optimizer.zero_grad(), "
                    f"loss.backward(), optimizer.step()")
        if not torch.allclose(mine, ref, rtol=_RTOL, atol=1e-9):
            if previous[i] is not None and torch.allclose(mine, ref + previous[i], rtol=_RTOL, atol=1e-9):
                return ("the gradients of the previous step were added to this one's: call optimizer.zero_grad() "
                        "before loss.backward()")
            return f"the gradient of {names[i]} differs: backpropagate the loss you return"
    for name, mine, ref in zip(names, learner.parameters(), reference.parameters()):
        if not torch.allclose(mine.detach(), ref.detach(), rtol=1e-6, atol=1e-3 * STEP_LR):
            return f"after the update {name} differs: one optimizer.step() after backward(), nothing else"
    return None
