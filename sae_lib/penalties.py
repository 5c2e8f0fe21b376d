"""Sparsity penalties: the Bernoulli KL divergence, the L1 norm of the codes (plain or weighted by decoder
norms), and JumpReLU's L0 count with a straight-through gradient for the thresholds."""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["EPS", "StepFunction", "check_rho", "check_weight", "kl_divergence", "kl_gradient", "l0_penalty",
    "l1_penalty", "mean_activation", "weighted_l1_penalty"]


#: ρ̂ is clamped to [EPS, 1 - EPS] so log(ρ̂) and log(1 - ρ̂) stay finite.
EPS = 1e-6


def check_rho(rho: float | Tensor) -> float:
    """Return ρ as a float, or raise ValueError unless it is one number strictly inside (0, 1)."""
    if isinstance(rho, Tensor):
        if rho.numel() != 1:
            raise ValueError(f"rho must be a single number in (0, 1), got a tensor of shape {tuple(rho.shape)}")
        rho = rho.item()
    if isinstance(rho, bool) or not isinstance(rho, (int, float)):
        raise ValueError(f"rho must be a number in (0, 1), got {rho!r}")
    if math.isnan(rho) or not 0.0 < rho < 1.0:
        raise ValueError(f"rho must lie strictly between 0 and 1, got {rho!r}")
    return float(rho)


def check_weight(name: str, value: float) -> float:
    """Return a penalty weight (β, λ) as a float, or raise ValueError unless it is a finite number ≥ 0."""
    if isinstance(value, Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    return float(value)


def mean_activation(z: Tensor) -> Tensor:
    """ρ̂_j: each latent unit's mean activation over the batch (dimension 0)."""
    if z.dim() != 2:
        raise ValueError(f"codes must be a [batch, units] tensor, got shape {tuple(z.shape)}")
    return z.mean(dim=0)


def kl_divergence(rho: float | Tensor, rho_hat: Tensor) -> Tensor:
    """Σ_j KL(ρ ‖ ρ̂_j) between Bernoulli(ρ) and Bernoulli(ρ̂_j), summed over units.

    `rho_hat` holds one mean activation per unit (shape [units]); values are clamped
    to [EPS, 1 - EPS] so the value and gradient stay finite for saturated units.
    """
    rho = check_rho(rho)
    if not isinstance(rho_hat, Tensor) or rho_hat.dim() != 1:
        shape = tuple(rho_hat.shape) if isinstance(rho_hat, Tensor) else type(rho_hat).__name__
        raise ValueError(f"rho_hat must be a 1-D tensor of per-unit mean activations, got {shape}")
    if not torch.isfinite(rho_hat).all():
        raise ValueError("rho_hat contains NaN or inf; check the codes fed to the penalty")
    q = rho_hat.clamp(EPS, 1.0 - EPS)
    return (rho * torch.log(rho / q) + (1.0 - rho) * torch.log((1.0 - rho) / (1.0 - q))).sum()


def kl_gradient(rho: float, rho_hat: Tensor, beta: float = 1.0) -> Tensor:
    """Analytic ∂(β·KL)/∂ρ̂_j = β(−ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j)), for checking autograd."""
    rho = check_rho(rho)
    return beta * (-rho / rho_hat + (1.0 - rho) / (1.0 - rho_hat))


def l1_penalty(z: Tensor) -> Tensor:
    """Mean over the batch of each code's L1 norm: (1/B) Σ_i Σ_j |z_ij|."""
    if z.dim() != 2:
        raise ValueError(f"codes must be a [batch, units] tensor, got shape {tuple(z.shape)}")
    return z.abs().sum(dim=1).mean()


def weighted_l1_penalty(z: Tensor, decoder_norms: Tensor) -> Tensor:
    """Batch mean of Σ_j |z_ij| · ‖W_dec,j‖: L1 that cannot be dodged by shrinking z_j and growing its decoder column.

    This is Anthropic's April 2024 update of the SAE loss; with unit-norm decoder columns it equals `l1_penalty`.
    """
    if z.dim() != 2:
        raise ValueError(f"codes must be a [batch, units] tensor, got shape {tuple(z.shape)}")
    if decoder_norms.shape != z.shape[1:]:
        raise ValueError(f"decoder_norms must hold one norm per unit ({z.shape[1]}), "
                         f"got shape {tuple(decoder_norms.shape)}")
    return (z.abs() * decoder_norms).sum(dim=1).mean()


class StepFunction(torch.autograd.Function):
    """H(pre − θ) with the straight-through pseudo-derivative ∂/∂θ = −(1/ε) · K((pre − θ)/ε) (rectangle K).

    The derivative with respect to `pre` is zero (as for the true step): an L0 penalty built from it trains
    the thresholds only, and the encoder learns sparsity by moving pre-activations below them.
    """

    @staticmethod
    def forward(ctx, pre: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
        ctx.save_for_backward(pre, threshold)
        ctx.bandwidth = bandwidth
        return (pre > threshold).to(pre.dtype)

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, Tensor, None]:
        pre, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        window = ((pre - threshold).abs() < eps / 2).to(pre.dtype)  # K((pre − θ)/ε) for the rectangle kernel
        return torch.zeros_like(pre), (grad_output * window * (-1.0 / eps)).sum(dim=0), None


def l0_penalty(pre: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
    """Batch mean of Σ_j H(pre_ij − θ_j), the number of active JumpReLU units, with a gradient for θ."""
    if pre.dim() != 2:
        raise ValueError(f"pre-activations must be a [batch, units] tensor, got shape {tuple(pre.shape)}")
    if threshold.shape != pre.shape[1:]:
        raise ValueError(f"threshold must hold one value per unit ({pre.shape[1]}), got shape {tuple(threshold.shape)}")
    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be a positive number, got {bandwidth!r}")
    return StepFunction.apply(pre, threshold, bandwidth).sum(dim=1).mean()
