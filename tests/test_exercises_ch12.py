"""Notebook 12's exercises: the absorption measure names the learner's mistake; the prefix question says why."""

import torch
from _checker_suite import checker_suite

from sae_lib import exercises as ex


def absorption(codes, decoder, direction, main):
    unit = decoder / decoder.norm(dim=1, keepdim=True)
    contribution = codes * (decoder @ direction)
    others = contribution.clone()
    others[:, main] = float("-inf")
    best, who = others.max(dim=1)
    silent = codes[:, main] <= 0
    absorbed = silent & (unit[who] @ direction >= 0.1) & (best > 0) & (best >= 0.5 * contribution.clamp(min=0).sum(1))
    return silent.float().mean().item(), absorbed.float().mean().item()


def absorption_by_loop(codes, decoder, direction, main):  # an equivalent form: one row at a time, plain floats
    silent = absorbed = 0
    for row in codes:
        contributions = [(float(row[j] * (decoder[j] @ direction)), j) for j in range(len(row)) if j != main]
        best, who = max(contributions)
        total = sum(max(float(row[j] * (decoder[j] @ direction)), 0.0) for j in range(len(row)))
        cos = float(decoder[who] @ direction / decoder[who].norm())
        if row[main] <= 0:
            silent += 1
            absorbed += cos >= 0.1 and best > 0 and best >= 0.5 * total
    return silent / len(codes), absorbed / len(codes)


RIGHT = {"check_absorption_measure": [absorption, absorption_by_loop]}
MISTAKES = {
    "count only rows where the main latent is 0": lambda c, d, p, m: (
        absorption(c, d, p, m)[0],
        absorption(torch.cat([torch.zeros(len(c), 1, dtype=c.dtype), c[:, 1:]], 1), d, p, m)[1]),
    "the false-negative rate is the share of rows where the main latent is silent": lambda *a: (
        1 - absorption(*a)[0], absorption(*a)[1]),
    "activation instead of contribution": lambda c, d, p, m: absorption(c, d / d.norm(dim=1, keepdim=True), p, m)[
        0:1] + (float(((c[:, m] <= 0) & ((c * (d @ p) > 0).sum(1) > 0)).float().mean()),),
}
WRONG = {"check_absorption_measure": list(MISTAKES.values())}

(test_right_answers_pass_in_their_equivalent_forms, test_wrong_answers_fail_with_a_hint,
 test_unfinished_answers_say_not_implemented,
 test_a_learners_crash_or_odd_result_is_a_fail_never_an_exception) = checker_suite(RIGHT, WRONG)


def test_a_mistake_gets_its_own_hint(capsys):
    ex.check_absorption_measure(MISTAKES["the false-negative rate is the share of rows where the main latent is silent"])
    assert "not where it fires" in capsys.readouterr().out


def test_prefix_question_passes_the_parents_first_and_explains(capsys):
    for answer in [(3, 15), [3, 7, 15], (3.0, 15)]:
        assert ex.check_matryoshka_prefixes(answer, "the parents must reconstruct alone first").passed
    out = capsys.readouterr().out
    assert out.count("PASS") == 3 and "Your reason" in out


def test_prefix_question_names_each_mistake(capsys):
    cases = {(2, 15): "cannot reconstruct all", (8, 15): "room for more than", (15,): "ordinary SAE",
             (3, 12): "must be 15", (5, 3, 15): "strictly increasing", None: "no answer yet", "abc": "whole numbers",
             (3.5, 15): "whole numbers", (float("inf"), 15): "whole numbers"}
    for answer, words in cases.items():
        result = ex.check_matryoshka_prefixes(answer, "because the parents come first")
        out = capsys.readouterr().out
        assert not result.passed and words in out and len(out.strip().splitlines()) == 1, (answer, out)
    assert not ex.check_matryoshka_prefixes((3, 15), "").passed
    assert not ex.check_matryoshka_prefixes((3, 15), "because that is the answer I think").passed
    assert "what the first prefix's latents stand for" in capsys.readouterr().out


def test_the_parent_latent_question_has_a_hint_per_wrong_option(capsys):
    for option in ("fires as usual", "fires twice as strongly"):
        assert not ex.check_prediction("the parent latent where a child fires", option).passed
    assert ex.check_prediction("the parent latent where a child fires", "Silent.").passed
