"""Checkers and questions of notebook 01: the KL penalty and its gradient."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..penalties import kl_divergence, kl_gradient
from ._checking import PREDICTIONS, CheckResult, _compare, _matches

CASES_RHO = [(0.05, [0.05, 0.2, 0.01]), (0.1, [0.5, 0.9]), (0.3, [0.3, 0.31, 0.02, 0.7])]

PREDICTIONS.update({
    "which costs more at ρ = 0.05": (  # notebook 01
        "0.025", ("0.025", "0.075", "same"),
        "At the same distance from a small ρ the side below ρ is steeper: the slope −ρ/ρ̂ grows as ρ̂ falls, "
        "while just above ρ the curve rises gently. (Compare equal ratios instead and the order can flip.)",
        {"0.075": "busy units are charged more in the end (towards ρ̂ = 1 the penalty has no bound), but this is "
                  "near ρ: compare how fast each log-ratio changes when ρ̂ moves the same small step below ρ "
                  "and above it",
         "same": "only a penalty symmetric about ρ, like (ρ̂ − ρ)², charges equal distances equally: is either "
                 "log-ratio symmetric about ρ?"}),
    "sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ": (  # notebook 01
        "positive", ("positive", "negative", "zero"),
        "Above ρ the (1−ρ)/(1−ρ̂) term wins: the gradient is positive, so descent lowers ρ̂.",
        {"negative": "a negative gradient makes descent *raise* ρ̂: would the penalty push a unit that is already "
                     "four times too busy to be busier?",
         "zero": "the gradient is zero where the curve is flat, at its minimum: where is the minimum of KL(ρ ‖ ρ̂)?"}),
})


__all__ = ["check_kl", "check_kl_gradient"]


#: A stable form adds a small ε inside the logs (log(ρ̂ + 1e-7), or the library's clamp at 1e-6): ε ≤ 1e-6 moves
#: these cases' KL and gradient by < 1e-4 (relative; absolute < 1e-4 where the gradient is 0, at ρ̂ = ρ), while
#: dropping the (1−ρ) term, a mean for the sum, KL(ρ̂ ‖ ρ) or a forgotten β move them by 6 % or more.
RTOL, GRADIENT_ATOL = 1e-3, 1e-4


def _kl_terms(rho: float, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The two terms of KL(ρ ‖ ρ̂_j), per unit."""
    return rho * torch.log(rho / q), (1 - rho) * torch.log((1 - rho) / (1 - q))


def _kl_mistake(rho: float, q: torch.Tensor, got: object) -> str | None:
    """The common mistake a wrong KL matches, in words, or None."""
    first, second = _kl_terms(rho, q)
    swapped = (q * torch.log(q / rho) + (1 - q) * torch.log((1 - q) / (1 - rho))).sum()
    mistakes = [(first.sum(), "only the first term, the 'on' outcome: the sum over outcomes has an 'off' term "
                               "too (a unit that fires too often must cost something)"),
                ((first + second).mean(), "that is the mean over units; the penalty sums them"),
                (swapped, "the arguments are swapped: it is KL(ρ ‖ ρ̂), with ρ the target, weighting the logs"),
                ((first + second).sum() / math.log(10), "log base 10: use the natural log (torch.log)"),
                ((first + second).sum() / math.log(2), "log base 2: use the natural log (torch.log)")]
    return next((why for value, why in mistakes if _matches(got, value, RTOL)), None)


def _gradient_mistake(rho: float, q: torch.Tensor, beta: float, got: object) -> str | None:
    """The common mistake a wrong KL gradient matches, in words, or None."""
    down, up = -rho / q, (1 - rho) / (1 - q)
    mistakes = [((down + up), "β is missing: the gradient of β·KL is β times the gradient of KL"),
                (-beta * (down + up), "the sign is flipped: the derivative of log(1/ρ̂) is −1/ρ̂"),
                (beta * down, "only the first term's derivative: the second term depends on ρ̂ too"),
                (beta * (down - up), "the second term's sign: d/dρ̂ of log(1/(1−ρ̂)) is +1/(1−ρ̂)")]
    return next((why for value, why in mistakes if _matches(got, value, RTOL, GRADIENT_ATOL)), None)


def check_kl(fn: Callable) -> CheckResult:
    """fn(rho, rho_hat) → Σ_j KL(ρ ‖ ρ̂_j) for a 1-D tensor rho_hat (an ε ≤ 1e-6 inside the logs is fine)."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64)) for rho, q in CASES_RHO]
    return _compare("KL divergence", fn, kl_divergence, cases,
                    "Write KL(P ‖ Q) = Σ_s P(s) log(P(s)/Q(s)) for one unit's two outcomes, on and off (P is the "
                    "target ρ, Q the unit's ρ̂_j), then add up the units.",
                    rtol=RTOL, diagnose=_kl_mistake)


#: Printed after a PASS of check_kl_gradient (not before: it is the exercise's answer).
GRADIENT_WRITTEN_OUT = ("Written out: β·KL = β[ρ log ρ − ρ log ρ̂_j + (1−ρ) log(1−ρ) − (1−ρ) log(1−ρ̂_j)]; the terms "
                        "without ρ̂_j vanish, so ∂(β·KL)/∂ρ̂_j = β(−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)).")


def check_kl_gradient(fn: Callable) -> CheckResult:
    """fn(rho, rho_hat, beta) → ∂(β·KL)/∂ρ̂_j for each unit (an ε ≤ 1e-6 in the denominators is fine)."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64), beta) for (rho, q), beta in zip(CASES_RHO, [1.0, 5e-3, 3.0])]
    result = _compare("KL gradient", fn, kl_gradient, cases,
                    "Differentiate each of the two terms with respect to ρ̂_j (the sum over units drops out: ρ̂_j "
                    "appears in one unit's terms only), then multiply by β.",
                    rtol=RTOL, atol=GRADIENT_ATOL, diagnose=_gradient_mistake)
    if result.passed:
        print(f"      {GRADIENT_WRITTEN_OUT}")
    return result
