"""Checkers and questions of notebook 01: the KL penalty and its gradient."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..penalties import kl_divergence, kl_gradient
from ._checking import PREDICTIONS, _compare

CASES_RHO = [(0.05, [0.05, 0.2, 0.01]), (0.1, [0.5, 0.9]), (0.3, [0.3, 0.31, 0.02, 0.7])]

PREDICTIONS.update({
    "which costs more at ρ = 0.05": (  # notebook 01
        "0.025", ("0.025", "0.075", "same"),
        "At the same distance from a small ρ the side below ρ is steeper: the slope −ρ/ρ̂ grows as ρ̂ falls, "
        "while just above ρ the curve rises gently. (Compare equal ratios instead and the order can flip.)"),
    "sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ": (  # notebook 01
        "positive", ("positive", "negative", "zero"),
        "Above ρ the (1−ρ)/(1−ρ̂) term wins: the gradient is positive, so descent lowers ρ̂."),
})


__all__ = ["check_kl", "check_kl_gradient"]


#: A stable form adds a small ε inside the logs (log(ρ̂ + 1e-7), or the library's clamp at 1e-6): ε ≤ 1e-6 moves
#: these cases' KL and gradient by < 1e-4 (relative; absolute < 1e-4 where the gradient is 0, at ρ̂ = ρ), while
#: dropping the (1−ρ) term, a mean for the sum, KL(ρ̂ ‖ ρ) or a forgotten β move them by 6 % or more.
RTOL, GRADIENT_ATOL = 1e-3, 1e-4


def check_kl(fn: Callable) -> None:
    """fn(rho, rho_hat) → Σ_j KL(ρ ‖ ρ̂_j) for a 1-D tensor rho_hat (an ε ≤ 1e-6 inside the logs is fine)."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64)) for rho, q in CASES_RHO]
    return _compare("KL divergence", fn, kl_divergence, cases,
                   "Sum ρ·log(ρ/ρ̂) + (1−ρ)·log((1−ρ)/(1−ρ̂)) over the units.", rtol=RTOL)


def check_kl_gradient(fn: Callable) -> None:
    """fn(rho, rho_hat, beta) → ∂(β·KL)/∂ρ̂_j for each unit (an ε ≤ 1e-6 in the denominators is fine)."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64), beta) for (rho, q), beta in zip(CASES_RHO, [1.0, 5e-3, 3.0])]
    return _compare("KL gradient", fn, kl_gradient, cases,
                   "Differentiate each term: d/dq [ρ log(ρ/q)] = −ρ/q and d/dq [(1−ρ) log((1−ρ)/(1−q))] = (1−ρ)/(1−q).",
                   rtol=RTOL, atol=GRADIENT_ATOL)
