"""feature_recovery scores codes, not only decoder directions; welch_bound is the floor on overlap."""

import math

import pytest
import torch

from sae_lib.superposition import feature_recovery, welch_bound


@pytest.fixture
def truth():
    g = torch.Generator().manual_seed(0)
    directions = torch.nn.functional.normalize(torch.randn(4, 3, generator=g), dim=1)
    on = torch.rand(500, 4, generator=g) < 0.2
    return directions, torch.rand(500, 4, generator=g) * on


def test_a_perfect_sae_scores_one_everywhere_whatever_the_latent_order(truth):
    directions, x = truth
    order = torch.tensor([2, 5, 0, 3])  # feature i lives in latent order[i]; latents 1 and 4 are spare
    learned = torch.randn(6, 3)
    learned[order] = directions * 3.0  # the length of a decoder column does not matter
    codes = torch.zeros(500, 6)
    codes[:, order] = 2 * x  # nor the scale of the code
    r = feature_recovery(x, codes, directions, learned)
    assert torch.equal(r["latent"], order)
    torch.testing.assert_close(r["cosine"], torch.ones(4))
    torch.testing.assert_close(r["correlation"], torch.ones(4))
    for score in ("precision", "recall", "f1"):
        torch.testing.assert_close(r[score], torch.ones(4))


def test_precision_and_recall_tell_false_alarms_from_misses(truth):
    directions, x = truth
    codes = x.clone()
    codes[:, 0] = 1.0  # latent 0 fires on every input: every miss is gone, most firings are false alarms
    codes[:, 1] = torch.where(x[:, 1] > 0.5, x[:, 1], 0.0)  # latent 1 misses the weak half of its feature
    r = feature_recovery(x, codes, directions, directions.clone())
    assert r["recall"][0] == 1 and r["precision"][0] < 0.3
    assert r["precision"][1] == 1 and 0.3 < r["recall"][1] < 0.7
    torch.testing.assert_close(r["f1"], 2 * r["precision"] * r["recall"] / (r["precision"] + r["recall"]))


def test_right_directions_with_wrong_codes_are_caught(truth):
    directions, x = truth
    codes = x.roll(1, dims=1)  # each latent fires on the wrong feature: the decoder alone would look perfect
    r = feature_recovery(x, codes, directions, directions.clone())
    torch.testing.assert_close(r["cosine"], torch.ones(4))
    assert r["correlation"].abs().max() < 0.2 and r["f1"].max() < 0.4


def test_a_dead_latent_and_a_shared_one(truth):
    _, x = truth
    directions = torch.eye(4)
    learned = directions.clone()
    learned[3] = directions[2] + 0.05  # latent 3 duplicates feature 2's direction: feature 3 gets no latent of its own
    codes = x.clone()
    codes[:, 1] = 0.0  # latent 1 is dead
    r = feature_recovery(x, codes, directions, learned)
    assert len(set(r["latent"].tolist())) == 4  # one-to-one: no latent is matched twice
    assert r["correlation"][1] == 0 and r["f1"][1] == 0  # dead: no correlation (not NaN), detects nothing
    assert r["cosine"][3] < 0.9 or r["cosine"][2] < 0.9


def test_bad_shapes_are_refused(truth):
    directions, x = truth
    with pytest.raises(ValueError, match="latents ≥ features"):
        feature_recovery(x, x[:, :3], directions, directions[:3])
    with pytest.raises(ValueError, match="shapes"):
        feature_recovery(x[:10], x, directions, directions)


def test_welch_bound():
    assert welch_bound(3, 3) == 0.0
    assert welch_bound(3, 2) == pytest.approx(0.5)  # three lines at 60°: |cos| = 1/2
    assert welch_bound(40, 10) == pytest.approx(math.sqrt(30 / 390))
    g = torch.Generator().manual_seed(0)
    for _ in range(5):  # no random arrangement beats it
        u = torch.nn.functional.normalize(torch.randn(40, 10, generator=g), dim=1)
        assert ((u @ u.T - torch.eye(40)).abs().max() >= welch_bound(40, 10))
    with pytest.raises(ValueError, match="n_dims must be a positive integer, got 0"):
        welch_bound(4, 0)
