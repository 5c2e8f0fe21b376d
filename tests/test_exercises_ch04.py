"""Notebook 04's exercises: a reconstruction that fools variance explained, a code that exposes a colleague's L0,
β tuned on a validation split carved from the training images (never the test set); and the variance-explained and
L0 checkers (kept for lecturers) pass their common equivalent forms and fail real mistakes."""

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
    "1 − normalised MSE": lambda x, xh: 1 - ((x - xh) ** 2).sum() / ((x - x.mean(dim=0)) ** 2).sum(),
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
         "1 − normalised MSE": "that is 1 − normalised MSE",
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
    assert "0.01" not in out, out  # the saved output of the reference answer must not show the answer
    ex.check_tuned_beta(0, mnist, device="cpu")  # no penalty: ρ̂ far above ρ = 0.1
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "raise β" in out and "validation" in out, out


FOOL_RIGHT = {
    "a constant offset": lambda x: x + 0.1,
    "a negative offset": lambda x: x - 0.3,
    "an offset per pixel": lambda x: x + torch.linspace(0.1, 0.5, x.shape[1], dtype=x.dtype),
    "float32": lambda x: x.float() + 0.2,
    "a NumPy array": lambda x: x.numpy() + 0.1,
}
FOOL_WRONG = {
    "perfect": (lambda x: x.clone(), "within 0.05 of x"),
    "scaled": (lambda x: x * 1.1, "a multiple of x barely changes x where x is near 0"),
    "noisy": (lambda x: x + 0.3 + torch.rand_like(x) * 0.3, "differ from one sample to the next"),
    "an offset per sample": (lambda x: x + torch.linspace(0.1, 0.6, len(x), dtype=x.dtype)[:, None],
                             "differ from one sample to the next"),
    "the mean image": (lambda x: x.mean(dim=0).expand_as(x) + 2.0, "differ from one sample to the next"),
    "a list": (lambda x: (x + 0.1).tolist(), "expected a torch.Tensor"),
    "a transposed x̂": (lambda x: (x + 0.1).T, "shape"),
    "NaN": (lambda x: x + float("nan"), "NaN"),
}


@pytest.mark.parametrize("name", sorted(FOOL_RIGHT))
def test_a_reconstruction_that_fools_variance_explained_passes_in_any_form(name, capsys):
    ex.check_fooling_reconstruction(FOOL_RIGHT[name])
    out = capsys.readouterr().out
    assert out.startswith("PASS") and "normalised MSE" in out, out


@pytest.mark.parametrize("name", sorted(FOOL_WRONG))
def test_a_reconstruction_that_does_not_fool_it_fails_naming_the_broken_condition(name, capsys):
    answer, says = FOOL_WRONG[name]
    ex.check_fooling_reconstruction(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and says in out and len(out.strip().splitlines()) == 1, out
    assert "offset" not in out and "+ 0.1" not in out  # the hint names the mistake, not the answer


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_the_fooling_checker_never_crashes(mistake, capsys):
    answer, _ = MISTAKES[mistake]
    ex.check_fooling_reconstruction(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and len(out.strip().splitlines()) == 1, out


def test_the_colleagues_l0_is_wrong_only_off_the_square():
    square, wide = torch.rand(6, 6), torch.rand(2, 6)
    assert ex.colleague_l0(square, 0.5).item() == pytest.approx(l0(square, 0.5))
    assert ex.colleague_l0(wide, 0.5).item() == pytest.approx(l0(wide, 0.5) * 2 / 6)


@pytest.mark.parametrize("z", [torch.rand(5, 3), [[0.9, 0.0, 0.0]], np.ones((2, 5)), torch.rand(3, 7, dtype=torch.float64),
                               torch.tensor([[0.9, -0.9], [0.0, 0.0], [0.0, 0.0]])])
def test_a_code_that_exposes_the_bug_passes_and_then_the_bug_is_named(z, capsys):
    ex.check_l0_counterexample(z)
    out = capsys.readouterr().out
    assert out.startswith("PASS") and "averages over units" in out, out


@pytest.mark.parametrize("z, says", [
    (torch.rand(4, 4), "try a code of another shape"), (torch.zeros(5, 3), "both give 0"),
    (torch.rand(5), "must be 2-D"), (torch.zeros(0, 3), "must be 2-D"), (None, "no answer yet"), (..., "no answer yet"),
    ("z", "must be a [inputs, units] tensor"), (l0, "must be a [inputs, units] tensor"),
    ([[1.0, 2.0], [3.0]], "must be a [inputs, units] tensor"), (torch.full((2, 3), float("nan")), "NaN"),
    ({"z": 1}, "must be a [inputs, units] tensor"),
])
def test_a_code_that_does_not_expose_the_bug_fails_in_one_line(z, says, capsys):
    ex.check_l0_counterexample(z)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and says in out and len(out.strip().splitlines()) == 1, out
    assert "dim=" not in out and "inputs / units" not in out  # the bug is named only once it is found
