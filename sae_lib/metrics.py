"""Evaluation: reconstruction loss, mean activation ρ̂, L0, dead units and variance explained.

A unit is *active* on an input when its code exceeds a threshold: 0 for ReLU and linear codes
(any non-zero magnitude), and 0.1 for sigmoid codes, which never reach exactly 0. Change it
with the `threshold` argument.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .model import SparseAutoencoder
from .penalties import mean_activation

SIGMOID_THRESHOLD = 0.1


def default_threshold(latent_activation: str) -> float:
    """The activity threshold for a latent activation: 0.1 for sigmoid, 0 otherwise."""
    return SIGMOID_THRESHOLD if latent_activation == "sigmoid" else 0.0


@torch.no_grad()
def reconstruct(model: SparseAutoencoder, x: Tensor) -> tuple[Tensor, Tensor]:
    """(x̂, z) for a whole set, in eval mode, on the model's device."""
    model.eval()
    device = next(model.parameters()).device
    return model(x.to(device))


def active(z: Tensor, threshold: float) -> Tensor:
    """Boolean mask of active units: |z| > threshold."""
    return z.abs() > threshold


def l0(z: Tensor, threshold: float) -> float:
    """Mean number of active units per input."""
    return active(z, threshold).sum(dim=1).float().mean().item()


def dead_fraction(z: Tensor, threshold: float) -> float:
    """Fraction of units active on no input of the set."""
    return (~active(z, threshold).any(dim=0)).float().mean().item()


def variance_explained(x: Tensor, x_hat: Tensor) -> float:
    """1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d over a set of flat inputs."""
    x = x.reshape(len(x), -1)
    return (1.0 - (x - x_hat).var(dim=0).sum() / x.var(dim=0).sum()).item()


def decoder_features(model: SparseAutoencoder) -> Tensor:
    """What each latent unit alone adds to the output: decode(e_j) − decode(0), one row per unit."""
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        eye = torch.eye(model.config.latent_dim, device=device)
        return (model.decode(eye) - model.decode(torch.zeros(1, model.config.latent_dim, device=device))).cpu()


def evaluate(model: SparseAutoencoder, x: Tensor, rho: float | None = None, threshold: float | None = None) -> dict:
    """The metrics table for one model on one set (test MSE, mean ρ̂, L0, dead units, variance explained)."""
    threshold = default_threshold(model.config.latent_activation) if threshold is None else threshold
    x_hat, z = reconstruct(model, x)
    x_flat = model.flatten(x.to(x_hat.device))
    metrics = {
        "test_mse": F.mse_loss(x_hat, x_flat).item(),
        "mean_rho_hat": mean_activation(z).mean().item(),
        "l0": l0(z, threshold),
        "dead_fraction": dead_fraction(z, threshold),
        "variance_explained": variance_explained(x_flat, x_hat),
    }
    if rho is not None:
        metrics["rho"] = rho
    return metrics
