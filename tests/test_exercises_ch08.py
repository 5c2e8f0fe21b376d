"""Notebook 08's exercises: reading WᵀW (dropped feature, antipodal partner) and resampling dead latents."""

import numpy as np
import pytest
import torch

from sae_lib import exercises as ex


@pytest.fixture
def gram():
    w = torch.tensor([[1.0, 0.0, -1.0, 0.0, 0.0], [0.0, 1.0, 0.0, -1.0, 0.0]])  # 0 ↔ 2 and 1 ↔ 3 antipodal, 4 dropped
    return w.T @ w


@pytest.mark.parametrize("answer, verdict", [
    (4, "PASS"), (np.int64(4), "PASS"), (torch.tensor(4), "PASS"), ("argmin", "PASS"),  # equivalent forms
    (2, "FAIL"), (0, "FAIL"),  # wrong
    (None, "FAIL"), (..., "FAIL"),  # unfinished
    ("4", "FAIL"), (4.0, "FAIL"), (7, "FAIL"), (-1, "FAIL"), (True, "FAIL"), ([4], "FAIL"), (torch.tensor([4, 2]), "FAIL"),
])
def test_dropped_feature(answer, verdict, gram, capsys):
    if isinstance(answer, str) and answer == "argmin":
        answer = gram.diagonal().argmin()  # a 0-d integer tensor, as a learner computes it
    ex.check_dropped_feature(answer, gram)
    out = capsys.readouterr().out
    assert out.startswith(verdict), out
    if verdict == "FAIL":
        assert "feature 4" not in out  # the hint never names the answer


@pytest.mark.parametrize("answer, verdict", [(2, "PASS"), (np.int32(2), "PASS"), (1, "FAIL"), (0, "FAIL"),
                                             (..., "FAIL"), (2.0, "FAIL"), ("two", "FAIL")])
def test_shared_direction(answer, verdict, gram, capsys):
    ex.check_shared_direction(answer, gram, feature=0)
    assert capsys.readouterr().out.startswith(verdict)


def test_shared_direction_of_another_feature_and_a_numpy_gram(gram, capsys):
    ex.check_shared_direction(3, gram, feature=1)
    ex.check_dropped_feature(4, gram.numpy())
    assert capsys.readouterr().out.splitlines() == ["PASS  feature sharing a direction with feature 1", "PASS  dropped feature"]


def resample(w_enc, b_enc, w_dec, dead, directions, encoder_norm):
    u = directions / directions.norm(dim=1, keepdim=True)
    w_enc, b_enc, w_dec = w_enc.clone(), b_enc.clone(), w_dec.clone()
    w_dec[:, dead], w_enc[dead], b_enc[dead] = u.T, u * encoder_norm, 0.0
    return w_enc, b_enc, w_dec


def resample_with_where(w_enc, b_enc, w_dec, dead, directions, encoder_norm):
    """An equivalent form: scatter the unit directions into full-size tensors, then torch.where."""
    u = torch.nn.functional.normalize(directions, dim=1)
    full = torch.zeros_like(w_enc)
    full[dead] = u
    return (torch.where(dead[:, None], full * encoder_norm, w_enc), torch.where(dead, 0.0, b_enc).to(b_enc.dtype),
            torch.where(dead[None, :], full.T, w_dec))


def resample_in_place(w_enc, b_enc, w_dec, dead, directions, encoder_norm):
    """Also right: changing the (cloned) inputs in place and returning them."""
    u = directions / directions.norm(dim=1, keepdim=True)
    w_dec[:, dead], w_enc[dead], b_enc[dead] = u.T, u * encoder_norm, 0.0
    return w_enc, b_enc, w_dec


def todo(*args):
    raise NotImplementedError


@pytest.mark.parametrize("fn", [resample, resample_with_where, resample_in_place])
def test_resampled_weights_right_forms_pass(fn, capsys):
    ex.check_resampled_weights(fn)
    assert capsys.readouterr().out.startswith("PASS")


@pytest.mark.parametrize("fn", [
    lambda e, b, d, dead, u, n: resample(e, b, d, dead, u, n)[:2] + (d,),  # leaves the decoder alone
    lambda e, b, d, dead, u, n: resample(e, b, d, dead, u * 1.0, n * 0 + 1),  # ignores encoder_norm
    lambda e, b, d, dead, u, n: (lambda w, bb, dd: (w, b, dd))(*resample(e, b, d, dead, u, n)),  # keeps the old biases
    lambda e, b, d, dead, u, n: (lambda w, bb, dd: (w.clone().index_put_((dead,), u * n), bb, dd))(
        *resample(e, b, d, dead, u, n)),  # forgets to normalise the encoder rows
    lambda e, b, d, dead, u, n: resample(e, b, d, ~dead, torch.cat([u, u, u])[: int((~dead).sum())], n),  # the living
])
def test_resampled_weights_wrong_forms_fail_with_a_hint(fn, capsys):
    ex.check_resampled_weights(fn)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "Only the dead latents change" in out, out


@pytest.mark.parametrize("fn, says", [
    (todo, "not implemented yet"), (lambda *a: a[0].nonexistent(), "AttributeError"), (lambda *a: None, "returned None"),
    (lambda *a: a[0], "tuple of 3"), ("resample", "expected a function"),
    (lambda e, b, d, dead, u, n: [t.tolist() for t in resample(e, b, d, dead, u, n)], "PASS"),  # lists are converted
])
def test_resampled_weights_unfinished_crashing_and_odd_answers_never_raise(fn, says, capsys):
    ex.check_resampled_weights(fn)
    assert says in capsys.readouterr().out


MISTAKES = {  # what a learner's function may return or do instead of a result
    "None": lambda *a: None, "a list of numbers": lambda *a: [0.5, 0.5], "a string": lambda *a: "0.5",
    "the wrong shape": lambda *a: torch.zeros(3, 7, 2), "an integer tensor": lambda *a: torch.ones(3, dtype=torch.long),
    "a NumPy array of many": lambda *a: np.array([0.5, 0.25]), "a complex tensor": lambda *a: torch.tensor(0.5 + 1j),
    "a bool tensor": lambda *a: torch.tensor(True), "a dict": lambda *a: {"answer": 0.5},
    "a tuple of numbers": lambda *a: (0.5, 0.5, 0.5), "NaN": lambda *a: float("nan"), "a raise": lambda *a: 1 / 0,
    "a tensor needing grad": lambda *a: torch.zeros(2, 3, requires_grad=True),
    "NaNs of the right shapes": lambda e, b, d, *rest: (e * np.nan, b * np.nan, d * np.nan),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_learners_mistake_is_one_fail_line_never_a_crash(mistake, capsys):
    ex.check_resampled_weights(MISTAKES[mistake])
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and len(out.strip().splitlines()) == 1, out
