"""Notebook 04's exercises: variance explained and L0 pass their common equivalent forms and fail real mistakes;
the β-tuning checker scores on a validation split carved from the training images and never on the test set."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from sae_lib import exercises as ex
from sae_lib.metrics import l0, variance_explained


def todo(*args):
    raise NotImplementedError


def centred_sums(x, x_hat):
    """Variance explained from sums of squares about the mean (no .var: the ddof cancels in the ratio)."""
    residual = x - x_hat
    return 1 - ((residual - residual.mean(dim=0)) ** 2).sum() / ((x - x.mean(dim=0)) ** 2).sum()


VE_RIGHT = {
    "var over samples, then summed": lambda x, xh: 1 - (x - xh).var(dim=0).sum() / x.var(dim=0).sum(),
    "biased variances": lambda x, xh: 1 - (x - xh).var(dim=0, unbiased=False).sum() / x.var(dim=0, unbiased=False).sum(),
    "sums of squares about the mean": centred_sums,
    "a Python float": lambda x, xh: float(centred_sums(x, xh)),
    "a NumPy number": lambda x, xh: np.float64(centred_sums(x, xh)),
}
VE_WRONG = {
    "MSE over the total variance (counts the offset)": lambda x, xh: 1 - ((x - xh) ** 2).mean() / x.var(),
    "forgets the 1 −": lambda x, xh: (x - xh).var(dim=0).sum() / x.var(dim=0).sum(),
    "variance over pixels instead of samples": lambda x, xh: 1 - (x - xh).var(dim=1).sum() / x.var(dim=1).sum(),
    "mean of per-pixel ratios": lambda x, xh: (1 - (x - xh).var(dim=0) / x.var(dim=0)).mean(),
}
L0_RIGHT = {
    "count per row, then mean": lambda z, t: (z.abs() > t).sum(dim=1).float().mean(),
    "as a float sum": lambda z, t: (z.abs() > t).float().sum(dim=1).mean(),
    "a Python float": lambda z, t: (z.abs() > t).sum().item() / len(z),
    "a NumPy number": lambda z, t: np.mean(np.sum(np.abs(z.numpy()) > t, axis=1)),
}
L0_WRONG = {
    "forgets |z| (signed codes)": lambda z, t: (z > t).sum(dim=1).float().mean(),
    "the fraction of units, not the count": lambda z, t: (z.abs() > t).float().mean(),
    "counts per unit, not per input": lambda z, t: (z.abs() > t).sum(dim=0).float().mean(),
}
CHECKERS = {"variance explained": (ex.check_variance_explained, VE_RIGHT, VE_WRONG),
            "L0": (ex.check_l0, L0_RIGHT, L0_WRONG)}
CASES = [(checker, kind, name, answer) for checker, (_, right, wrong) in CHECKERS.items()
         for kind, answers in [("right", right), ("wrong", wrong)] for name, answer in answers.items()]


#: What the hint of each wrong form says (the mistake, in words), and what no hint may say (the formula itself).
NAMED = {"MSE over the total variance (counts the offset)": "constant offset", "forgets the 1 −": "*left*",
         "variance over pixels instead of samples": "over the samples (dim=0)", "mean of per-pixel ratios": "before",
         "forgets |z| (signed codes)": "whatever its sign", "the fraction of units, not the count": "*fraction*",
         "counts per unit, not per input": "one count per row"}


@pytest.mark.parametrize("checker, kind, name, answer", CASES, ids=[f"{c}: {n}" for c, _, n, _ in CASES])
def test_right_forms_pass_and_real_mistakes_fail_naming_the_mistake(checker, kind, name, answer, capsys):
    CHECKERS[checker][0](answer)
    out = capsys.readouterr().out
    assert out.startswith("PASS" if kind == "right" else "FAIL"), out
    assert len(out.strip().splitlines()) == 1
    if kind == "wrong":
        assert NAMED[name] in out and "var(dim=0).sum()" not in out and "sum(dim=1)" not in out, out


def test_an_unforeseen_wrong_answer_gets_the_general_hint_without_the_formula(capsys):
    ex.check_variance_explained(lambda x, x_hat: variance_explained(x, x_hat) + 0.01)
    ex.check_l0(lambda z, threshold: l0(z, threshold) + 1)
    lines = capsys.readouterr().out.strip().splitlines()
    assert all(line.startswith("FAIL") and "as defined above" in line and "dim=" not in line for line in lines), lines


MISTAKES = {
    "unfinished": (todo, "not implemented yet"),
    "crashes": (lambda *args: args[0].nonexistent(), "AttributeError"),
    "raises": (lambda *args: 1 / 0, "ZeroDivisionError"),
    "returns None": (lambda *args: None, "returned None"),
    "returns a list": (lambda *args: [0.5], "expected a single real number"),
    "returns a string": (lambda *args: "0.5", "expected a single real number"),
    "returns a dict": (lambda *args: {"answer": 0.5}, "expected a single real number"),
    "returns a tuple": (lambda *args: (0.5, 0.5), "expected a single real number"),
    "returns many numbers": (lambda *args: torch.ones(3), "expected a single number"),
    "returns a NumPy array of many": (lambda *args: np.array([0.5, 0.25]), "expected a single real number"),
    "returns a complex number": (lambda *args: 0.5 + 1j, "expected a single real number"),
    "returns a bool tensor": (lambda *args: torch.tensor(True), "expected a single real number"),
    "returns NaN": (lambda *args: math.nan, "expected"),
    "returns a tensor needing grad": (lambda *args: torch.zeros((), requires_grad=True), "expected"),
    "is not a function": (0.5, "expected a function"),
}


@pytest.mark.parametrize("checker", sorted(CHECKERS))
@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_an_unfinished_or_crashing_answer_is_a_fail_with_a_hint(checker, mistake, capsys):
    answer, says = MISTAKES[mistake]
    CHECKERS[checker][0](answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and says in out, out


@pytest.mark.parametrize("beta", [None, ..., "0.01", -1.0, math.inf, math.nan, [0.01], True, np.array([0.01, 0.1]),
                                  0.01 + 1j])
def test_tuned_beta_refuses_what_is_not_a_weight_without_training(beta, capsys):
    ex.check_tuned_beta(beta, data=None)  # no data: a refused answer must never reach training
    ex.report_tuned_beta_on_test(beta, data=None)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("FAIL") for line in lines), lines


@pytest.mark.slow  # trains two models
def test_tuned_beta_is_scored_on_validation_and_the_test_set_is_read_once_at_the_end(mnist, capsys):
    blind = dataclasses.replace(mnist, test_images=torch.full_like(mnist.test_images, math.nan))
    ex.check_tuned_beta(np.float32(0.01), blind, device="cpu")  # NaN test images: the checker must not read them
    out = capsys.readouterr().out
    assert out.startswith("PASS") and "validation" in out, out
    ex.report_tuned_beta_on_test(0.01, mnist, device="cpu")
    out = capsys.readouterr().out
    assert "on the 1,000 test digits" in out and "variance explained" in out, out
    ex.check_tuned_beta(0, mnist, device="cpu")  # no penalty: ρ̂ far above ρ = 0.1
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "raise β" in out and "validation" in out, out
