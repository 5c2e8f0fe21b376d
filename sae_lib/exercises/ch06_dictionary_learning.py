"""Checkers and questions of notebook 06: dictionary learning."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._checking import PREDICTIONS, CheckResult, _compare, _matches

PREDICTIONS.update({
    "learned→true MMCS against true→learned": (  # notebook 06
        "lower", ("higher", "equal", "lower"),
        "True→learned gives each true atom the best of 256 learned atoms. Learned→true averages over all 256 "
        "learned atoms, each scored by its best true atom: copies of an atom already found score about 1 like the "
        "original and hold it up, so it is the learned atoms that match no true atom closely that pull it down.",
        {"higher": "true→learned already gives every true atom the best of 256 candidates. For the reverse score to be "
                   "higher, the average learned atom would have to match some true atom better than that: is every "
                   "one of 256 learned atoms likely to be that good?",
         "equal": "the two scores average over different atoms (128 true ones, 256 learned ones). They would be equal "
                  "only if the learned atoms that are nobody's best match still sat as close to a true atom as the "
                  "best matches do: what might the other learned atoms be?"}),
})


__all__ = ["check_mmcs", "check_unit_norm_columns"]


def check_mmcs(fn: Callable) -> CheckResult:
    """fn(true_atoms, learned_atoms) → mean over true atoms of the best cosine similarity (rows are atoms)."""
    from ..neural import mmcs

    g = torch.Generator().manual_seed(15)
    true = torch.randn(6, 5, generator=g, dtype=torch.float64)
    cases = [(true, true * 2), (true, torch.randn(9, 5, generator=g, dtype=torch.float64)), (true, -true)]
    def diagnose(true: torch.Tensor, learned: torch.Tensor, got: object) -> str | None:
        unit_true = true / true.norm(dim=1, keepdim=True)
        unit_learned = learned / learned.norm(dim=1, keepdim=True)
        cosines = unit_true @ unit_learned.T
        mistakes = [((true @ learned.T).max(dim=1).values.mean(), "those are dot products: cosines need unit rows"),
                    (cosines.max(dim=0).values.mean(), "that is learned→true: the best match of each learned atom"),
                    (cosines.mean(), "that averages every pair: take each true atom's best match first"),
                    (cosines.abs().max(dim=1).values.mean(), "|cos| counts an atom pointing the other way as a match")]
        return next((why for value, why in mistakes if _matches(got, value)), None)

    return _compare("MMCS", fn, mmcs, cases,
                    "For each true atom find its best-matching learned atom by cosine similarity, then average "
                    "over the true atoms.", diagnose=diagnose)


def check_unit_norm_columns(fn: Callable) -> CheckResult:
    """fn(w) → w with every column rescaled to unit L2 norm."""
    g = torch.Generator().manual_seed(16)
    cases = [(torch.randn(5, 8, generator=g, dtype=torch.float64),),
             (torch.rand(3, 2, generator=g, dtype=torch.float64) * 9,)]
    def diagnose(w: torch.Tensor, got: object) -> str | None:
        mistakes = [(w / w.norm(dim=1, keepdim=True), "those are unit rows: each column is one latent's direction"),
                    (w / w.norm(), "that divides by the norm of the whole matrix: each column by its own"),
                    (w / w.norm(dim=0, keepdim=True) ** 2, "that divides by the squared norm")]
        return next((why for value, why in mistakes if _matches(got, value)), None)

    return _compare("unit-norm columns", fn, lambda w: w / w.norm(dim=0, keepdim=True), cases,
                    "Each column (one latent's decoder direction) should come out with length 1, pointing the same "
                    "way.", diagnose=diagnose)
