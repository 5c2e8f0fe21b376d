"""Notebook 07's exercises: check_epsilon judges a rule that reads ZCA's ε off a spectrum (any rule that finds the
noise floor passes, in any numeric form; rules that miss it fail naming which side they miss), and the
predict-first question about unwhitened patches, with a hint of its own for each wrong option."""

import numpy as np
import pytest
import torch

from sae_lib import exercises as ex


def tail(e, n=10):
    """The n smallest nonzero eigenvalues: the flat tail of a spectrum whose last entry is the removed mean's 0."""
    return e[e > 1e-12].sort().values[:n]


RIGHT = {
    "the median of the tail": lambda e: tail(e).median(),
    "the mean of the tail": lambda e: tail(e, 15).mean(),
    "twice the tail's median": lambda e: 2 * tail(e).median(),
    "a low quantile of the nonzero eigenvalues": lambda e: torch.quantile(e[e > 0], 0.1),
    "a Python float": lambda e: float(tail(e).median()),
    "float32": lambda e: tail(e.float()).median(),
    "NumPy": lambda e: np.median(np.sort(e.numpy())[1:11]),
    "a one-element list-free tensor needing grad": lambda e: tail(e).median().requires_grad_(True) * 1.0,
    "where the spectrum flattens": lambda e: e[:-1][(e[:-1][:-1] / e[:-1][1:]).flip(0).cumsum(0).flip(0).argmin()],
}
WRONG = {  # rule → what the hint must say
    "ε = 0, the smallest eigenvalue": (lambda e: e.min(), "above 0"),
    "a fixed 0.03": (lambda e: 0.03, "flat tail"),
    "a fixed tiny ε": (lambda e: 1e-5, "flat tail"),
    "the mean eigenvalue": (lambda e: e.mean(), "signal is above the noise"),
    "the median eigenvalue": (lambda e: e.median(), "signal is above the noise"),
    "a tenth of the tail": (lambda e: tail(e).median() / 10, "flat tail"),
    "ten times the tail": (lambda e: tail(e).median() * 10, "signal is above the noise"),
    "negative": (lambda e: -tail(e).median(), "above 0"),
    "NaN": (lambda e: float("nan"), "above 0"),
    "infinite": (lambda e: float("inf"), "above 0"),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_rules_pass(name, capsys):
    result = ex.check_epsilon(RIGHT[name])
    assert capsys.readouterr().out.startswith("PASS") and result.passed, name


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_rules_fail_saying_which_side_they_miss(name, capsys):
    rule, says = WRONG[name]
    result = ex.check_epsilon(rule)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and says in out and not result.passed and len(out.strip().splitlines()) == 1, out
    assert "median" not in out and "quantile" not in out  # the hint names the mistake, never a rule that works


def test_a_fixed_number_fails_on_some_spectrum_whatever_it_is():
    """No constant passes: the four spectra's noise floors are too far apart, so the rule must read the spectrum."""
    for constant in np.geomspace(1e-4, 1.0, 41):
        assert not ex.check_epsilon(lambda e, c=constant: c).passed, constant


def test_the_spectra_have_a_power_law_head_and_a_flat_floor():
    for e in ex.epsilon_spectra():
        assert e[-1] == 0 and (e[:-1] > 0).all() and (e[:-1].diff() <= 0).all()
        floor = tail(e)
        assert floor.max() / floor.min() < 1.25 and e[0] / floor.median() > 20  # flat, and far below the top


@pytest.mark.parametrize("answer, says", [
    (lambda e: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
    (lambda e: e.nonexistent(), "AttributeError"), (lambda e: None, "expected one number"),
    (lambda e: e, "expected one number"), (lambda e: [0.1], "expected one number"), (lambda e: "0.1", "expected one number"),
    (lambda e: 1 / 0, "ZeroDivisionError"), ("0.03", "expected a function"), (None, "expected a function"),
    (lambda e: torch.tensor(0.1 + 1j), "expected one number"),
])
def test_unfinished_crashing_and_odd_rules_are_one_fail_line(answer, says, capsys):
    ex.check_epsilon(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and says in out and len(out.strip().splitlines()) == 1, out


def test_the_rule_gets_a_copy_of_the_spectrum(capsys):
    def sorts_in_place(e):
        e[:] = 0.0  # vandalise the argument: the checker's own spectrum must not change
        return 1.0

    ex.check_epsilon(sorts_in_place)
    assert ex.check_epsilon(RIGHT["the median of the tail"]).passed


@pytest.mark.parametrize("answer, verdict", [("b", "PASS"), ("B", "PASS"), (" b ", "PASS"), ("b.", "PASS"), ("a", "FAIL"),
                                             ("c", "FAIL"), (None, "FAIL"), ("d", "FAIL"), (2, "FAIL")])
def test_without_whitening_question(answer, verdict, capsys):
    ex.check_without_whitening(answer)
    out = capsys.readouterr().out
    assert out.startswith(verdict)
    if verdict == "FAIL":
        assert "broader" not in out.lower() and "less oriented" not in out  # a wrong answer does not get the reason


def test_each_wrong_prediction_gets_its_own_hint(capsys):
    hints = {}
    for option in ("a", "c"):
        ex.check_without_whitening(option)
        hints[option] = capsys.readouterr().out
    assert "√(λ + ε)" in hints["a"] and "how often a unit fires" in hints["c"] and hints["a"] != hints["c"]
