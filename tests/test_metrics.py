"""Metrics on hand-made codes and reconstructions, and on hand-made image filters."""

import math

import numpy as np
import pytest
import torch

from sae_lib import SparseAutoencoder, evaluate
from sae_lib.metrics import (
    dead_fraction,
    decoder_features,
    default_threshold,
    dense_fraction,
    feature_density,
    l0,
    mmcs,
    normalized_mse,
    orientation_selectivity,
    spatial_extent,
    variance_explained,
)


def test_l0_and_dead_units_count_activity_above_threshold():
    z = torch.tensor([[0.0, 0.5, 0.05, 0.0], [0.0, 0.2, 0.0, 0.0], [0.0, 0.9, 0.3, 0.0]])
    assert l0(z, 0.1) == pytest.approx((1 + 1 + 2) / 3)
    assert dead_fraction(z, 0.1) == pytest.approx(0.5)
    assert l0(z, 0.0) == pytest.approx((2 + 1 + 2) / 3)
    assert default_threshold("sigmoid") == 0.1 and default_threshold("relu") == 0.0


def test_variance_explained_is_one_for_perfect_and_zero_for_the_mean():
    x = torch.rand(100, 784)
    assert variance_explained(x, x) == pytest.approx(1.0)
    assert variance_explained(x, x.mean(dim=0, keepdim=True).expand_as(x)) == pytest.approx(0.0, abs=1e-6)
    assert variance_explained(x, x + 0.1 * torch.randn_like(x)) < 1.0


def test_evaluate_reports_the_metrics_table(mnist):
    torch.manual_seed(0)
    m = evaluate(SparseAutoencoder(), mnist.test_images[:100], rho=0.05)
    assert set(m) == {"test_mse", "mean_rho_hat", "l0", "dead_fraction", "dense_fraction", "variance_explained",
                      "normalized_mse", "rho"}
    assert 0.4 < m["mean_rho_hat"] < 0.6 and m["l0"] > 20  # fresh sigmoid units sit near 0.5


def test_decoder_features_of_a_linear_decoder_are_its_columns():
    model = SparseAutoencoder(hidden_dims=(), latent_dim=10, latent_activation="relu", output_activation="none")
    torch.testing.assert_close(decoder_features(model), model.decoder[0].weight.T.detach())


def test_feature_density_and_dense_units():
    z = torch.tensor([[0.9, 0.0, 0.2], [0.8, 0.0, 0.0], [0.7, 0.0, 0.0], [0.6, 0.5, 0.0]])
    torch.testing.assert_close(feature_density(z, 0.1), torch.tensor([1.0, 0.25, 0.25]))
    assert dense_fraction(z, 0.1) == pytest.approx(1 / 3)  # unit 0 is always on: dead_fraction cannot see it
    assert dead_fraction(z, 0.1) == 0.0 and dense_fraction(z, 0.1, max_density=0.2) == pytest.approx(1.0)


def test_normalized_mse_counts_the_offset_that_variance_explained_ignores():
    x = torch.rand(200, 50)
    assert normalized_mse(x, x) == pytest.approx(0.0)
    assert normalized_mse(x, x.mean(dim=0, keepdim=True).expand_as(x)) == pytest.approx(1.0)
    shifted = x + 0.2  # right shape, wrong level: the residual has a constant mean
    assert variance_explained(x, shifted) == pytest.approx(1.0)
    assert normalized_mse(x, shifted) > 0.3
    noisy = x + 0.1 * torch.randn_like(x)
    assert 1 - normalized_mse(x, noisy) <= variance_explained(x, noisy) + 1e-6


def test_mmcs_both_directions_see_missing_and_junk_atoms():
    true = torch.eye(4)
    assert mmcs(true, true * 3) == pytest.approx(1.0)
    half = true[:2]  # finds only two of the four atoms
    assert mmcs(true, half) == pytest.approx(0.5) and mmcs(half, true) == pytest.approx(1.0)
    junk = torch.cat([true, torch.ones(4, 4)])  # all found, plus four copies of a junk atom
    assert mmcs(true, junk) == pytest.approx(1.0) and mmcs(junk, true) == pytest.approx((4 + 4 * 0.5) / 8)
    with pytest.raises(ValueError, match="same dim"):
        mmcs(torch.eye(3), torch.eye(4))


def test_baselines_mean_image_scores_zero_and_pca_matches_its_rank(mnist):
    from sae_lib.metrics import baselines

    x, t = mnist.train_images[:1000], mnist.test_images[:300]
    b = baselines(x, t, 16)
    assert set(b) == {"mean image", "PCA-16"}
    assert abs(b["mean image"]["variance_explained"]) < 0.02 and b["mean image"]["normalized_mse"] > 0.98
    assert 0.5 < b["PCA-16"]["variance_explained"] < 0.9 and b["PCA-16"]["test_mse"] < b["mean image"]["test_mse"]
    assert baselines(x, t, 64)["PCA-64"]["variance_explained"] > b["PCA-16"]["variance_explained"]


