"""Notebook 07's exercises: check_zca judges ZCA whitening fairly (either covariance convention), and the
predict-first question about unwhitened patches."""

import numpy as np
import pytest
import torch

from sae_lib import exercises as ex
from sae_lib.data import zca_whiten


def zca(x, epsilon, ddof=0, centre=True, rotate_back=True, root=True, eps_inside=True):
    """ZCA by hand, with switches for the usual mistakes."""
    centred = x - x.mean(dim=0) if centre else x
    eigenvalues, u = torch.linalg.eigh(centred.T @ centred / (len(x) - ddof))
    scale = eigenvalues + epsilon if eps_inside else eigenvalues
    scale = scale.sqrt() if root else scale
    if not eps_inside:
        scale = scale + epsilon
    return centred @ u / scale @ u.T if rotate_back else centred @ u / scale


def todo(x, epsilon):
    raise NotImplementedError


RIGHT = {
    "by hand, covariance over n": zca,
    "by hand, covariance over n − 1": lambda x, e: zca(x, e, ddof=1),
    "torch.cov (n − 1) and eigh": lambda x, e: (x - x.mean(0)) @ (lambda lam, u: u @ torch.diag((lam + e) ** -0.5) @ u.T)(
        *torch.linalg.eigh(torch.cov(x.T))),
    "a NumPy array": lambda x, e: zca(x, e).numpy(),
    "an SVD instead of eigh": lambda x, e: (lambda c: c @ (lambda u, s, _: u @ torch.diag((s**2 / len(x) + e) ** -0.5) @ u.T)(
        *torch.linalg.svd(c.T)))(x - x.mean(0)),
}
WRONG = {
    "forgets to centre": lambda x, e: zca(x, e, centre=False),
    "stops at PCA whitening": lambda x, e: zca(x, e, rotate_back=False),
    "ε outside the square root": lambda x, e: zca(x, e, eps_inside=False),
    "no square root": lambda x, e: zca(x, e, root=False),
    "the rows' covariance": lambda x, e: x - x.mean(0),  # no whitening at all
    "scaled by n/(n−1) the wrong way": lambda x, e: zca(x, e) * (len(x) / (len(x) - 1)),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_answers_pass(name, capsys):
    ex.check_zca(RIGHT[name])
    assert capsys.readouterr().out.startswith("PASS"), name


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answers_fail_with_a_hint(name, capsys):
    ex.check_zca(WRONG[name])
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "rotate back" in out, out


@pytest.mark.parametrize("answer, says", [
    (todo, "not implemented yet"), (lambda x, e: x.nonexistent(), "AttributeError"), (lambda x, e: None, "returned None"),
    (lambda x, e: zca(x, e)[:, :2], "shape"), (lambda x, e: zca(x, e).tolist(), "PASS"), ("zca", "expected a function"),
    (lambda x, e: [["a"]], "FAIL"),
])
def test_unfinished_crashing_and_odd_answers_never_raise(answer, says, capsys):
    ex.check_zca(answer)
    assert says in capsys.readouterr().out


def test_the_two_conventions_differ_and_only_by_the_expected_factor_at_epsilon_zero():
    """The checker's premise: at ε = 0 the n − 1 convention is the n one times √((n − 1)/n), so accepting either
    is not the same as a looser tolerance."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 4, generator=g, dtype=torch.float64) @ torch.randn(4, 4, generator=g, dtype=torch.float64)
    over_n, over_n_1 = zca(x, 0.0), zca(x, 0.0, ddof=1)
    assert not torch.allclose(over_n, over_n_1, rtol=1e-3)
    torch.testing.assert_close(over_n_1, over_n * np.sqrt(49 / 50))


@pytest.mark.parametrize("answer, verdict", [("b", "PASS"), ("B", "PASS"), (" b ", "PASS"), ("a", "FAIL"), ("c", "FAIL"),
                                             (None, "FAIL"), ("d", "FAIL"), (2, "FAIL")])
def test_without_whitening_question(answer, verdict, capsys):
    ex.check_without_whitening(answer)
    out = capsys.readouterr().out
    assert out.startswith(verdict)
    if verdict == "FAIL":
        assert "high-variance" not in out and "variance" not in out.lower()  # a wrong answer does not get the reason


MISTAKES = {  # what a learner's function may return or do instead of a result
    "None": lambda *a: None, "a list of numbers": lambda *a: [0.5, 0.5], "a string": lambda *a: "0.5",
    "the wrong shape": lambda *a: torch.zeros(3, 7, 2), "an integer tensor": lambda *a: torch.ones(3, dtype=torch.long),
    "a NumPy array of many": lambda *a: np.array([0.5, 0.25]), "a complex tensor": lambda *a: torch.tensor(0.5 + 1j),
    "a bool tensor": lambda *a: torch.tensor(True), "a dict": lambda *a: {"answer": 0.5},
    "a tuple": lambda *a: (0.5, 0.5, 0.5), "NaN": lambda *a: float("nan"), "a raise": lambda *a: 1 / 0,
    "a tensor needing grad": lambda *a: torch.zeros(2, 3, requires_grad=True),
    "NaNs of the right shape": lambda x, e: torch.full_like(x, float("nan")),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_learners_mistake_is_one_fail_line_never_a_crash(mistake, capsys):
    ex.check_zca(MISTAKES[mistake])
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and len(out.strip().splitlines()) == 1, out


def test_sae_libs_own_zca_is_not_an_answer(capsys):
    """The exercise asks the learner to write ZCA: passing the library's function (or calling it) fails."""
    ex.check_zca(zca_whiten)
    assert "write it yourself" in capsys.readouterr().out
    ex.check_zca(lambda x, e: zca_whiten(x, e) + 0)
    assert "your function calls `sae_lib.data.zca_whiten`" in capsys.readouterr().out
