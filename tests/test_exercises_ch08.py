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
    """Changes the caller's tensors: in training those are the model's own weights, so the checker fails it."""
    u = directions / directions.norm(dim=1, keepdim=True)
    w_dec[:, dead], w_enc[dead], b_enc[dead] = u.T, u * encoder_norm, 0.0
    return w_enc, b_enc, w_dec


def todo(*args):
    raise NotImplementedError


def resample_with_index_copy(w_enc, b_enc, w_dec, dead, directions, encoder_norm):
    """Another equivalent form: index_copy on the dead latents' indices, float32 arithmetic on the way."""
    ids = dead.nonzero().flatten()
    u = torch.nn.functional.normalize(directions.float(), dim=1).double()
    return (w_enc.index_copy(0, ids, u * encoder_norm), b_enc.index_fill(0, ids, 0.0), w_dec.index_copy(1, ids, u.T))


@pytest.mark.parametrize("fn", [resample, resample_with_where, resample_with_index_copy])
def test_resampled_weights_right_forms_pass(fn, capsys):
    ex.check_resampled_weights(fn)
    assert capsys.readouterr().out.startswith("PASS")


def fix(**changes):
    """The right resampler with one thing done differently (a learner's partial fix of the broken one)."""
    def fn(w_enc, b_enc, w_dec, dead, directions, encoder_norm):
        u = changes.get("u", lambda d: d / d.norm(dim=1, keepdim=True))(directions)
        w_enc, b_enc, w_dec = w_enc.clone(), b_enc.clone(), w_dec.clone()
        w_dec[:, dead] = u.T
        w_enc[dead] = u * changes.get("scale", lambda n: n)(encoder_norm)
        if not changes.get("keep_bias"):
            b_enc[dead] = 0.0
        return w_enc, b_enc, w_dec
    return fn


@pytest.mark.parametrize("fn, says", [
    (ex.broken_resampled_weights, "in place"),  # the notebook's broken resampler: its first problem
    (fix(u=lambda d: d / d.norm(), keep_bias=True), "one norm for the whole matrix"),  # cloned, the next one
    (fix(keep_bias=True), "old encoder biases"),  # and the last
    (fix(u=lambda d: d), "raw directions, not of length 1"),
    (fix(scale=lambda n: 1.0), "have length 1: they must have length encoder_norm"),
    (fix(scale=lambda n: 0.2 * n), "do not scale it again"),  # the prose's 0.2 read literally, on top of encoder_norm
    (resample_in_place, "in place"),
    (lambda e, b, d, dead, u, n: resample(e, b, d, dead, u, n)[:2] + (d,), "decoder columns did not change"),
    (lambda e, b, d, dead, u, n: resample(e, b, d, ~dead, torch.cat([u, u, u])[: int((~dead).sum())], n),
     "a living latent changed"),
])
def test_resampled_weights_wrong_forms_fail_naming_the_broken_property(fn, says, capsys):
    ex.check_resampled_weights(fn)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and says in out and len(out.strip().splitlines()) == 1, out
    assert ".clone()" not in out and "norm(dim=1" not in out  # a hint names the property, never the code


def test_the_broken_resampler_really_breaks_three_properties():
    """What the notebook asks the learner to find is there: in-place change, shrunk columns, biases kept."""
    g = torch.Generator().manual_seed(0)
    w_enc, b_enc, w_dec = torch.randn(5, 3, generator=g), torch.randn(5, generator=g) - 2, torch.randn(3, 5, generator=g)
    dead = torch.tensor([True, False, True, False, False])
    directions = torch.randn(2, 3, generator=g) * 3
    original = w_dec.clone()
    new_enc, new_bias, new_dec = ex.broken_resampled_weights(w_enc, b_enc, w_dec, dead, directions, 0.4)
    assert not torch.equal(w_dec, original)  # changed in place
    assert (new_dec[:, dead].norm(dim=0) < 0.99).all()  # two revived columns share one norm: each shorter than 1
    assert (new_bias[dead] < -0.5).all()  # the old, negative biases stay


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
