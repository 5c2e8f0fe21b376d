"""The toy model of superposition: data, shapes, bad input, and the geometry it learns."""

import math

import pytest
import torch

from sae_lib.superposition import ToyModel, feature_dimensionality, importances, toy_features, toy_loss, train_toy_model


def test_features_are_uniform_when_present_with_the_given_probability():
    x = toy_features(20_000, 5, [1.0, 0.1], torch.Generator().manual_seed(0))
    assert x.shape == (20_000, 2, 5)
    assert (x[:, 0] > 0).float().mean().item() == pytest.approx(1.0, abs=1e-3)
    assert (x[:, 1] > 0).float().mean().item() == pytest.approx(0.1, abs=0.01)
    assert x.max() <= 1 and x.min() >= 0 and x[:, 0].mean().item() == pytest.approx(0.5, abs=0.01)


def test_importances():
    torch.testing.assert_close(importances(3, 0.5), torch.tensor([1.0, 0.5, 0.25]))
    torch.testing.assert_close(importances(2, [3.0, 1.0]), torch.tensor([3.0, 1.0]))
    with pytest.raises(ValueError, match="importance"):
        importances(3, [1.0, 2.0])
    with pytest.raises(ValueError, match="importance"):
        importances(3, -0.9)


def test_model_computes_relu_of_w_transpose_w_x_plus_b_per_instance():
    model = ToyModel(4, 2, n_instances=3)
    x = torch.rand(7, 3, 4)
    h = model.hidden(x)
    assert h.shape == (7, 3, 2) and model.directions.shape == (3, 4, 2)
    i = 1
    expected = torch.relu(x[:, i] @ model.W[i].T @ model.W[i] + model.b[i])
    torch.testing.assert_close(model(x)[:, i], expected)
    loss = toy_loss(model, x, torch.tensor([1.0, 0.0, 0.0, 0.0]))
    torch.testing.assert_close(loss, ((x - model(x))[:, :, 0] ** 2).mean(dim=0))


@pytest.mark.parametrize("kwargs, match", [({"n_features": 0}, "n_features"), ({"n_hidden": 1.5}, "n_hidden"),
                                           ({"n_instances": -1}, "n_instances")])
def test_bad_model_shapes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ToyModel(**{"n_features": 5, "n_hidden": 2, **kwargs})


def test_bad_input_and_probabilities():
    with pytest.raises(ValueError, match=r"x must be \[batch, 1, 5\]"):
        ToyModel(5, 2).hidden(torch.rand(4, 5))
    with pytest.raises(ValueError, match="feature_probability"):
        toy_features(4, 5, [0.0])
    with pytest.raises(ValueError, match="feature_probability"):
        toy_features(4, 5, 1.5)
    with pytest.raises(ValueError, match="steps"):
        train_toy_model(steps=0)


@pytest.mark.slow  # trains toy models to convergence: 7-38 s
def test_dense_features_get_two_orthogonal_directions_sparse_ones_a_pentagon():
    """The central result of Elhage et al.: 5 features in 2-D, dense → 2 kept, sparse → all 5 at 72°."""
    model = train_toy_model(5, 2, [1.0, 0.02], importance=0.8, steps=1000, batch_size=512, lr=3e-2)
    dense, sparse = model.directions
    assert (dense.norm(dim=1) > 0.5).sum() == 2 and (dense.norm(dim=1)[2:] < 0.2).all()
    kept = torch.nn.functional.normalize(dense[:2], dim=1)
    assert abs((kept[0] @ kept[1]).item()) < 0.1
    assert (sparse.norm(dim=1) > 0.9).all()
    angles = torch.atan2(sparse[:, 1], sparse[:, 0]).sort().values
    gaps = torch.diff(torch.cat([angles, angles[:1] + 2 * math.pi]))
    torch.testing.assert_close(gaps, torch.full((5,), 2 * math.pi / 5), atol=0.2, rtol=0)


def test_feature_dimensionality_of_the_textbook_geometries():
    orthogonal = torch.tensor([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    torch.testing.assert_close(feature_dimensionality(orthogonal), torch.tensor([1.0, 1.0, 0.0]))
    antipodal = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    torch.testing.assert_close(feature_dimensionality(antipodal), torch.tensor([0.5, 0.5]))
    angles = torch.arange(5) * 2 * math.pi / 5
    pentagon = torch.stack([angles.cos(), angles.sin()], dim=1) * 1.2
    torch.testing.assert_close(feature_dimensionality(pentagon), torch.full((5,), 0.4))
    assert feature_dimensionality(torch.stack([pentagon, pentagon])).shape == (2, 5)
