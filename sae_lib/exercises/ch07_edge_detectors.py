"""Checkers and questions of notebook 07: edge detectors from natural images."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..data import zca_whiten
from ._checking import PREDICTIONS, CheckResult, _compare, check_prediction

PREDICTIONS.update({
    "without whitening": (  # notebook 07
        "b", ("a", "b", "c"),
        "Raw patches keep most of their variance in a few smooth, low-frequency directions, so the "
        "reconstruction loss is mostly about those; the fine directions where sharp edges live hardly change it. "
        "The filters come out broader and less oriented, and stay so when the raw run gets its own best "
        "learning rate and β (the sweep below). The units do not die (the KL penalty only sets how often they "
        "fire), and no rescaling of the input undoes whitening, which treats each direction differently."),
})


__all__ = ["check_without_whitening", "check_zca"]


def _zca_over_n_minus_1(x: torch.Tensor, epsilon: float) -> torch.Tensor:
    """ZCA whitening with the covariance xᵀx / (n − 1): the library's, on x scaled by c = √(n/(n − 1)), over c."""
    c = math.sqrt(len(x) / (len(x) - 1))
    return zca_whiten(x * c, epsilon) / c


def check_zca(fn: Callable) -> CheckResult:
    """fn(x, epsilon) → ZCA-whitened x: U diag(1/√(λ + ε)) Uᵀ (x − mean), with the covariance over n or n − 1."""
    name, hint = "ZCA whitening", ("Follow the steps above: centre, find the covariance's eigenvectors and "
                                   "eigenvalues, scale each direction by 1/√(λ + ε), then rotate back (that last step "
                                   "makes it ZCA rather than PCA whitening). A covariance over n or n − 1 is fine.")
    g = torch.Generator().manual_seed(17)
    mixed = torch.randn(200, 5, generator=g, dtype=torch.float64) @ torch.randn(5, 5, generator=g, dtype=torch.float64)
    scales = torch.tensor([1.0, 4.0, 0.2], dtype=torch.float64)
    shifted = torch.rand(50, 3, generator=g, dtype=torch.float64) * scales + 2.0  # off-centre: centring matters
    # either covariance convention is right; with ε = 0 they differ by the factor √((n − 1)/n)
    return _compare(name, fn, zca_whiten, [(mixed, 0.0), (mixed, 0.5), (shifted, 0.01)], hint,
                    also_right=_zca_over_n_minus_1)


def check_without_whitening(answer: object) -> CheckResult:
    """The prediction question of notebook 07: what changes when the same SAE is trained on unwhitened patches?"""
    return check_prediction("without whitening", answer)
