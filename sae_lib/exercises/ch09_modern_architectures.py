"""Checkers and questions of notebook 09: modern architectures."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..model import JumpReLUFunction, TopK
from ._checking import CheckResult, _compare, _matches

__all__ = ["check_jumprelu_threshold_gradient", "check_topk"]


def _keep(pre: torch.Tensor, indices: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """Zeros shaped like `pre` with `values` scattered at `indices` along dim 1."""
    return torch.zeros_like(pre).scatter(1, indices, values)


def _topk_mistake(pre: torch.Tensor, k: int, got: object) -> str | None:
    """The common mistake a wrong TopK code matches, in words, or None."""
    top = pre.topk(k, dim=1)
    low = pre.topk(k, dim=1, largest=False)
    by_size = pre.abs().topk(k, dim=1)
    mistakes = [(_keep(pre, top.indices, top.values), "a kept value below 0 must become 0: the code is ReLU'd"),
                (_keep(pre, low.indices, low.values.relu()), "those are the k smallest pre-activations"),
                (_keep(pre, by_size.indices, pre.gather(1, by_size.indices).relu()),
                 "that ranks by size |pre|; TopK ranks by value, so a large negative one is not kept"),
                (torch.zeros_like(pre).scatter(1, top.indices, 1.0),
                 "the kept entries keep their values, not 1 (TopK is not a mask)")]
    if k <= min(pre.shape):
        column = pre.topk(k, dim=0)  # the k largest of each column: the wrong dimension
        mistakes.append((torch.zeros_like(pre).scatter(0, column.indices, column.values.relu()),
                         "that keeps the k largest of each latent over the batch: TopK works per input (per row)"))
    return next((why for value, why in mistakes if _matches(got, value)), None)


def check_topk(fn: Callable) -> CheckResult:
    """fn(pre, k) → codes keeping each row's k largest pre-activations (ReLU'd) and zeros elsewhere."""
    g = torch.Generator().manual_seed(18)
    cases = [(torch.randn(5, 8, generator=g, dtype=torch.float64), 3),
             (torch.randn(4, 6, generator=g, dtype=torch.float64) - 1.0, 2),  # mostly negative: ReLU matters
             (torch.randn(3, 5, generator=g, dtype=torch.float64), 5)]
    return _compare("TopK activation", fn, lambda pre, k: TopK(k)(pre), cases,
                    "Each row keeps its own k largest entries, ReLU'd, in their places; the rest are 0.",
                    diagnose=_topk_mistake)


def _threshold_gradient(pre: torch.Tensor, threshold: torch.Tensor, bandwidth: float,
                        grad_output: torch.Tensor) -> torch.Tensor:
    """The library's ∂L/∂θ for JumpReLU, through autograd."""
    theta = threshold.clone().requires_grad_(True)
    JumpReLUFunction.apply(pre, theta, bandwidth).backward(grad_output)
    return theta.grad


def _gradient_mistake(pre: torch.Tensor, threshold: torch.Tensor, bandwidth: float, grad_output: torch.Tensor,
                      got: object) -> str | None:
    """The common mistake a wrong threshold gradient matches, in words, or None."""
    u = (pre - threshold) / bandwidth
    window = (u.abs() < 0.5).to(pre.dtype)
    per_input = grad_output * window * (-threshold / bandwidth)
    mistakes = [(per_input.mean(dim=0), "that is the mean over the batch; the gradient sums over it"),
                (-per_input.sum(dim=0), "the sign is flipped: raising θ_j lowers the code, so the factor is −θ_j/ε"),
                ((window * (-threshold / bandwidth)).sum(dim=0), "the upstream gradient ∂L/∂z is missing"),
                ((grad_output * (u.abs() < 1).to(pre.dtype) * (-threshold / bandwidth)).sum(dim=0),
                 "the window is twice too wide: K counts |pre − θ| < ε/2, not < ε"),
                ((grad_output * window * (-1 / bandwidth)).sum(dim=0),
                 "that is the L0 penalty's gradient (−1/ε); the code's own has −θ_j/ε")]
    return next((why for value, why in mistakes if _matches(got, value)), None)


def check_jumprelu_threshold_gradient(fn: Callable) -> CheckResult:
    """fn(pre, threshold, bandwidth, grad_output) → ∂L/∂θ_j = Σ_b grad_output_bj · (−θ_j/ε) · K((pre_bj − θ_j)/ε)."""
    g = torch.Generator().manual_seed(19)
    cases = []
    for batch, units, eps in [(6, 3, 0.2), (10, 4, 0.5), (4, 2, 0.05)]:
        theta = torch.rand(units, generator=g, dtype=torch.float64) + 0.5
        pre = theta + (torch.rand(batch, units, generator=g, dtype=torch.float64) - 0.5) * 4 * eps
        cases.append((pre, theta, eps, torch.randn(batch, units, generator=g, dtype=torch.float64)))
    return _compare("JumpReLU threshold gradient", fn, _threshold_gradient, cases,
                    "Work from the straight-through estimate above, one input and one unit at a time, then "
                    "combine over the batch into one value per unit.", diagnose=_gradient_mistake)
