"""Notebook 05's exercises: top-activating inputs, average code per class, dead units, and its question."""

import numpy as np
import pytest
import torch
from _checker_suite import checker_suite

from sae_lib import exercises as ex
from sae_lib.exercises._checking import reveal
from sae_lib.metrics import dead_fraction


def class_means_range_10(z, labels):  # what the figure in the notebook does
    return torch.stack([z[labels == c].mean(dim=0) for c in range(10)])


RIGHT = {
    "check_top_digits": [
        lambda z, unit, k: z[:, unit].topk(k).indices,
        lambda z, unit, k: z[:, unit].argsort(descending=True)[:k],
        lambda z, unit, k: torch.sort(z, dim=0, descending=True).indices[:k, unit],
    ],
    "check_class_means": [
        class_means_range_10,
        lambda z, y: torch.stack([z[y == c].mean(0) for c in range(int(y.max()) + 1)]),
        lambda z, y: torch.stack([z[y == c].mean(0) for c in y.unique()]),
        lambda z, y: torch.zeros(10, z.shape[1], dtype=z.dtype).index_add(0, y, z) / torch.bincount(y)[:, None],
        lambda z, y: torch.as_tensor(np.stack([z.numpy()[y.numpy() == c].mean(0) for c in range(10)])),
    ],
    "check_dead_fraction": [
        lambda z, t: (z.abs() <= t).all(dim=0).float().mean(),
        lambda z, t: (~(z.abs() > t).any(dim=0)).float().mean(),
        lambda z, t: float(np.mean((np.abs(z.numpy()) <= t).all(axis=0))),
        lambda z, t: (z.abs().max(dim=0).values <= t).double().mean().item(),
    ],
}
WRONG = {
    "check_top_digits": [
        lambda z, unit, k: z[:, unit].topk(k, largest=False).indices,  # the least active
        lambda z, unit, k: z[unit].topk(k).indices,  # a row, not a column
        lambda z, unit, k: z[:, unit].argsort()[:k],  # ascending
    ],
    "check_class_means": [
        lambda z, y: torch.stack([z[y == c].sum(0) for c in range(10)]),  # sums
        lambda z, y: torch.stack([z[y == c].mean(0) for c in range(9)]),  # misses digit 9
        lambda z, y: torch.stack([z[y == c].mean(0) for c in range(10)]) / 10,  # divided by the classes again
        lambda z, y: torch.stack([z[i::10].mean(0) for i in range(10)]),  # rows by position, not by label
        lambda z, y: torch.stack([z[y == c].mean(0) for c in y.unique(sorted=False).flip(0)]),  # classes reversed
    ],
    "check_dead_fraction": [
        dead_fraction,  # sae_lib's own: the exercise asks the learner to write it
        lambda z, t: (z <= t).all(0).sum(),  # a count, not a fraction
        lambda z, t: (z > t).any(0).float().mean(),  # the alive fraction
        lambda z, t: (z.abs() <= t).float().mean(),  # inactive entries, not units
    ],
}


(test_right_answers_pass_in_their_equivalent_forms, test_wrong_answers_fail_with_a_hint,
 test_unfinished_answers_say_not_implemented,
 test_a_learners_crash_or_odd_result_is_a_fail_never_an_exception) = checker_suite(RIGHT, WRONG)


def test_class_means_hint_does_not_hand_over_the_code(capsys):
    ex.check_class_means(lambda z, y: torch.stack([z[y == c].sum(0) for c in range(10)]))
    out = capsys.readouterr().out
    assert "range(10)" not in out and ".mean(" not in out


def test_top_digits_hint_does_not_hand_over_the_code(capsys):
    ex.check_top_digits(lambda z, unit, k: z[unit].topk(k).indices)  # a row, not a column
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "topk" not in out and "argsort" not in out


def test_class_means_of_five_classes_no_longer_fail_range_10(capsys):
    """Issue 20: the checker used labels with 5 classes, so the figure's range(10) failed."""
    ex.check_class_means(class_means_range_10)
    assert capsys.readouterr().out.startswith("PASS")


@pytest.mark.parametrize("answer, verdict", [("some", "PASS"), (" Some ", "PASS"), ("most", "FAIL"), ("almost none", "FAIL"),
                                             ("part", "FAIL"), (None, "FAIL"), (3, "FAIL")])
def test_switching_off_the_strongest_unit(answer, verdict, capsys):
    ex.check_prediction("switching off a digit's strongest unit", answer)
    out = capsys.readouterr().out
    assert out.startswith(verdict), out
    if verdict == "FAIL":
        assert reveal("switching off a digit's strongest unit")[2] not in out
