"""Notebook 01's predict-first questions are right about the KL curve and judge answers fairly, and
metrics.band_shares (its per-unit picture of the loophole) counts what it says.

check_kl and check_kl_gradient: their named mistakes here, their shared cases (stable ε, bad answers) in test_exercises.py."""

import math

import pytest
import torch

from sae_lib import exercises as ex
from sae_lib.exercises._checking import reveal
from sae_lib.exercises.ch01_kl_divergence import GRADIENT_WRITTEN_OUT
from sae_lib.metrics import band_shares
from sae_lib.penalties import kl_divergence

COSTS_MORE = "which costs more at ρ = 0.05"


def kl(rho, q):
    return kl_divergence(rho, torch.tensor([q], dtype=torch.float64)).item()


def test_the_question_rewards_the_right_reasoning_not_the_ratio_one():
    """The options are ρ̂ = 0.025 and 0.075, the same distance from ρ = 0.05: the one below costs more. Had the
    question compared ratios (0.025 against 0.1, both 2× off), the answer would flip: so ratio reasoning fails it."""
    correct, options, why, hints = reveal(COSTS_MORE)
    quiet, busy = (float(o) for o in options if o != "same")
    assert math.isclose(0.05 - quiet, busy - 0.05)  # the same distance, so the question is about distance
    assert correct == "0.025" and kl(0.05, quiet) > kl(0.05, busy)
    assert kl(0.05, quiet) < kl(0.05, 2 * 0.05)  # twice too quiet costs less than twice too busy
    assert "same distance" in why and "ratio" in why


@pytest.mark.parametrize("answer", ["0.025", " 0.025 ", 0.025])
def test_the_right_answer_passes_in_its_equivalent_forms(answer, capsys):
    ex.check_prediction(COSTS_MORE, answer)  # a float 0.025 is the option "0.025" too
    assert capsys.readouterr().out.startswith(f"PASS  {COSTS_MORE}")


