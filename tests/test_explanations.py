"""The explanation scorer: precision, recall, per-quantile precision and detection over all of a latent's firings."""

import math

import pytest
import torch

from sae_lib.lm import explanations as E


def test_ends_with_marks_the_last_character_of_each_match():
    mask = E.ends_with("th")("the path, thy")
    assert mask.nonzero().flatten().tolist() == [1, 7, 11]


def test_overlapping_matches_are_all_found():
    assert E.ends_with("aa")("aaaa").nonzero().flatten().tolist() == [1, 2, 3]


def test_a_perfect_explanation_scores_one_everywhere():
    text = "xaxxaxxxa" * 20
    holds = E.char_in("a")(text)
    acts = holds.float() * torch.linspace(0.1, 2.0, len(text))
    score = E.score_latent(acts, text, E.explain("an a", E.char_in("a")))
    assert score.precision == score.recall == score.mass_precision == 1.0
    assert score.detection == 1.0 and all(q == 1.0 for q in score.quantile_precision)


def test_a_story_true_only_of_the_strongest_firings_is_caught_by_the_weakest_quantile():
    # The latent fires strongly on "a" and weakly on "b": the story "an a" is true of its top contexts only.
    text = "ab" * 100
    acts = torch.tensor([2.0 if c == "a" else 0.1 for c in text])
    score = E.score_latent(acts, text, E.explain("an a", E.char_in("a")))
    assert score.precision == pytest.approx(0.5)
    assert score.quantile_precision[0] == 0.0 and score.quantile_precision[-1] == 1.0
    assert score.mass_precision == pytest.approx(2.0 / 2.1)
    assert score.recall == 1.0


def test_recall_counts_the_places_the_explanation_holds_but_the_latent_is_silent():
    text = "a" * 10
    acts = torch.tensor([1.0] * 3 + [0.0] * 7)
    score = E.score_latent(acts, text, E.explain("an a", E.char_in("a")))
    assert score.precision == 1.0 and score.recall == pytest.approx(0.3)


def test_detection_is_chance_for_an_explanation_that_holds_everywhere():
    text = "abcd" * 50
    acts = torch.tensor([1.0 if c == "a" else 0.0 for c in text])
    score = E.score_latent(acts, text, E.explain("any character", lambda t: torch.ones(len(t), dtype=torch.bool)))
    assert score.precision == 1.0 and score.detection == pytest.approx(0.5)


def test_a_silent_latent_scores_nan_not_an_error():
    score = E.score_explanation(torch.zeros(20), torch.ones(20, dtype=torch.bool), "anything")
    assert score.n_firings == 0 and math.isnan(score.precision)


def test_concept_labels_become_a_predicate():
    from sae_lib.lm.concepts import label_source
    text = 'x = "ab"\n'
    labels = label_source(text)
    name = next(n for n in labels.names if "string" in n)
    assert E.concept(labels, name)(text).tolist() == labels[name].tolist()


@pytest.mark.parametrize("bad", [
    lambda: E.ends_with(""),
    lambda: E.char_in(""),
    lambda: E.explain("", E.char_in("a")),
    lambda: E.score_explanation(torch.ones(3), torch.ones(4, dtype=torch.bool)),
    lambda: E.score_explanation(torch.ones(3), torch.ones(3, dtype=torch.bool), n_quantiles=0),
    lambda: E.score_latent(torch.ones(3), "abcd", E.explain("a", E.char_in("a"))),
    lambda: E.explain("wrong shape", lambda t: torch.ones(2, dtype=torch.bool)).mask("abc"),
])
def test_bad_input_is_a_clear_value_error(bad):
    with pytest.raises(ValueError):
        bad()


def test_the_suffix_rival_is_the_commonest_ending_among_the_firings():
    text = "os.sys.os.ab"
    acts = torch.tensor([1.0 if c == "s" else 0.0 for c in text])  # fires on every s, twice after an o
    rival = E.suffix_explanation(acts, text, 2)
    assert rival.sentence == "ends with 'os'"
    with pytest.raises(ValueError, match="never fires"):
        E.suffix_explanation(torch.zeros(len(text)), text)
    with pytest.raises(ValueError, match="length must be"):
        E.suffix_explanation(acts, text, 0)
