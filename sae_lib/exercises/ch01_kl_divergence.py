"""Checkers and questions of notebook 01: the KL penalty and its gradient."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..penalties import kl_divergence, kl_gradient
from ._checking import PREDICTIONS, _compare

CASES_RHO = [(0.05, [0.05, 0.2, 0.01]), (0.1, [0.5, 0.9]), (0.3, [0.3, 0.31, 0.02, 0.7])]

PREDICTIONS.update({
    "which costs more at ρ = 0.05": (  # notebook 01
        "0.01", ("0.01", "0.1", "same"),
        "Close to a small ρ the curve is steep below ρ (log ρ̂ → −∞) and shallow above it."),
    "sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ": (  # notebook 01
        "positive", ("positive", "negative", "zero"),
        "Above ρ the (1−ρ)/(1−ρ̂) term wins: the gradient is positive, so descent lowers ρ̂."),
})


__all__ = ["check_kl", "check_kl_gradient"]


def check_kl(fn: Callable) -> None:
    """fn(rho, rho_hat) → Σ_j KL(ρ ‖ ρ̂_j) for a 1-D tensor rho_hat."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64)) for rho, q in CASES_RHO]
    return _compare("KL divergence", fn, kl_divergence, cases,
                   "Sum ρ·log(ρ/ρ̂) + (1−ρ)·log((1−ρ)/(1−ρ̂)) over the units.")


def check_kl_gradient(fn: Callable) -> None:
    """fn(rho, rho_hat, beta) → ∂(β·KL)/∂ρ̂_j for each unit."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64), beta) for (rho, q), beta in zip(CASES_RHO, [1.0, 5e-3, 3.0])]
    return _compare("KL gradient", fn, kl_gradient, cases,
                   "Differentiate each term: d/dq [ρ log(ρ/q)] = −ρ/q and d/dq [(1−ρ) log((1−ρ)/(1−q))] = (1−ρ)/(1−q).")