@pytest.mark.parametrize("answer", ["0.075", "same"])
def test_a_wrong_answer_fails_without_naming_the_right_one(answer, capsys):
    ex.check_prediction(COSTS_MORE, answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "0.025" not in out and reveal(COSTS_MORE)[2] not in out


@pytest.mark.parametrize("answer, says", [(None, "no answer yet"), (..., "no answer yet"), ("0.01", "is not one of"),
                                          (["0.025"], "is not one of"), (0.1, "is not one of")])
def test_an_unfinished_or_malformed_answer_lists_the_options(answer, says, capsys):
    ex.check_prediction(COSTS_MORE, answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and says in out and len(out.strip().splitlines()) == 1


def test_band_shares_tell_an_on_off_unit_from_one_that_hovers_near_rho():
    n = 1000
    on_off = torch.zeros(n)
    on_off[:50] = 1.0  # on for 5 % of inputs
    hovering = torch.full((n,), 0.05)  # the same mean, a little on for every input
    z = torch.stack([on_off, hovering], dim=1)
    assert torch.allclose(z.mean(dim=0), torch.tensor([0.05, 0.05]))  # the KL penalty cannot tell them apart
    shares = band_shares(z, (0.0, 0.01, 0.1, 0.5, 1.01))  # off, near ρ, moderate, on
    assert shares.shape == (4, 2) and torch.allclose(shares.sum(dim=0), torch.ones(2))
    assert torch.allclose(shares[:, 0], torch.tensor([0.95, 0.0, 0.0, 0.05]))
    assert torch.allclose(shares[:, 1], torch.tensor([0.0, 1.0, 0.0, 0.0]))


@pytest.mark.parametrize("edges", [(0.5,), (0.0, 0.5, 0.5), (1.0, 0.0)])
def test_band_shares_refuse_edges_that_are_not_increasing(edges):
    with pytest.raises(ValueError, match="edges"):
        band_shares(torch.rand(5, 3), edges)


def test_band_shares_refuse_a_code_that_is_not_inputs_by_units():
    with pytest.raises(ValueError, match="2-D"):
        band_shares(torch.rand(5), (0.0, 1.0))


_KL_MISTAKES = {
    "only the first term": lambda rho, q: (rho * torch.log(rho / q)).sum(),
    "the mean over units": lambda rho, q: (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).mean(),
    "arguments are swapped": lambda rho, q: (q * torch.log(q / rho) + (1 - q) * torch.log((1 - q) / (1 - rho))).sum(),
    "log base 10": lambda rho, q: (rho * torch.log10(rho / q) + (1 - rho) * torch.log10((1 - rho) / (1 - q))).sum(),
}


@pytest.mark.parametrize("named", sorted(_KL_MISTAKES))
def test_check_kl_names_the_common_mistake_without_giving_the_formula(capsys, named):
    ex.check_kl(_KL_MISTAKES[named])
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and named in out and "log((1−ρ)" not in out


def _gradient(rho, q, beta):
    return beta * (-rho / q + (1 - rho) / (1 - q))


_GRADIENT_MISTAKES = {
    "β is missing": lambda rho, q, beta: _gradient(rho, q, 1.0),
    "the sign is flipped": lambda rho, q, beta: -_gradient(rho, q, beta),
    "only the first term": lambda rho, q, beta: beta * (-rho / q),
    "the second term's sign": lambda rho, q, beta: beta * (-rho / q - (1 - rho) / (1 - q)),
}


@pytest.mark.parametrize("named", sorted(_GRADIENT_MISTAKES))
def test_check_kl_gradient_names_the_common_mistake(capsys, named):
    ex.check_kl_gradient(_GRADIENT_MISTAKES[named])
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and named in out


def test_check_kl_gradient_accepts_a_stable_epsilon(capsys):
    ex.check_kl_gradient(lambda rho, q, beta: beta * (-rho / (q + 1e-6) + (1 - rho) / (1 - q + 1e-6)))
    assert capsys.readouterr().out.startswith("PASS")


#: The predict-first questions of notebooks 01–05: each wrong option has a hint of its own.
QUESTIONS_01_05 = [COSTS_MORE, "sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ", "mean activation of an untrained sigmoid code",
                   "why the 1e-3 run did not learn", "switching off a digit's strongest unit"]


@pytest.mark.parametrize("question", QUESTIONS_01_05)
def test_every_wrong_prediction_gets_a_hint_of_its_own_that_keeps_the_answer(question, capsys):
    correct, options, why, hints = reveal(question)
    wrong = [o for o in options if o != correct]
    assert sorted(hints) == sorted(wrong) and len(set(hints.values())) == len(wrong)
    for option in wrong:
        ex.check_prediction(question, option)
        out = capsys.readouterr().out
        assert out == f"FAIL  {question}: not {option!r}: {hints[option]}\n"
        assert why not in out and f"{correct!r}" not in out and f'"{correct}"' not in out


def unfinished(*args):
    raise NotImplementedError


def test_the_gradient_is_written_out_only_after_a_pass(capsys):
    ex.check_kl_gradient(lambda rho, q, beta: beta * (-rho / q + (1 - rho) / (1 - q)))
    out = capsys.readouterr().out
    assert out.startswith("PASS") and GRADIENT_WRITTEN_OUT in out
    for answer in (_GRADIENT_MISTAKES["the sign is flipped"], unfinished, None):
        ex.check_kl_gradient(answer)
        out = capsys.readouterr().out
        assert out.startswith("FAIL") and "(1−ρ)/(1−ρ̂_j)" not in out, out


def test_the_kl_hint_starts_from_the_general_definition_not_the_bernoulli_formula(capsys):
    ex.check_kl(lambda rho, q: kl_divergence(rho, q) * 1.5)  # an unforeseen mistake: the general hint
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "Σ_s P(s) log(P(s)/Q(s))" in out and "log((1−ρ)" not in out, out
