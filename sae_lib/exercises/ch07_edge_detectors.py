"""Checkers and questions of notebook 07: edge detectors from natural images."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._checking import PREDICTIONS, _compare, check_prediction

PREDICTIONS.update({
    "without whitening": (  # notebook 07
        "b", ("a", "b", "c"),
        "Raw patches keep most of their variance in a few smooth, low-frequency directions, so the "
        "reconstruction loss is mostly about those. The fine directions where edges live hardly change the "
        "loss, so little trains them: the filters come out noisier and less oriented. The units do not die "
        "(the KL penalty only sets how often they fire), and no rescaling of the input undoes whitening, "
        "which treats each direction differently."),
})


__all__ = ["check_without_whitening", "check_zca"]


def check_zca(fn: Callable) -> None:
    """fn(x, epsilon) → ZCA-whitened x: U diag(1/√(λ + ε)) Uᵀ (x − mean), covariance xᵀx / n."""
    from ..data import zca_whiten

    g = torch.Generator().manual_seed(17)
    mixed = torch.randn(200, 5, generator=g, dtype=torch.float64) @ torch.randn(5, 5, generator=g, dtype=torch.float64)
    scales = torch.tensor([1.0, 4.0, 0.2], dtype=torch.float64)
    shifted = torch.rand(50, 3, generator=g, dtype=torch.float64) * scales + 2.0
    cases = [(mixed, 0.0), (mixed, 0.5), (shifted, 0.01)]
    return _compare("ZCA whitening", fn, zca_whiten, cases,
                   "Subtract each column's mean, take C = xᵀx / n (n, not n − 1), eigh(C) → λ, U, "
                   "then multiply by U diag(1/√(λ + ε)) Uᵀ.")


def check_without_whitening(answer: object) -> None:
    """The prediction question of notebook 07: what changes when the same SAE is trained on unwhitened patches?"""
    check_prediction("without whitening", answer)