def gabor(theta, wavelength=4.0, sigma=1.5, phase=0.0, size=8):
    y, x = torch.meshgrid(torch.arange(size) - (size - 1) / 2, torch.arange(size) - (size - 1) / 2, indexing="ij")
    along = x * math.cos(theta) + y * math.sin(theta)
    return torch.exp(-(x**2 + y**2) / (2 * sigma**2)) * torch.cos(2 * math.pi * along / wavelength + phase)


def test_orientation_selectivity_is_low_for_noise_and_high_for_gabors():
    noise = torch.randn(2000, 64, generator=torch.Generator().manual_seed(0))
    gabors = torch.stack([gabor(k * math.pi / 12, wavelength=w, phase=p)
                          for k in range(12) for w in (3.0, 4.0, 6.0) for p in (0.0, math.pi / 2)])
    assert 0.05 < orientation_selectivity(noise).median() < 0.2
    scores = orientation_selectivity(gabors)
    assert 0.75 < scores.median() < 0.9 and scores.min() > 0.5
    # no preferred axis: the same Gabor at 12 angles scores alike (the zero-padded grid is square)
    same_shape = orientation_selectivity(torch.stack([gabor(k * math.pi / 12) for k in range(12)]))
    assert same_shape.max() - same_shape.min() < 0.05


def test_orientation_selectivity_limits_and_shapes():
    grating = torch.cos(torch.arange(16.0) * math.pi / 2).repeat(16, 1)  # one orientation, no window
    blob = gabor(0.0, wavelength=1e9, sigma=1.0, size=16)  # a round Gaussian: every orientation alike
    scores = orientation_selectivity(torch.stack([grating, blob]), pad=64)
    assert scores[0] > 0.9 and scores[1] < 0.05
    rows = torch.randn(5, 64)
    assert torch.allclose(orientation_selectivity(rows), orientation_selectivity(rows.reshape(5, 8, 8)))
    with pytest.raises(ValueError, match="square"):
        orientation_selectivity(torch.randn(5, 60))
    with pytest.raises(ValueError, match="pad must be an integer at least the filter side 8, got 4"):
        orientation_selectivity(rows, pad=4)


def test_spatial_extent_tells_a_pixel_from_a_checkerboard():
    pixel = torch.zeros(64)
    pixel[10] = 3.0
    checkerboard = torch.tensor([(-1.0) ** (i + j) for i in range(8) for j in range(8)])
    noise = torch.randn(4000, 64, generator=torch.Generator().manual_seed(1))
    extent = spatial_extent(torch.stack([pixel, checkerboard]))
    assert torch.allclose(extent, torch.tensor([1 / 64, 1.0]))
    assert 0.3 < spatial_extent(noise).mean() < 0.4  # 1/3 as the filters grow; a little more for 64 pixels
    assert spatial_extent(gabor(0.3)[None]) < 0.3  # a localised edge uses a small part of the patch


def test_match_atoms_finds_each_true_atoms_best_learned_atom():
    from sae_lib.metrics import match_atoms

    true = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    learned = torch.tensor([[0.0, 3.0], [1.0, 0.1], [-1.0, 0.0]])
    index, cosine = match_atoms(true, learned)
    assert index.tolist() == [1, 0]
    assert cosine.tolist() == pytest.approx([1 / (1.01 ** 0.5), 1.0])


def test_shrinkage_slope_ignores_missed_entries_and_sees_shrunk_codes():
    from sae_lib.metrics import shrinkage_slope

    t = torch.tensor([[1.0, 0.0, 2.0], [0.5, 1.5, 0.0]])
    assert shrinkage_slope(t, t) == pytest.approx(1.0)
    assert shrinkage_slope(t, 0.6 * t) == pytest.approx(0.6)
    missed = 0.6 * t
    missed[0, 0] = 0.0  # a miss does not count as shrinkage
    assert shrinkage_slope(t, missed) == pytest.approx(0.6)
    soft = (t - 0.4).clamp_min(0)  # soft-thresholding (L1's shrinkage): a shift, which a slope through 0 sees as < 1
    assert shrinkage_slope(t, soft) < 0.85
    with pytest.raises(ValueError, match="same shape"):
        shrinkage_slope(t, t[:1])


def test_interpolate_frontier_is_linear_in_log_l0_and_nan_outside():
    from sae_lib.metrics import interpolate_frontier

    values = interpolate_frontier([4, 1, 16], [0.2, 0.6, 0.1], [2, 4, 8, 0.5, 32])
    assert values[:3].tolist() == pytest.approx([0.4, 0.2, 0.15])
    assert np.isnan(values[3:]).all()
    with pytest.raises(ValueError, match="l0s"):
        interpolate_frontier([1], [0.5], [1])
