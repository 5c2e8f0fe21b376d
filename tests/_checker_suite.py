"""The four tests every coding exercise's checker gets, built from a chapter's RIGHT and WRONG answers.

    test_right, test_wrong, test_unfinished, test_crash = checker_suite(RIGHT, WRONG)

RIGHT and WRONG map a checker's name (an attribute of sae_lib.exercises) to learners' functions:
each right one (common equivalent forms included) must PASS, each wrong one must FAIL in one line.
Every checker must also say "not implemented yet" to an unfinished answer, and turn a crash, None, a
list, text or a wrong shape into a one-line FAIL, never an exception.
"""

import pytest
import torch

from sae_lib import exercises as ex

MISTAKES = [lambda *a: None, lambda *a: [0.5], lambda *a: 1 / 0, lambda *a: torch.zeros(3, 7), lambda *a: "0.5", None,
            lambda *a: a[0].nonexistent()]


def todo(*args):
    raise NotImplementedError


def _one_fail_line(out: str) -> bool:
    return out.startswith("FAIL") and len(out.strip().splitlines()) == 1


def checker_suite(right: dict, wrong: dict) -> tuple:
    """The right / wrong / unfinished / crash tests for the checkers named in `right` and `wrong`."""
    @pytest.mark.parametrize("name, i", [(name, i) for name, fns in right.items() for i in range(len(fns))])
    def test_right(name, i, capsys):
        getattr(ex, name)(right[name][i])
        out = capsys.readouterr().out
        assert out.startswith("PASS"), out

    @pytest.mark.parametrize("name, i", [(name, i) for name, fns in wrong.items() for i in range(len(fns))])
    def test_wrong(name, i, capsys):
        getattr(ex, name)(wrong[name][i])
        out = capsys.readouterr().out
        assert _one_fail_line(out), out

    @pytest.mark.parametrize("name", sorted(right))
    def test_unfinished(name, capsys):
        getattr(ex, name)(todo)
        assert "not implemented yet" in capsys.readouterr().out

    @pytest.mark.parametrize("mistake", MISTAKES)
    @pytest.mark.parametrize("name", sorted(right))
    def test_crash(name, mistake, capsys):
        getattr(ex, name)(mistake)
        out = capsys.readouterr().out
        assert _one_fail_line(out), out

    return test_right, test_wrong, test_unfinished, test_crash
