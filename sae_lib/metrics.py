"""Evaluation: reconstruction error, mean activation ρ̂, L0, feature density, dead and dense units.

A unit is *active* on an input when its code exceeds a threshold: 0 for ReLU and linear codes
(any non-zero magnitude), and 0.1 for sigmoid codes, which never reach exactly 0. Change it
with the `threshold` argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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


def feature_density(z: Tensor, threshold: float) -> Tensor:
    """Each unit's firing rate: the fraction of inputs on which it is active (one value per unit)."""
    return active(z, threshold).float().mean(dim=0)


def dead_fraction(z: Tensor, threshold: float) -> float:
    """Fraction of units active on no input of the set."""
    return (~active(z, threshold).any(dim=0)).float().mean().item()


#: A unit active on more than this share of inputs is *dense*: it no longer picks anything out.
DENSE_DENSITY = 0.5


def dense_fraction(z: Tensor, threshold: float, max_density: float = DENSE_DENSITY) -> float:
    """Fraction of units active on more than `max_density` of the inputs (always-on units, which dead_fraction misses)."""
    return (feature_density(z, threshold) > max_density).float().mean().item()


def variance_explained(x: Tensor, x_hat: Tensor) -> float:
    """1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d over a set of flat inputs.

    Caveat: the variance of the residual ignores its mean, so a reconstruction that is off by a
    constant per pixel still scores 1. `normalized_mse` counts that offset.
    """
    x = x.reshape(len(x), -1)
    return (1.0 - (x - x_hat).var(dim=0).sum() / x.var(dim=0).sum()).item()


def normalized_mse(x: Tensor, x_hat: Tensor) -> float:
    """‖x − x̂‖² / ‖x − x̄‖² over a set: 0 is perfect, 1 is what predicting the mean input x̄ scores.

    This is the normalised MSE of OpenAI's SAE paper; 1 − normalized_mse ≤ variance_explained, with
    equality exactly when the residual x − x̂ has zero mean in every dimension.
    """
    x = x.reshape(len(x), -1)
    return (((x - x_hat) ** 2).sum() / ((x - x.mean(dim=0)) ** 2).sum()).item()


def mmcs(true_atoms: Tensor | np.ndarray, learned_atoms: Tensor | np.ndarray) -> float:
    """Mean over true atoms of the best cosine similarity with any learned atom (rows are atoms).

    This is recall: did every true atom find a match? Swap the arguments for the other direction
    (does every learned atom match a true one?), which exposes duplicates and junk atoms.
    """
    true = F.normalize(torch.as_tensor(true_atoms, dtype=torch.float64).detach().cpu(), dim=1)
    learned = F.normalize(torch.as_tensor(learned_atoms, dtype=torch.float64).detach().cpu(), dim=1)
    if true.dim() != 2 or learned.dim() != 2 or true.shape[1] != learned.shape[1]:
        raise ValueError(f"atoms must be 2-D [atoms, dim] with the same dim, got {tuple(true.shape)} and {tuple(learned.shape)}")
    return (true @ learned.T).max(dim=1).values.mean().item()


def match_atoms(true_atoms: Tensor | np.ndarray, learned_atoms: Tensor | np.ndarray) -> tuple[Tensor, Tensor]:
    """For each true atom, the index of the learned atom most cosine-similar to it, and that cosine (rows are atoms)."""
    true = F.normalize(torch.as_tensor(true_atoms, dtype=torch.float64).detach().cpu(), dim=1)
    learned = F.normalize(torch.as_tensor(learned_atoms, dtype=torch.float64).detach().cpu(), dim=1)
    if true.dim() != 2 or learned.dim() != 2 or true.shape[1] != learned.shape[1]:
        raise ValueError(f"atoms must be 2-D [atoms, dim] with the same dim, got {tuple(true.shape)} and {tuple(learned.shape)}")
    best = (true @ learned.T).max(dim=1)
    return best.indices, best.values


def shrinkage_slope(true_codes: Tensor, learned_codes: Tensor) -> float:
    """Least-squares slope through the origin of learned against true code magnitudes, Σ t·l / Σ t².

    Only entries where both codes are non-zero count, so the slope measures the size of the codes a
    model does give, not how often it misses: 1 means magnitudes are right, below 1 means shrunk.
    """
    t, l = torch.as_tensor(true_codes).double(), torch.as_tensor(learned_codes).double()
    if t.shape != l.shape:
        raise ValueError(f"true and learned codes must have the same shape, got {tuple(t.shape)} and {tuple(l.shape)}")
    both = (t != 0) & (l != 0)
    if not both.any():
        raise ValueError("no entry where both the true and the learned code are non-zero")
    return ((t[both] * l[both]).sum() / (t[both] ** 2).sum()).item()


def interpolate_frontier(l0s: Sequence[float], values: Sequence[float], at: Sequence[float]) -> np.ndarray:
    """A measured sparsity frontier (value against L0) read at other L0s, linear in log L0; NaN outside the measured range.

    Comparing architectures "at equal L0" needs this: their sweeps rarely land on the same L0s.
    """
    l0s, values = np.asarray(l0s, dtype=float), np.asarray(values, dtype=float)
    if l0s.shape != values.shape or l0s.ndim != 1 or len(l0s) < 2 or (l0s <= 0).any():
        raise ValueError(f"l0s and values must be 1-D of the same length ≥ 2 with positive L0s, got {l0s!r} and {values!r}")
    order = np.argsort(l0s)
    x, at = np.log(l0s[order]), np.log(np.asarray(at, dtype=float))
    return np.where((at >= x[0]) & (at <= x[-1]), np.interp(at, x, values[order]), np.nan)


def decoder_features(model: SparseAutoencoder) -> Tensor:
    """What each latent unit alone adds to the output: decode(e_j) − decode(0), one row per unit."""
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        eye = torch.eye(model.config.latent_dim, device=device)
        return (model.decode(eye) - model.decode(torch.zeros(1, model.config.latent_dim, device=device))).cpu()


def evaluate(model: SparseAutoencoder, x: Tensor, rho: float | None = None, threshold: float | None = None) -> dict:
    """The metrics table for one model on one set: test MSE, normalised MSE, variance explained, mean ρ̂, L0, dead and dense fractions."""
    threshold = default_threshold(model.config.latent_activation) if threshold is None else threshold
    x_hat, z = reconstruct(model, x)
    x_flat = model.flatten(x.to(x_hat.device))
    metrics = {
        "test_mse": F.mse_loss(x_hat, x_flat).item(),
        "mean_rho_hat": mean_activation(z).mean().item(),
        "l0": l0(z, threshold),
        "dead_fraction": dead_fraction(z, threshold),
        "dense_fraction": dense_fraction(z, threshold),
        "variance_explained": variance_explained(x_flat, x_hat),
        "normalized_mse": normalized_mse(x_flat, x_hat),
    }
    if rho is not None:
        metrics["rho"] = rho
    return metrics
