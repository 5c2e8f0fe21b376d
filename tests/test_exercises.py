"""Each exercise checker passes a right answer, fails wrong or missing ones, and says why.

Notebooks 04, 07 and 08's checkers are tested in test_exercises_ch04.py, test_exercises_ch07.py and
test_exercises_ch08.py."""

import io
import tokenize

import numpy as np
import pytest
import torch

from sae_lib import exercises as ex
from sae_lib.metrics import dead_fraction, l0
from sae_lib.penalties import kl_divergence, kl_gradient


def todo(*args):
    raise NotImplementedError


def topk_by_hand(pre, k):
    values, indices = pre.topk(k, dim=1)
    return torch.zeros_like(pre).scatter(1, indices, values.relu())


def threshold_gradient_by_hand(pre, theta, eps, grad_output):
    window = ((pre - theta) / eps).abs() < 0.5
    return (grad_output * window * (-theta / eps)).sum(dim=0)


def mmcs_by_hand(true, learned):
    t, lrn = true / true.norm(dim=1, keepdim=True), learned / learned.norm(dim=1, keepdim=True)
    return (t @ lrn.T).max(dim=1).values.mean()


def comments_by_hand(text):
    marks = torch.zeros(len(text), dtype=torch.bool)
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    for t in tokenize.generate_tokens(io.StringIO(text).readline):
        if t.type == tokenize.COMMENT:
            a = starts[t.start[0] - 1] + t.start[1]
            marks[a:a + len(t.string)] = True
    return marks


def comments_to_end_of_line(text):  # the common mistake: a # inside a string is not a comment
    marks, inside = [], False
    for c in text:
        inside = (inside or c == "#") and c != "\n"
        marks.append(inside)
    return marks  # a list: the checker converts it


def precision_by_hand(acts, labels, k):
    values, positions = acts.topk(k)
    keep = positions[values > 0]
    return labels[keep].float().mean()


