"""Checkers and questions of notebook 09: modern architectures."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..model import JumpReLUFunction, TopK
from ._checking import _compare

__all__ = ["check_jumprelu_threshold_gradient", "check_topk"]


def check_topk(fn: Callable) -> None:
    """fn(pre, k) → codes keeping each row's k largest pre-activations (ReLU'd) and zeros elsewhere."""
    g = torch.Generator().manual_seed(18)
    cases = [(torch.randn(5, 8, generator=g, dtype=torch.float64), 3),
             (torch.randn(4, 6, generator=g, dtype=torch.float64) - 1.0, 2),  # mostly negative: ReLU matters
             (torch.randn(3, 5, generator=g, dtype=torch.float64), 5)]
    return _compare("TopK activation", fn, lambda pre, k: TopK(k)(pre), cases,
                    "torch.topk(pre, k, dim=1) gives values and indices; "
                    "scatter the ReLU'd values into zeros_like(pre).")


def _threshold_gradient(pre: torch.Tensor, threshold: torch.Tensor, bandwidth: float,
                        grad_output: torch.Tensor) -> torch.Tensor:
    """The library's ∂L/∂θ for JumpReLU, through autograd."""
    theta = threshold.clone().requires_grad_(True)
    JumpReLUFunction.apply(pre, theta, bandwidth).backward(grad_output)
    return theta.grad


def check_jumprelu_threshold_gradient(fn: Callable) -> None:
    """fn(pre, threshold, bandwidth, grad_output) → ∂L/∂θ_j = Σ_b grad_output_bj · (−θ_j/ε) · K((pre_bj − θ_j)/ε)."""
    g = torch.Generator().manual_seed(19)
    cases = []
    for batch, units, eps in [(6, 3, 0.2), (10, 4, 0.5), (4, 2, 0.05)]:
        theta = torch.rand(units, generator=g, dtype=torch.float64) + 0.5
        pre = theta + (torch.rand(batch, units, generator=g, dtype=torch.float64) - 0.5) * 4 * eps
        cases.append((pre, theta, eps, torch.randn(batch, units, generator=g, dtype=torch.float64)))
    return _compare("JumpReLU threshold gradient", fn, _threshold_gradient, cases,
                    "K(u) = 1 when |u| < 1/2, else 0: only pre-activations within ε/2 of θ_j count. Multiply by the "
                    "upstream gradient and −θ_j/ε, then sum over the batch (dim=0).")
