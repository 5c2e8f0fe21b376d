"""Notebook 05's exercises: top-activating inputs, average code per class, dead units (also over a stream of batches
read once), and its question."""

import numpy as np
import pytest
import torch
from _checker_suite import checker_suite

from sae_lib import exercises as ex
from sae_lib.exercises._checking import reveal
from sae_lib.metrics import dead_fraction


def own_dead_fraction(z, threshold):
    """A learner's own dead fraction of one batch (the mistakes below misuse it; the library's would be refused)."""
    return (~(z.abs() > threshold).any(dim=0)).float().mean().item()


def class_means_range_10(z, labels):  # what the figure in the notebook does
    return torch.stack([z[labels == c].mean(dim=0) for c in range(10)])


def ever_active_by_or(batches, threshold):
    ever = None
    for z in batches:
        active = (z.abs() > threshold).any(dim=0)
        ever = active if ever is None else ever | active
    return (~ever).float().mean()


def max_so_far(batches, threshold):  # the largest |z| of each unit so far
    top = None
    for z in batches:
        here = z.abs().max(dim=0).values
        top = here if top is None else torch.maximum(top, here)
    return (top <= threshold).double().mean().item()


def mean_of_batch_fractions(batches, threshold):
    fractions = [own_dead_fraction(z, threshold) for z in batches]
    return sum(fractions) / len(fractions)


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
    "check_dead_fraction_stream": [
        lambda batches, t: (~(torch.cat(list(batches)).abs() > t).any(0)).float().mean(),  # keeps every batch: fine
        ever_active_by_or,
        lambda batches, t: float(np.mean(~np.any([(np.abs(b.numpy()) > t).any(0) for b in batches], axis=0))),
        max_so_far,
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
    "check_dead_fraction_stream": [
        mean_of_batch_fractions,
        lambda batches, t: own_dead_fraction(list(batches)[-1], t),  # the last batch only
        lambda batches, t: own_dead_fraction(next(iter(batches)), t),  # the first batch only
        lambda batches, t: own_dead_fraction(torch.cat(list(batches)).clamp_min(0), t),  # forgets |z|
        lambda batches, t: (~(torch.cat(list(batches)).abs() > t).any(0)).sum(),  # a count, not a fraction
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


@pytest.mark.parametrize("answer, named", [
    (mean_of_batch_fractions, "mean of each batch's dead fraction"),
    (lambda batches, t: own_dead_fraction(list(batches)[-1], t), "last batch"),
    (lambda batches, t: own_dead_fraction(next(iter(batches)), t), "first batch"),
    (lambda batches, t: own_dead_fraction(torch.cat(list(batches)).clamp_min(0), t), "|z|"),
])
def test_the_streaming_dead_fraction_names_the_mistake_without_the_code(answer, named, capsys):
    ex.check_dead_fraction_stream(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and named in out and ".any(" not in out and "|" + " " not in out.split(":")[0], out


def test_the_streaming_dead_fraction_gives_batches_that_can_be_read_once(capsys):
    def needs_len(batches, t):
        return len(batches)
    ex.check_dead_fraction_stream(needs_len)
    assert "TypeError" in capsys.readouterr().out  # an iterator, as in a training loop: no len, no second pass


def test_the_stream_cases_defeat_every_per_batch_shortcut():
    """Each case's answer differs from the mean, first, last and largest per-batch fractions: each is named."""
    from sae_lib.exercises.ch05_latent_visualisation import _stream_cases, _stream_reference
    for batches, threshold in _stream_cases():
        right = _stream_reference(batches, threshold).item()
        per_batch = [dead_fraction(b, threshold) for b in batches]
        shortcuts = [sum(per_batch) / len(per_batch), per_batch[0], per_batch[-1], max(per_batch)]
        assert len({round(v, 9) for v in [right, *shortcuts]}) == 5, (right, shortcuts)
        assert 0 < right < 1


@pytest.mark.parametrize("wrong", ["most", "almost none"])
def test_each_wrong_prediction_has_its_own_hint(wrong, capsys):
    question = "switching off a digit's strongest unit"
    ex.check_prediction(question, wrong)
    out = capsys.readouterr().out
    assert reveal(question)[3][wrong] in out and "some" not in out.split(": ", 1)[1].replace(wrong, "")
