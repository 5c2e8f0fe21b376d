"""Metrics on hand-made codes and reconstructions."""

import pytest
import torch

from sae_lib import SparseAutoencoder, evaluate
from sae_lib.metrics import dead_fraction, decoder_features, default_threshold, l0, variance_explained


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
    assert set(m) == {"test_mse", "mean_rho_hat", "l0", "dead_fraction", "variance_explained", "rho"}
    assert 0.4 < m["mean_rho_hat"] < 0.6 and m["l0"] > 20  # fresh sigmoid units sit near 0.5


def test_decoder_features_of_a_linear_decoder_are_its_columns():
    model = SparseAutoencoder(hidden_dims=(), latent_dim=10, latent_activation="relu", output_activation="none")
    torch.testing.assert_close(decoder_features(model), model.decoder[0].weight.T.detach())
