"""Checkers and questions of notebook 05: latent visualisation."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..metrics import dead_fraction
from ._checking import PREDICTIONS, _codes, _compare

PREDICTIONS.update({
    "switching off a digit's strongest unit": (  # notebook 05
        "part", ("all", "part", "nothing"),
        "A digit is spread over dozens of active units: switching off the strongest removes a piece of one "
        "stroke, and the digit stays readable."),
})


__all__ = ["check_class_means", "check_dead_fraction", "check_top_digits"]


def check_dead_fraction(fn: Callable) -> None:
    """fn(z, threshold) → fraction of units never above the threshold on any input."""
    return _compare("dead units", fn, dead_fraction, [(_codes(10), 0.5), (_codes(11), 0.97), (_codes(12) * 0, 0.1)],
                   "A unit is dead when |z| ≤ threshold in every row; return the fraction of such columns.")


def check_top_digits(fn: Callable) -> None:
    """fn(z, unit, k) → indices of the k inputs with the largest activation of `unit`, largest first."""
    return _compare("top-activating inputs", fn, lambda z, unit, k: z[:, unit].topk(k).indices,
                    [(_codes(17), 3, 5), (_codes(18, n=30, units=5), 0, 1)],
                    "Take column `unit` of z and use .topk(k).indices (or argsort(descending=True)[:k]).")


def check_class_means(fn: Callable) -> None:
    """fn(z, labels) → [n_classes, units] average code of each class (classes 0 … max label)."""
    def reference(z, labels):
        return torch.stack([z[labels == c].mean(dim=0) for c in range(int(labels.max()) + 1)])

    labels = torch.arange(50) % 5
    return _compare("average code per class", fn, reference, [(_codes(13), labels), (_codes(14), labels.flip(0))],
                   "Select the rows of each class with a boolean mask and average them.")
