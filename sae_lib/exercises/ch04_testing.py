"""Checkers and questions of notebook 04: testing."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..metrics import evaluate, l0, variance_explained
from ..model import SAEConfig
from ._checking import _codes, _compare, _number, _report, _short

__all__ = ["TUNE", "check_l0", "check_tuned_beta", "check_variance_explained", "report_tuned_beta_on_test"]


def check_variance_explained(fn: Callable) -> None:
    """fn(x, x_hat) → 1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d."""
    g = torch.Generator().manual_seed(6)
    x = torch.rand(40, 12, generator=g, dtype=torch.float64)
    cases = [(x, x * 0.9), (x, x + torch.rand(40, 12, generator=g, dtype=torch.float64) * 0.3), (x, x)]
    return _compare("variance explained", fn, variance_explained, cases,
                   "Take the variance of each pixel over the samples (dim=0), sum over pixels, for x − x̂ and for x.")


#: The tuning exercise of notebook 04: a one-layer 784 → 64 sigmoid SAE, 1,000 Adam steps, target ρ = 0.1, scored on
#: a validation split of `n_validation` images carved from the training images (the test set is not touched).
TUNE = {"rho": 0.1, "latent_dim": 64, "steps": 1000, "rho_tolerance": 0.2, "min_variance_explained": 0.72,
        "n_validation": 500}

#: The models check_tuned_beta trained, by (β, id of the data), so the one test-set report reuses the tuned model.
_TUNED: dict[tuple[float, int], object] = {}


def _tuning_beta(name: str, beta: object) -> float | None:
    """The learner's β as a float, or None after printing why it is not one."""
    if beta is None or beta is ...:
        _report(name, False, "no answer yet: set beta to a number ≥ 0 (the sweep above is a good guide)")
        return None
    value = _number(beta)
    if value is None or not math.isfinite(value) or value < 0:
        _report(name, False, f"beta must be a finite number ≥ 0, got {_short(beta)}")
        return None
    return value


def _tuned_model(beta: float, data: object, device: str | torch.device | None) -> object:
    """The exercise's model trained with β on the training images minus the validation split (cached)."""
    from ..data import validation_split  # imported here: only the tuning checkers need them
    from ..training import TrainConfig, train

    key = (beta, id(data))
    if key not in _TUNED:
        split = validation_split(data, TUNE["n_validation"])
        model, _ = train(split.train_images, None, SAEConfig(hidden_dims=(), latent_dim=TUNE["latent_dim"]),
                         TrainConfig(rho=TUNE["rho"], beta=beta, steps=TUNE["steps"]), device=device, progress=False)
        _TUNED.clear()  # keep one model: the learner's latest β
        _TUNED[key] = model
    return _TUNED[key]


def check_tuned_beta(beta: object, data: object, device: str | torch.device | None = None) -> None:
    """Train the notebook-04 model with the learner's β on the training images minus a validation split; PASS when,
    on that validation split, ρ̂ is within 20 % of ρ = 0.1 and the variance explained is ≥ 0.72."""
    from ..data import validation_split

    name = "tune β for ρ = 0.1 (scored on the validation split)"
    beta = _tuning_beta(name, beta)
    if beta is None:
        return None
    try:
        model = _tuned_model(beta, data, device)
    except FloatingPointError as error:  # a β so large that the run diverged is an answer to fix, not a crash
        return _report(name, False, f"β = {beta:g} made training fail ({error}): lower β")
    m = evaluate(model, validation_split(data, TUNE["n_validation"]).test_images, rho=TUNE["rho"])
    found = f"β = {beta:g}: validation mean ρ̂ {m['mean_rho_hat']:.3f}, variance explained {m['variance_explained']:.3f}"
    if abs(m["mean_rho_hat"] - TUNE["rho"]) > TUNE["rho_tolerance"] * TUNE["rho"]:
        side = "raise" if m["mean_rho_hat"] > TUNE["rho"] else "lower"
        return _report(name, False, f"{found}; ρ̂ is more than 20 % from ρ = 0.1: {side} β")
    if m["variance_explained"] < TUNE["min_variance_explained"]:
        return _report(name, False, f"{found}; variance explained is below 0.72: lower β")
    _report(name, True)
    print(f"      {found}")


def report_tuned_beta_on_test(beta: object, data: object, device: str | torch.device | None = None) -> None:
    """The tuned model's score on the test set, measured once after tuning (the model check_tuned_beta trained)."""
    name = "the tuned β on the test set"
    beta = _tuning_beta(name, beta)
    if beta is None:
        return None
    try:
        model = _tuned_model(beta, data, device)
    except FloatingPointError as error:
        return _report(name, False, f"β = {beta:g} made training fail ({error}): tune β first")
    m = evaluate(model, data.test_images, rho=TUNE["rho"])
    print(f"β = {beta:g} on the {len(data.test_images):,} test digits: mean ρ̂ {m['mean_rho_hat']:.3f} "
          f"(ρ = {TUNE['rho']:g}), variance explained {m['variance_explained']:.3f}")


def check_l0(fn: Callable) -> None:
    """fn(z, threshold) → mean number of units per input whose |z| exceeds the threshold."""
    return _compare("L0", fn, l0, [(_codes(7), 0.1), (_codes(8), 0.5), (_codes(9) - 0.5, 0.2)],
                   "Count units with |z| > threshold in each row, then average over rows.")
