"""Notebook 06's exercises: unit-norm decoder columns, MMCS, and its predict-first question."""

import numpy as np
import pytest
import torch
from _checker_suite import checker_suite

from sae_lib import exercises as ex
from sae_lib.exercises._checking import reveal
from sae_lib.metrics import mmcs

RIGHT = {
    "check_unit_norm_columns": [
        lambda w: w / w.norm(dim=0, keepdim=True),
        lambda w: torch.nn.functional.normalize(w, dim=0),
        lambda w: w / torch.sqrt((w**2).sum(0)),
        lambda w: torch.as_tensor(w.numpy() / np.linalg.norm(w.numpy(), axis=0)),
    ],
    "check_mmcs": [
        lambda t, lrn: (torch.nn.functional.normalize(t, dim=1) @ torch.nn.functional.normalize(lrn, dim=1).T)
        .max(dim=1).values.mean(),
        lambda t, lrn: torch.nn.functional.cosine_similarity(t[:, None], lrn[None], dim=2).amax(1).mean().item(),
    ],
}
WRONG = {
    "check_unit_norm_columns": [
        lambda w: w / w.norm(dim=1, keepdim=True),  # rows, not columns
        lambda w: w / w.norm(),  # the whole matrix
        lambda w: w / w.abs().sum(0),  # L1
    ],
    "check_mmcs": [
        lambda t, lrn: (t @ lrn.T).max(dim=1).values.mean(),  # forgets to normalise
        lambda t, lrn: torch.tensor(mmcs(lrn, t)),  # the other direction
        lambda t, lrn: torch.tensor(mmcs(t, lrn)),  # sae_lib's own: the exercise asks the learner to write it
        lambda t, lrn: (torch.nn.functional.normalize(t, dim=1) @ torch.nn.functional.normalize(lrn, dim=1).T)
        .abs().max(dim=1).values.mean(),  # |cos|: a sign-flipped atom is not a match
        lambda t, lrn: (torch.nn.functional.normalize(t, dim=1) @ torch.nn.functional.normalize(lrn, dim=1).T)
        .mean(),  # mean of all cosines
    ],
}


(test_right_answers_pass_in_their_equivalent_forms, test_wrong_answers_fail_with_a_hint,
 test_unfinished_answers_say_not_implemented,
 test_a_learners_crash_or_odd_result_is_a_fail_never_an_exception) = checker_suite(RIGHT, WRONG)


QUESTION = "learned→true MMCS against true→learned"


@pytest.mark.parametrize("answer, verdict", [("lower", "PASS"), ("LOWER ", "PASS"), ("higher", "FAIL"),
                                             ("equal", "FAIL"), (None, "FAIL"), (0.9, "FAIL")])
def test_learned_to_true_question(answer, verdict, capsys):
    ex.check_prediction(QUESTION, answer)
    out = capsys.readouterr().out
    assert out.startswith(verdict), out
    if verdict == "FAIL":
        assert reveal(QUESTION)[2] not in out


def test_each_wrong_prediction_gets_a_hint_of_its_own(capsys):
    hints = {}
    for option in ("higher", "equal"):
        ex.check_prediction(QUESTION, option)
        hints[option] = capsys.readouterr().out
    assert "best of 256" in hints["higher"] and "different atoms" in hints["equal"] and hints["higher"] != hints["equal"]
    assert all("hold it up" not in h for h in hints.values())  # the reason waits for the right answer


def test_the_explanation_blames_unmatched_atoms_not_duplicates():
    """Duplicates score ≈ 1 in learned→true and cannot lower it (issue 19); the explanation must say so."""
    why = reveal(QUESTION)[2]
    assert "hold it up" in why and "match no true atom" in why
    true = torch.eye(4)
    with_copies = torch.cat([true, true])
    with_junk = torch.cat([true, torch.ones(4, 4)])
    assert mmcs(with_copies, true) == pytest.approx(1.0) and mmcs(with_junk, true) < 1.0


def _unit_rows(a):
    return a / a.norm(dim=1, keepdim=True)


@pytest.mark.parametrize("fn, named", [
    (lambda true, learned: (true @ learned.T).max(dim=1).values.mean(), "cosines need unit rows"),
    (lambda true, learned: (_unit_rows(true) @ _unit_rows(learned).T).max(dim=0).values.mean(), "learned→true"),
    (lambda true, learned: (_unit_rows(true) @ _unit_rows(learned).T).mean(), "averages every pair"),
    (lambda w: w / w.norm(dim=1, keepdim=True), "unit rows"),
    (lambda w: w / w.norm(), "the whole matrix"),
])
def test_the_hint_names_the_mistake_without_the_code(fn, named, capsys):
    checker = ex.check_unit_norm_columns if fn.__code__.co_argcount == 1 else ex.check_mmcs
    checker(fn)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and named in out and ".norm(" not in out and "@" not in out, out
