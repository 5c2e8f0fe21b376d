"""Checkers and questions of notebook 05: latent visualisation."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..metrics import dead_fraction
from ._checking import PREDICTIONS, CheckResult, _codes, _compare

PREDICTIONS.update({
    "switching off a digit's strongest unit": (  # notebook 05
        "some", ("most", "some", "almost none"),
        "A digit's code has dozens of active units, and each adds a stroke-shaped piece: the strongest carries "
        "more than the others, a visible part of one stroke, but the rest still draw a readable digit."),
})


__all__ = ["check_class_means", "check_dead_fraction", "check_top_digits"]


def check_dead_fraction(fn: Callable) -> CheckResult:
    """fn(z, threshold) → fraction of units never above the threshold on any input."""
    return _compare("dead units", fn, dead_fraction, [(_codes(10), 0.5), (_codes(11), 0.97), (_codes(12) * 0, 0.1)],
                   "A unit is dead when |z| ≤ threshold in every row; return the fraction of such columns.")


def check_top_digits(fn: Callable) -> CheckResult:
    """fn(z, unit, k) → indices of the k inputs with the largest activation of `unit`, largest first."""
    return _compare("top-activating inputs", fn, lambda z, unit, k: z[:, unit].topk(k).indices,
                    [(_codes(17), 3, 5), (_codes(18, n=30, units=5), 0, 1)],
                    "Take column `unit` of z and find the positions of its k largest values, largest first.")


def check_class_means(fn: Callable) -> CheckResult:
    """fn(z, labels) → [10, units] average code of each digit class 0 … 9.

    The labels cover all ten digits, in shuffled orders and unequal numbers, so `range(10)` (what the figure
    above the exercise does) and `range(labels.max() + 1)` are both right, while a sum, a mean over the wrong
    axis or rows taken in label order are not.
    """
    def reference(z, labels):
        return torch.stack([z[labels == c].mean(dim=0) for c in range(10)])

    g = torch.Generator().manual_seed(19)
    uneven = torch.cat([torch.arange(10), torch.randint(0, 10, (50,), generator=g)])  # every digit, unevenly
    cases = [(_codes(13, n=60), uneven[torch.randperm(60, generator=g)]), (_codes(14, n=60), uneven.flip(0))]
    return _compare("average code per class", fn, reference, cases,
                   "For each digit c in 0 … 9, select the rows whose label is c with a boolean mask and average them "
                   "over the rows (dim=0).")
