"""Checkers and questions of notebook 05: latent visualisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from ..metrics import dead_fraction
from ._checking import PREDICTIONS, CheckResult, _codes, _compare, _matches

PREDICTIONS.update({
    "switching off a digit's strongest unit": (  # notebook 05
        "some", ("most", "some", "almost none"),
        "A digit's code has dozens of active units, and each adds a stroke-shaped piece: the strongest carries "
        "more than the others, a visible part of one stroke, but the rest still draw a readable digit.",
        {"most": "that would make one unit the digit's whole drawing; with ρ = 0.1 a unit is meant to be busy on "
                 "about one digit in ten, and there are only ten digit classes for 196 units: how many units are "
                 "likely to take part in one digit?",
         "almost none": "it is the digit's *strongest* unit, and the decoder adds each unit's feature in proportion "
                        "to its activation: could the largest contribution be under 2 % of the sum?"}),
})


__all__ = ["check_class_means", "check_dead_fraction", "check_dead_fraction_stream", "check_top_digits"]


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


class _Batches(list):
    """A list of code batches that names itself briefly in a hint."""

    def __repr__(self) -> str:
        return f"{len(self)} batches of codes with {self[0].shape[1]} units"


def _stream_cases() -> list[tuple[_Batches, float]]:
    """Batches of codes in which units fire in some batches only (unevenly, so no one batch tells the whole story)."""
    g = torch.Generator().manual_seed(21)
    cases = []
    for fires_in, threshold in [([0, 0, 0, 0, 1, 1, 2, 3], 0.5), ([0, 0, 2, 2], 0.2)]:
        units, n_batches = len(fires_in) + 2, max(fires_in) + 1
        batches = _Batches(torch.rand(5 + b, units, generator=g, dtype=torch.float64) * 0.9 * threshold
                           for b in range(n_batches))  # below the threshold: only what is set below fires
        for unit, batch in enumerate(fires_in):  # unit fires above the threshold in that batch only
            batches[batch][0, unit] = 0.9
        batches[-1][1, units - 2] = -0.9  # a unit active through a large negative value: |z| counts
        cases.append((batches, threshold))  # and the last unit is dead
    return cases


def _stream_reference(batches: list[torch.Tensor], threshold: float) -> torch.Tensor:
    """The fraction of units never above the threshold (in |z|) on any input of any batch."""
    return torch.tensor(dead_fraction(torch.cat(batches), threshold), dtype=torch.float64)


def _stream_mistake(batches: list[torch.Tensor], threshold: float, got: object) -> str | None:
    """The common mistake a wrong streaming dead fraction matches, in words, or None."""
    per_batch = [dead_fraction(b, threshold) for b in batches]
    mistakes = [(sum(per_batch) / len(per_batch), "that is the mean of each batch's dead fraction: a unit silent in "
                 "one batch may fire in another, and only a unit silent in every batch is dead"),
                (per_batch[-1], "that is the last batch's dead fraction alone: remember which units have fired so far"),
                (per_batch[0], "that is the first batch's dead fraction alone: keep going through every batch"),
                (max(per_batch), "that is the largest per-batch dead fraction: combine what the batches say unit by "
                 "unit"),
                (dead_fraction(torch.cat(batches).clamp_min(0), threshold),
                 "one unit is active through a large negative value: compare |z| with the threshold")]
    return next((why for value, why in mistakes if _matches(got, torch.tensor(value, dtype=torch.float64))), None)


def check_dead_fraction_stream(fn: Callable) -> CheckResult:
    """fn(batches, threshold) → fraction of units never above the threshold (|z|) on any input of any batch, where
    `batches` is an iterator over [inputs, units] code tensors that can be read once (as a training loop sees them)."""
    def one_pass(batches: list[torch.Tensor], threshold: float) -> object:
        return fn(_once(batches), threshold)

    if not callable(fn):
        return _compare("dead units over a stream of batches", fn, _stream_reference, [], "")
    return _compare("dead units over a stream of batches", one_pass, _stream_reference, _stream_cases(),
                    "Go through the batches once, keep for each unit whether it has ever been active, then count "
                    "the units that never were.", diagnose=_stream_mistake)


def _once(batches: list[torch.Tensor]) -> Iterator[torch.Tensor]:
    """The batches as an iterator that can be read once, each a copy (the learner cannot change the reference's)."""
    return (b.clone() for b in batches)
