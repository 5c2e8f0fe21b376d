"""Checkers and questions of notebook 04: testing."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..metrics import evaluate, l0, variance_explained
from ..model import SAEConfig
from ._checking import _codes, _compare, _number, _report, _short

__all__ = ["TUNE", "check_l0", "check_tuned_beta", "check_variance_explained"]


def check_variance_explained(fn: Callable) -> None:
    """fn(x, x_hat) → 1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d."""
    g = torch.Generator().manual_seed(6)
    x = torch.rand(40, 12, generator=g, dtype=torch.float64)
    cases = [(x, x * 0.9), (x, x + torch.rand(40, 12, generator=g, dtype=torch.float64) * 0.3), (x, x)]
    return _compare("variance explained", fn, variance_explained, cases,
                   "Take the variance of each pixel over the samples (dim=0), sum over pixels, for x − x̂ and for x.")


#: The tuning exercise of notebook 04: a one-layer 784 → 64 sigmoid SAE, 1,000 Adam steps, target ρ = 0.1.
TUNE = {"rho": 0.1, "latent_dim": 64, "steps": 1000, "rho_tolerance": 0.2, "min_variance_explained": 0.72}


def check_tuned_beta(beta: object, data: object, device: str | torch.device | None = None) -> None:
    """Train the notebook-04 model with the learner's β; PASS when ρ̂ is within 20 % of ρ = 0.1 and VE ≥ 0.72."""
    from ..training import TrainConfig, train  # imported here: only this checker trains

    name = "tune β for ρ = 0.1"
    if beta is None or beta is ...:
        return _report(name, False, "no answer yet: set beta to a number ≥ 0 (the sweep above is a good guide)")
    value = _number(beta)
    if value is None or not math.isfinite(value) or value < 0:
        return _report(name, False, f"beta must be a finite number ≥ 0, got {_short(beta)}")
    beta = value
    try:
        model, _ = train(data.train_images, None, SAEConfig(hidden_dims=(), latent_dim=TUNE["latent_dim"]),
                         TrainConfig(rho=TUNE["rho"], beta=beta, steps=TUNE["steps"]), device=device, progress=False)
    except FloatingPointError as error:  # a β so large that the run diverged is an answer to fix, not a crash
        return _report(name, False, f"β = {beta:g} made training fail ({error}): lower β")
    m = evaluate(model, data.test_images, rho=TUNE["rho"])
    found = f"β = {beta:g}: mean ρ̂ {m['mean_rho_hat']:.3f}, variance explained {m['variance_explained']:.3f}"
    if abs(m["mean_rho_hat"] - TUNE["rho"]) > TUNE["rho_tolerance"] * TUNE["rho"]:
        return _report(name, False, f"{found}; ρ̂ is more than 20 % from ρ = 0.1: raise β")
    if m["variance_explained"] < TUNE["min_variance_explained"]:
        return _report(name, False, f"{found}; variance explained is below 0.72: lower β")
    _report(name, True)
    print(f"      {found}")


def check_l0(fn: Callable) -> None:
    """fn(z, threshold) → mean number of units per input whose |z| exceeds the threshold."""
    return _compare("L0", fn, l0, [(_codes(7), 0.1), (_codes(8), 0.5), (_codes(9) - 0.5, 0.2)],
                   "Count units with |z| > threshold in each row, then average over rows.")
