"""TopK, BatchTopK and JumpReLU latents: values, gradients (hand-computed and against finite differences), bad config."""

import math

import pytest
import torch

from sae_lib import SAEConfig, SparseAutoencoder
from sae_lib.model import BatchTopK, JumpReLU, JumpReLUFunction, TopK
from sae_lib.penalties import StepFunction, l0_penalty


def config(activation: str, **kwargs) -> SAEConfig:
    return SAEConfig(input_dim=6, hidden_dims=(), latent_dim=8, latent_activation=activation, output_activation="none",
                     **kwargs)


def test_topk_keeps_the_k_largest_pre_activations_relud():
    pre = torch.tensor([[3.0, -1.0, 2.0, 0.5], [-2.0, -1.0, -3.0, 0.2]], requires_grad=True)
    z = TopK(2)(pre)
    torch.testing.assert_close(z, torch.tensor([[3.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.2]]))  # -1 kept but ReLU'd
    z.sum().backward()
    torch.testing.assert_close(pre.grad, torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]))


def test_topk_model_has_at_most_k_active_units_per_input():
    torch.manual_seed(0)
    model = SparseAutoencoder(config("topk", k=3))
    x = torch.randn(50, 6)
    z, pre = model.encode(x), model.pre_activation(x)
    positive = (pre > 0).sum(dim=1)
    assert ((z != 0).sum(dim=1) == positive.clamp(max=3)).all()  # k units, fewer only when fewer are positive
    assert (z >= 0).all() and (positive > 3).any()


def test_batchtopk_keeps_k_per_input_on_average_over_the_batch_and_sets_its_threshold():
    layer = BatchTopK(2)
    pre = torch.tensor([[5.0, 4.0, 3.0, -1.0], [0.5, 0.1, 0.2, 0.3]])
    z = layer(pre)  # 4 largest of the whole batch: 5, 4, 3 (row 0) and 0.5 (row 1)
    torch.testing.assert_close(z, torch.tensor([[5.0, 4.0, 3.0, 0.0], [0.5, 0.0, 0.0, 0.0]]))
    assert layer.threshold.item() == 0.5  # the first estimate is the smallest value kept
    layer(torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 2.0]]))  # smallest kept: 1.0
    assert layer.threshold.item() == pytest.approx(0.5 + 0.01 * (1.0 - 0.5))
    layer.eval()
    torch.testing.assert_close(layer(pre), pre * (pre > layer.threshold))  # eval: one input at a time, no batch


def test_batchtopk_eval_does_not_change_the_threshold():
    layer = BatchTopK(2)
    layer(torch.rand(4, 5))
    before = layer.threshold.clone()
    layer.eval()(torch.rand(4, 5) * 10)
    assert layer.threshold == before


def test_batchtopk_threshold_can_be_set_to_keep_a_given_l0_on_a_text():
    layer = BatchTopK(2)
    pre = torch.tensor([[5.0, 4.0, 3.0, -1.0], [0.5, 0.1, 0.2, 0.3]])
    assert layer.match_l0_(pre, 1.5) == 0.5  # keep the 3 largest: 5, 4, 3; θ is the 4th
    assert ((layer.eval()(pre) > 0).sum(dim=1).float().mean()) == 1.5
    layer.match_l0_(torch.randn(1000, 50), 7)
    assert (layer(torch.randn(1000, 50)) > 0).sum(dim=1).float().mean() == pytest.approx(7, rel=0.1)
    assert layer.match_l0_(pre, 4) == 0  # more than the positives: keep every positive one
    for bad in (0, -1, 5):
        with pytest.raises(ValueError, match=f"l0 must be in .0, 4.*got {bad}"):
            layer.match_l0_(pre, bad)


