"""Checkers and questions of notebook 06: dictionary learning."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._checking import PREDICTIONS, _compare

PREDICTIONS.update({
    "learned→true MMCS against true→learned": (  # notebook 06
        "lower", ("higher", "equal", "lower"),
        "True→learned gives each true atom the best of 256 learned atoms. Learned→true averages over all 256 "
        "learned atoms, each scored by its best true atom: copies of an atom already found score about 1 like the "
        "original and hold it up, so it is the learned atoms that match no true atom closely that pull it down."),
})


__all__ = ["check_mmcs", "check_unit_norm_columns"]


def check_mmcs(fn: Callable) -> None:
    """fn(true_atoms, learned_atoms) → mean over true atoms of the best cosine similarity (rows are atoms)."""
    from ..neural import mmcs

    g = torch.Generator().manual_seed(15)
    true = torch.randn(6, 5, generator=g, dtype=torch.float64)
    cases = [(true, true * 2), (true, torch.randn(9, 5, generator=g, dtype=torch.float64)), (true, -true)]
    return _compare("MMCS", fn, mmcs, cases,
                   "Normalise the rows of both, take all cosines true @ learned.T, max over learned atoms, "
                   "mean over true ones.")


def check_unit_norm_columns(fn: Callable) -> None:
    """fn(w) → w with every column rescaled to unit L2 norm."""
    g = torch.Generator().manual_seed(16)
    cases = [(torch.randn(5, 8, generator=g, dtype=torch.float64),),
             (torch.rand(3, 2, generator=g, dtype=torch.float64) * 9,)]
    return _compare("unit-norm columns", fn, lambda w: w / w.norm(dim=0, keepdim=True), cases,
                   "Divide each column by its own L2 norm: w.norm(dim=0, keepdim=True).")