RIGHT = {
    "check_topk": topk_by_hand,
    "check_jumprelu_threshold_gradient": threshold_gradient_by_hand,
    "check_mmcs": mmcs_by_hand,
    "check_unit_norm_columns": lambda w: w / w.norm(dim=0, keepdim=True),
    "check_kl": kl_divergence,
    "check_kl_gradient": kl_gradient,
    "check_dead_fraction": dead_fraction,
    "check_class_means": lambda z, y: torch.stack([z[y == c].mean(0) for c in range(int(y.max()) + 1)]),
    "check_loss_recovered": lambda clean, sae, ablated: (ablated - sae) / (ablated - clean),
    "check_comment_labels": comments_by_hand,
    "check_top_precision": precision_by_hand,
}
WRONG = {
    "check_topk": lambda pre, k: torch.zeros_like(pre).scatter(1, pre.topk(k, dim=1).indices, pre.topk(k, dim=1).values),
    "check_jumprelu_threshold_gradient": lambda pre, t, eps, g: threshold_gradient_by_hand(pre, t, eps, torch.ones_like(g)),
    "check_mmcs": lambda true, learned: (true @ learned.T).max(dim=1).values.mean(),  # forgets to normalise
    "check_unit_norm_columns": lambda w: w / w.norm(dim=1, keepdim=True),  # rows, not columns
    "check_kl": lambda rho, q: (rho * torch.log(rho / q)).sum(),  # the torch kl_div mistake: drops the (1 − ρ) term
    "check_kl_gradient": lambda rho, q, beta: -rho / q + (1 - rho) / (1 - q),  # forgets β
    "check_dead_fraction": lambda z, t: (z <= t).all(0).sum(),
    "check_loss_recovered": lambda clean, sae, ablated: (sae - clean) / (ablated - clean),  # the loss *lost*
    "check_comment_labels": comments_to_end_of_line,
    "check_top_precision": lambda acts, labels, k: labels[acts.topk(k).indices].float().mean(),  # counts zeros
    "check_class_means": lambda z, y: torch.stack([z[y == c].sum(0) for c in range(int(y.max()) + 1)]),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_answer_passes(name, capsys):
    getattr(ex, name)(RIGHT[name])
    assert capsys.readouterr().out.startswith("PASS")


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answer_fails_with_a_hint(name, capsys):
    getattr(ex, name)(WRONG[name])
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "expected" in out


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_unfinished_answer_says_not_implemented(name, capsys):
    getattr(ex, name)(todo)
    assert "not implemented yet" in capsys.readouterr().out


def test_crashing_answer_reports_the_error(capsys):
    ex.check_kl(lambda rho, q: q.nonexistent())
    assert "AttributeError" in capsys.readouterr().out


MISTAKES = {
    "returns None": lambda *args: None,
    "returns a list": lambda *args: [0.5, 0.5],
    "returns a string": lambda *args: "0.5",
    "returns the wrong shape": lambda *args: torch.zeros(3, 7, 2),
    "returns an integer tensor": lambda *args: torch.ones(3, dtype=torch.long),
    "returns a NumPy array of many": lambda *args: np.array([0.5, 0.25]),
    "returns a complex tensor": lambda *args: torch.tensor(0.5 + 1j),
    "returns a complex number": lambda *args: 0.5 + 1j,
    "returns a bool tensor": lambda *args: torch.tensor(True),
    "returns a dict": lambda *args: {"answer": 0.5},
    "returns a tuple": lambda *args: (0.5, 0.5, 0.5, 0.5),
    "returns NaN": lambda *args: float("nan"),
    "returns a tensor needing grad": lambda *args: torch.zeros(2, 3, requires_grad=True),
    "raises": lambda *args: 1 / 0,
    "is not a function": 0.5,
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
@pytest.mark.parametrize("name", sorted(RIGHT))
def test_a_learners_mistake_is_a_fail_with_a_hint_never_a_crash(name, mistake, capsys):
    getattr(ex, name)(MISTAKES[mistake])
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and len(out.strip().splitlines()) == 1, out


def test_numpy_numbers_are_accepted_where_a_single_number_is_expected(capsys):
    ex.check_l0(lambda z, t: np.float32(l0(z, t)))
    assert capsys.readouterr().out.startswith("PASS")


def test_mistake_hints_say_what_went_wrong(capsys):
    ex.check_kl(lambda rho, q: None)
    assert "returned None" in capsys.readouterr().out
    ex.check_kl_gradient(lambda rho, q, beta: [str(v) for v in kl_gradient(rho, q, beta).tolist()])
    assert "expected a torch.Tensor, got a list" in capsys.readouterr().out
    ex.check_kl_gradient(lambda rho, q, beta: kl_gradient(rho, q, beta)[None])
    assert "shape" in capsys.readouterr().out
    ex.check_kl_gradient(lambda rho, q, beta: (kl_gradient(rho, q, beta) > 0).long())
    assert "floating-point" in capsys.readouterr().out


@pytest.mark.parametrize("convert", [lambda t: t.tolist(), lambda t: t.numpy(), lambda t: t.float().numpy()])
def test_a_list_or_array_of_numbers_is_converted_and_compared(convert, capsys):
    ex.check_kl_gradient(lambda rho, q, beta: convert(kl_gradient(rho, q, beta)))
    assert capsys.readouterr().out.startswith("PASS")
    ex.check_kl_gradient(lambda rho, q, beta: convert(kl_gradient(rho, q, 1.0)))  # converted, and still wrong
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "expected" in out


def test_learners_function_cannot_change_the_reference_inputs(capsys):
    def in_place(rho, q, beta):
        result = kl_gradient(rho, q, beta)
        q.zero_()
        return result
    ex.check_kl_gradient(in_place)
    assert capsys.readouterr().out.startswith("PASS")


@pytest.mark.parametrize("answer, verdict", [("b", "PASS"), (" B ", "PASS"), ("a", "FAIL"), ("d", "FAIL"),
                                             (None, "FAIL"), (..., "FAIL"), (3, "FAIL")])
def test_choice_questions(answer, verdict, capsys):
    ex.check_choice("question", answer, "b", ("a", "b", "c"), "because.")
    assert capsys.readouterr().out.startswith(verdict)


@pytest.mark.parametrize("question", sorted(ex.PREDICTIONS))
def test_every_prediction_passes_its_answer_and_keeps_the_explanation_from_a_wrong_one(question, capsys):
    correct, options, why, *_hints = ex.PREDICTIONS[question]
    assert correct in options and why
    ex.check_prediction(question, f" {correct.upper()} ")
    out = capsys.readouterr().out
    assert out.startswith(f"PASS  {question}") and why in out
    wrong = next(o for o in options if o != correct)
    ex.check_prediction(question, wrong)
    out = capsys.readouterr().out
    assert out.startswith(f"FAIL  {question}: not {wrong!r}") and why not in out  # it would name the answer
    for mistake in (None, 3, ["a"], "none of these"):
        ex.check_prediction(question, mistake)
        out = capsys.readouterr().out
        assert out.startswith("FAIL") and why not in out  # a non-answer gets the options, not the answer


def test_an_unknown_prediction_question_is_an_authoring_error():
    with pytest.raises(ValueError, match="question must be one of"):
        ex.check_prediction("no such question", "a")


def test_comment_labels_accept_a_list_of_booleans(capsys):
    ex.check_comment_labels(lambda text: comments_by_hand(text).tolist())
    assert capsys.readouterr().out.startswith("PASS")


PRECISIONS = torch.tensor([0.9, 0.3, float("nan")])


@pytest.mark.parametrize("latent, reason, verdict", [
    (1, "it fires on spaces in many different places", "PASS"),
    (0, "it fires on spaces in many different places", "passes"),
    (2, "it fires on spaces in many different places", "dead"),
    (1, "", "say in a sentence"),
    (None, None, "no answer yet"),
    ("1", "it fires on spaces in many places", "must be an integer"),
    (-1, "it fires on spaces in many places", "must be an integer from 0 to 2"),
    (3, "it fires on spaces in many places", "must be an integer from 0 to 2"),
])
def test_measured_failure(latent, reason, verdict, capsys):
    ex.check_measured_failure(latent, PRECISIONS, reason)
    assert verdict in capsys.readouterr().out


def test_top_precision_accepts_a_python_float(capsys):
    ex.check_top_precision(lambda acts, labels, k: precision_by_hand(acts, labels, k).item())
    assert capsys.readouterr().out.startswith("PASS")


def _kl_with_eps(eps):
    return lambda rho, q: (rho * torch.log(rho / (q + eps)) + (1 - rho) * torch.log((1 - rho) / (1 - q + eps))).sum()


@pytest.mark.parametrize("answer", [
    _kl_with_eps(1e-7), _kl_with_eps(1e-6),  # the common stable form, and the library's own ε
    lambda rho, q: (rho * torch.log((rho + 1e-6) / (q + 1e-6))
                    + (1 - rho) * torch.log((1 - rho + 1e-6) / (1 - q + 1e-6))).sum(),
    lambda rho, q: kl_divergence(rho, q.clamp(1e-6, 1 - 1e-6)).item(),  # a Python float is a number too
])
def test_kl_accepts_the_stable_forms(answer, capsys):
    ex.check_kl(answer)
    assert capsys.readouterr().out.startswith("PASS")


@pytest.mark.parametrize("answer", [
    lambda rho, q: (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).mean(),  # mean, not sum
    lambda rho, q: (q * torch.log(q / rho) + (1 - q) * torch.log((1 - q) / (1 - rho))).sum(),  # KL(ρ̂ ‖ ρ)
    lambda rho, q: (rho * torch.log(rho / (q + 1e-7))).sum(),  # stable, but the (1 − ρ) term dropped
])
def test_kl_still_rejects_real_mistakes(answer, capsys):
    ex.check_kl(answer)
    assert capsys.readouterr().out.startswith("FAIL")


def test_kl_gradient_accepts_an_epsilon_and_rejects_a_forgotten_beta(capsys):
    ex.check_kl_gradient(lambda rho, q, beta: beta * (-rho / (q + 1e-6) + (1 - rho) / (1 - q + 1e-6)))
    assert capsys.readouterr().out.startswith("PASS")
    ex.check_kl_gradient(lambda rho, q, beta: -rho / (q + 1e-6) + (1 - rho) / (1 - q + 1e-6))
    assert capsys.readouterr().out.startswith("FAIL")


def test_checkers_return_and_record_their_result():
    from sae_lib import exercises
    before = len(exercises.RESULTS)
    result = exercises.check_kl(lambda rho, rho_hat: ...)
    assert isinstance(result, exercises.CheckResult) and not result.passed and result.score == 0.0
    assert exercises.RESULTS[-1] is result and len(exercises.RESULTS) == before + 1


def test_prediction_answers_ignore_a_number_s_form_and_a_trailing_period():
    from sae_lib.exercises._checking import check_choice
    assert check_choice("q", "0.50", "0.5", ("0.1", "0.5"), "why").passed
    assert check_choice("q", "Yes.", "yes", ("yes", "no"), "why").passed
    assert not check_choice("q", "0.1", "0.5", ("0.1", "0.5"), "why").passed


def test_a_wrong_prediction_gets_its_own_hint(capsys):
    from sae_lib.exercises._checking import check_choice
    result = check_choice("q", "b", "a", ("a", "b", "c"), "because a", {"b": "b forgets the bias"})
    assert not result.passed and "b forgets the bias" in result.message and "because a" not in capsys.readouterr().out