def test_jumprelu_forward_and_hand_computed_pseudo_derivatives():
    pre = torch.tensor([[0.5, 1.02, 2.0], [0.98, 0.3, 1.5]], requires_grad=True)
    threshold = torch.ones(3, requires_grad=True)
    z = JumpReLUFunction.apply(pre, threshold, 0.1)
    torch.testing.assert_close(z, torch.tensor([[0.0, 1.02, 2.0], [0.0, 0.0, 1.5]]))
    z.sum().backward()
    torch.testing.assert_close(pre.grad, torch.tensor([[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]))
    # only 1.02 (unit 1) and 0.98 (unit 0) lie within ε/2 = 0.05 of θ = 1: each contributes −θ/ε = −10
    torch.testing.assert_close(threshold.grad, torch.tensor([-10.0, -10.0, 0.0]))


def test_jumprelu_threshold_gradient_follows_upstream_gradient_and_log_parameterisation():
    layer = JumpReLU(2, init_threshold=0.5, bandwidth=0.2)
    pre = torch.tensor([[0.45, 0.0], [0.55, 0.52], [3.0, 0.41]])
    (layer(pre) * torch.tensor([2.0, -3.0])).sum().backward()
    # unit 0: 0.45 and 0.55 in the window, upstream 2 → 2 · 2 · (−0.5/0.2) = −10; unit 1: 0.52, 0.41 → −3·2·(−2.5) = 15
    # ∂/∂log θ = θ · ∂/∂θ
    torch.testing.assert_close(layer.log_threshold.grad, 0.5 * torch.tensor([-10.0, 15.0]))


def test_pseudo_derivatives_estimate_the_derivative_of_the_expected_loss():
    """For pre ~ U[0, 2] (density 1/2): d/dθ E[pre·H(pre − θ)] = −θ/2 and d/dθ E[H(pre − θ)] = −1/2.

    The straight-through estimates (a kernel density estimate at θ) must match these and the finite
    differences of the sample mean of the true, discontinuous objectives.
    """
    pre = torch.rand(400_000, 1, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2
    theta, eps, delta = 0.8, 0.05, 0.05
    t = torch.tensor([theta], dtype=torch.float64, requires_grad=True)
    JumpReLUFunction.apply(pre, t, eps).mean().backward()
    fd_jump = ((pre * (pre > theta + delta)).mean() - (pre * (pre > theta - delta)).mean()) / (2 * delta)
    assert t.grad.item() == pytest.approx(-theta / 2, rel=0.03) and fd_jump.item() == pytest.approx(-theta / 2, rel=0.03)

    t.grad = None
    StepFunction.apply(pre, t, eps).mean().backward()
    fd_step = ((pre > theta + delta).double().mean() - (pre > theta - delta).double().mean()) / (2 * delta)
    assert t.grad.item() == pytest.approx(-0.5, rel=0.03) and fd_step.item() == pytest.approx(-0.5, rel=0.03)


def test_l0_penalty_counts_active_units_and_trains_only_the_thresholds():
    pre = torch.tensor([[0.5, 1.02, 2.0], [0.98, 0.3, 1.5]], requires_grad=True)
    threshold = torch.ones(3, requires_grad=True)
    penalty = l0_penalty(pre, threshold, 0.1)
    assert penalty.item() == pytest.approx(1.5)  # (2 + 1) active over 2 inputs
    penalty.backward()
    assert (pre.grad == 0).all()
    torch.testing.assert_close(threshold.grad, torch.tensor([-10.0, -10.0, 0.0]) / 2)  # mean over the batch


def test_l0_penalty_rejects_bad_input():
    with pytest.raises(ValueError, match="threshold"):
        l0_penalty(torch.zeros(2, 3), torch.ones(4), 0.1)
    with pytest.raises(ValueError, match="bandwidth"):
        l0_penalty(torch.zeros(2, 3), torch.ones(3), 0.0)
    with pytest.raises(ValueError, match="pre-activations"):
        l0_penalty(torch.zeros(3), torch.ones(3), 0.1)


def test_jumprelu_model_starts_at_its_initial_threshold():
    model = SparseAutoencoder(config("jumprelu", init_threshold=0.3, bandwidth=0.05))
    torch.testing.assert_close(model.activation.threshold, torch.full((8,), 0.3))
    x = torch.randn(20, 6)
    pre = model.pre_activation(x)
    torch.testing.assert_close(model.encode(x), pre * (pre > 0.3))


@pytest.mark.parametrize("activation", ["topk", "batchtopk", "jumprelu", "relu"])
def test_every_architecture_reconstructs_through_the_same_interface(activation):
    model = SparseAutoencoder(config(activation, k=3 if "topk" in activation else None))
    x_hat, z = model(torch.randn(10, 6))
    assert x_hat.shape == (10, 6) and z.shape == (10, 8)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_activation": "topk"}, "k must be an integer from 1 to latent_dim=8.*None"),
        ({"latent_activation": "topk", "k": 0}, "k must be"),
        ({"latent_activation": "batchtopk", "k": 9}, "k must be.*latent_dim=8.*got 9"),
        ({"latent_activation": "topk", "k": 2.5}, "k must be"),
        ({"latent_activation": "relu", "k": 3}, "k is only used by"),
        ({"latent_activation": "jumprelu", "init_threshold": -0.1}, "init_threshold must be a positive number"),
        ({"latent_activation": "jumprelu", "init_threshold": 0.0}, "init_threshold"),
        ({"latent_activation": "jumprelu", "bandwidth": -1e-3}, "bandwidth must be a positive number"),
        ({"latent_activation": "jumprelu", "bandwidth": math.nan}, "bandwidth"),
        ({"latent_activation": "gated"}, "latent_activation must be one of"),
    ],
)
def test_bad_architecture_settings_raise_one_line_errors_naming_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match) as error:
        SAEConfig(input_dim=6, hidden_dims=(), latent_dim=8, **kwargs)
    assert "\n" not in str(error.value)
