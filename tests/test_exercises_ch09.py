"""Notebook 09's exercises: the TopK activation and JumpReLU's threshold gradient name the learner's mistake."""

import pytest
import torch
from _checker_suite import checker_suite

from sae_lib import exercises as ex


def topk(pre, k):
    values, indices = pre.topk(k, dim=1)
    return torch.zeros_like(pre).scatter(1, indices, values.relu())


def topk_by_threshold(pre, k):  # an equivalent form: keep what reaches the row's k-th largest value
    kth = pre.topk(k, dim=1).values[:, -1:]
    return torch.where(pre >= kth, pre.relu(), torch.zeros_like(pre))


def threshold_gradient(pre, threshold, bandwidth, grad_output):
    in_window = (((pre - threshold) / bandwidth).abs() < 0.5).to(pre.dtype)
    return (grad_output * in_window * (-threshold / bandwidth)).sum(dim=0)


RIGHT = {"check_topk": [topk, topk_by_threshold],
         "check_jumprelu_threshold_gradient": [threshold_gradient]}


def _scatter(pre, k, largest=True):
    values, indices = pre.topk(k, dim=1, largest=largest)
    return torch.zeros_like(pre).scatter(1, indices, values)


TOPK_MISTAKES = {
    "ReLU'd": lambda pre, k: _scatter(pre, k),
    "k smallest": lambda pre, k: _scatter(pre, k, largest=False).relu(),
    "by size |pre|": lambda pre, k: torch.zeros_like(pre).scatter(1, pre.abs().topk(k, dim=1).indices,
                                                                  pre.gather(1, pre.abs().topk(k, dim=1).indices)).relu(),
    "not a mask": lambda pre, k: torch.zeros_like(pre).scatter(1, pre.topk(k, dim=1).indices, 1.0),
}
GRADIENT_MISTAKES = {
    "mean over the batch": lambda *a: threshold_gradient(*a) / len(a[0]),
    "sign is flipped": lambda *a: -threshold_gradient(*a),
    "upstream gradient": lambda pre, th, eps, go: threshold_gradient(pre, th, eps, torch.ones_like(go)),
    "twice too wide": lambda pre, th, eps, go: 2 * threshold_gradient(pre, th, 2 * eps, go),
    "L0 penalty's gradient": lambda pre, th, eps, go: (go * (((pre - th) / eps).abs() < 0.5).to(pre.dtype)
                                                        * (-1 / eps)).sum(dim=0),
}
WRONG = {"check_topk": list(TOPK_MISTAKES.values()), "check_jumprelu_threshold_gradient": list(GRADIENT_MISTAKES.values())}

(test_right_answers_pass_in_their_equivalent_forms, test_wrong_answers_fail_with_a_hint,
 test_unfinished_answers_say_not_implemented,
 test_a_learners_crash_or_odd_result_is_a_fail_never_an_exception) = checker_suite(RIGHT, WRONG)


@pytest.mark.parametrize("checker, mistakes", [("check_topk", TOPK_MISTAKES),
                                               ("check_jumprelu_threshold_gradient", GRADIENT_MISTAKES)])
def test_the_hint_names_the_mistake_not_the_code(checker, mistakes, capsys):
    for named, fn in mistakes.items():
        getattr(ex, checker)(fn)
        out = capsys.readouterr().out
        assert out.startswith("FAIL") and named in out and "torch.topk" not in out, (named, out)
