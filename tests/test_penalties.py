"""The KL and L1 sparsity penalties: values, gradients, and bad input."""

import math

import pytest
import torch

from sae_lib import kl_divergence, l1_penalty, mean_activation
from sae_lib.penalties import EPS, kl_gradient


def kl_by_hand(rho: float, q: float) -> float:
    return rho * math.log(rho / q) + (1 - rho) * math.log((1 - rho) / (1 - q))


@pytest.mark.parametrize(
    "rho, rho_hat, expected",
    [
        (0.05, 0.05, 0.0),
        (0.05, 0.5, 0.05 * math.log(0.1) + 0.95 * math.log(1.9)),  # = 0.4946...
        (0.1, 0.2, 0.1 * math.log(0.5) + 0.9 * math.log(0.9 / 0.8)),  # = 0.0367...
        (0.5, 0.9, 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)),  # = 0.5108...
    ],
)
def test_kl_matches_hand_computed_values(rho, rho_hat, expected):
    assert kl_divergence(rho, torch.tensor([rho_hat], dtype=torch.float64)).item() == pytest.approx(expected, abs=1e-12)


def test_kl_sums_over_units_and_grows_away_from_rho():
    q = torch.tensor([0.01, 0.05, 0.2, 0.6], dtype=torch.float64)
    assert kl_divergence(0.05, q).item() == pytest.approx(sum(kl_by_hand(0.05, v) for v in q.tolist()))
    values = [kl_divergence(0.05, torch.tensor([v])).item() for v in (0.05, 0.1, 0.3, 0.9)]
    assert values[0] == pytest.approx(0.0, abs=1e-7) and values == sorted(values)


def test_kl_is_finite_for_saturated_units():
    q = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    value = kl_divergence(0.05, q)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(q.grad).all()
    assert value.item() == pytest.approx(kl_by_hand(0.05, EPS) + kl_by_hand(0.05, 1 - EPS), rel=1e-4)


def test_kl_is_not_torch_kl_div():
    """torch's kl_div drops the (1 − ρ) term, so it differs from the Bernoulli KL."""
    q = torch.tensor([0.3])
    torch_value = torch.nn.functional.kl_div(q.log(), torch.tensor([0.05]), reduction="sum")
    assert kl_divergence(0.05, q).item() != pytest.approx(torch_value.item(), rel=1e-3)


@pytest.mark.parametrize("rho, beta", [(0.05, 1.0), (0.2, 5e-3), (0.01, 3.0)])
def test_analytic_gradient_matches_autograd(rho, beta):
    q = torch.tensor([0.02, 0.05, 0.3, 0.7, 0.95], dtype=torch.float64, requires_grad=True)
    (beta * kl_divergence(rho, q)).backward()
    torch.testing.assert_close(q.grad, kl_gradient(rho, q.detach(), beta), rtol=1e-10, atol=1e-12)


def test_gradient_passes_finite_difference_check():
    q = torch.tensor([0.02, 0.05, 0.3, 0.7], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: 5e-3 * kl_divergence(0.05, t), (q,), eps=1e-7, atol=1e-9)
    h = 1e-6
    for j in range(len(q)):
        up, down = q.detach().clone(), q.detach().clone()
        up[j] += h
        down[j] -= h
        central = (kl_divergence(0.05, up) - kl_divergence(0.05, down)).item() / (2 * h)
        assert central == pytest.approx(kl_gradient(0.05, q.detach())[j].item(), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.1, 1.5, float("nan"), torch.tensor([0.1, 0.2]), "0.1", None, True])
def test_bad_rho_raises_value_error_naming_it(bad):
    with pytest.raises(ValueError, match="rho"):
        kl_divergence(bad, torch.tensor([0.1]))


@pytest.mark.parametrize("bad", [torch.ones(2, 3) * 0.1, torch.tensor(0.1), [0.1, 0.2],
                                 torch.tensor([0.1, float("nan")])])
def test_bad_rho_hat_raises(bad):
    with pytest.raises(ValueError, match="rho_hat"):
        kl_divergence(0.05, bad)


def test_scalar_tensor_rho_is_accepted():
    assert kl_divergence(torch.tensor(0.05), torch.tensor([0.05])).item() == pytest.approx(0.0, abs=1e-7)


def test_mean_activation_is_per_unit_batch_mean():
    z = torch.tensor([[0.0, 1.0], [0.5, 0.0]])
    torch.testing.assert_close(mean_activation(z), torch.tensor([0.25, 0.5]))
    with pytest.raises(ValueError, match="batch, units"):
        mean_activation(torch.ones(3))


def test_l1_is_batch_mean_of_per_sample_l1_norm():
    z = torch.tensor([[1.0, -2.0, 0.0], [0.0, 0.0, 3.0]])
    assert l1_penalty(z).item() == pytest.approx((3.0 + 3.0) / 2)
    with pytest.raises(ValueError, match="batch, units"):
        l1_penalty(torch.ones(2, 2, 2))
