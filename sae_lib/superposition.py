"""A toy model of superposition (Elhage et al. 2022): n sparse features squeezed through m < n dimensions.

Each input x has n features; feature i is 0 with probability S (the *sparsity*) and otherwise uniform
on [0, 1]. The model stores x in h = W x (W is m × n, so feature i is written along the column W_i) and
reads it back with x' = ReLU(Wᵀ h + b), trained to minimise Σ_i I_i (x_i − x'_i)² with importances I_i.
When features are dense the model keeps the m most important ones and drops the rest; as they become
sparse it packs more features than dimensions into h, accepting a little interference between them.

Several independent instances (one per sparsity, say) train at once: W is [instances, m, n].
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["ToyModel", "feature_dimensionality", "feature_recovery", "importances", "toy_features", "toy_loss",
           "train_toy_model", "welch_bound"]


def importances(n_features: int, importance: float | Sequence[float] = 1.0) -> Tensor:
    """Feature importances I_i: a float r gives the geometric decay I_i = r^i, a sequence is taken as is."""
    if isinstance(importance, (int, float)) and not isinstance(importance, bool):
        if not importance > 0:
            raise ValueError(f"importance must be a positive decay factor or a sequence, got {importance!r}")
        return importance ** torch.arange(n_features, dtype=torch.float32)
    values = torch.as_tensor(importance, dtype=torch.float32)
    if values.shape != (n_features,) or not (values >= 0).all():
        raise ValueError(f"importance must hold {n_features} non-negative values, got {importance!r}")
    return values


def _probabilities(feature_probability: float | Sequence[float]) -> Tensor:
    """The feature probabilities 1 − S as a 1-D tensor, one per instance, each in (0, 1]."""
    p = torch.as_tensor(feature_probability, dtype=torch.float32).reshape(-1)
    if len(p) == 0 or not ((p > 0) & (p <= 1)).all():
        raise ValueError(f"feature_probability must lie in (0, 1] (one per instance), got {feature_probability!r}")
    return p


def toy_features(n_samples: int, n_features: int, feature_probability: float | Sequence[float],
                 generator: torch.Generator | None = None) -> Tensor:
    """Sparse inputs [n_samples, instances, n_features]: each feature is U[0, 1] with probability p, else 0."""
    p = _probabilities(feature_probability)
    shape = (n_samples, len(p), n_features)
    on = torch.rand(shape, generator=generator) < p[:, None]
    return torch.rand(shape, generator=generator) * on


class ToyModel(nn.Module):
    """x → h = W x → x' = ReLU(Wᵀ h + b), for `n_instances` independent models at once."""

    def __init__(self, n_features: int, n_hidden: int, n_instances: int = 1) -> None:
        super().__init__()
        for name, value in [("n_features", n_features), ("n_hidden", n_hidden), ("n_instances", n_instances)]:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.W = nn.Parameter(nn.init.xavier_normal_(torch.empty(n_instances, n_hidden, n_features)))
        self.b = nn.Parameter(torch.zeros(n_instances, n_features))

    def hidden(self, x: Tensor) -> Tensor:
        """h = W x: [batch, instances, features] → [batch, instances, hidden]."""
        if x.dim() != 3 or x.shape[1:] != (self.W.shape[0], self.W.shape[2]):
            raise ValueError(f"x must be [batch, {self.W.shape[0]}, {self.W.shape[2]}] (instances, features), "
                             f"got {tuple(x.shape)}")
        return torch.einsum("ihf,bif->bih", self.W, x)

    def forward(self, x: Tensor) -> Tensor:
        """The reconstruction x' = ReLU(Wᵀ W x + b), [batch, instances, features]."""
        return torch.relu(torch.einsum("ihf,bih->bif", self.W, self.hidden(x)) + self.b)

    @property
    def directions(self) -> Tensor:
        """Each feature's direction in h, one row per feature: [instances, features, hidden] (Wᵀ, detached)."""
        return self.W.detach().transpose(1, 2)


def toy_loss(model: ToyModel, x: Tensor, importance: Tensor) -> Tensor:
    """Each instance's importance-weighted squared error Σ_i I_i (x_i − x'_i)², averaged over the batch: [instances]."""
    return (importance * (x - model(x)) ** 2).sum(dim=2).mean(dim=0)


def train_toy_model(n_features: int = 5, n_hidden: int = 2, feature_probability: float | Sequence[float] = 0.1,
                    importance: float | Sequence[float] = 1.0, steps: int = 2000, batch_size: int = 1024,
                    lr: float = 1e-2, seed: int = 0) -> ToyModel:
    """Train one toy model per feature probability (1 − S) with Adam; fresh sparse batches every step.

    The learning rate decays along a cosine to 0, so the last steps settle the geometry rather than jitter it.
    """
    p = _probabilities(feature_probability)
    weights = importances(n_features, importance)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = ToyModel(n_features, n_hidden, len(p))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    for _ in range(steps):
        # summed over instances: each instance's parameters get only their own loss's gradient
        loss = toy_loss(model, toy_features(batch_size, n_features, p, generator), weights).sum()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    return model.eval()


def feature_dimensionality(directions: Tensor) -> Tensor:
    """Each feature's share of a dimension, D_i = ‖W_i‖² / Σ_j (Ŵ_i · W_j)² (Elhage et al. 2022), for rows W_i.

    1 for a feature with a dimension to itself, 1/2 for each of an antipodal pair, 2/5 in a pentagon,
    0 for a feature that is not represented (‖W_i‖ ≈ 0). `directions` is [..., features, hidden].
    """
    norms = directions.norm(dim=-1, keepdim=True)
    unit = directions / norms.clamp_min(1e-8)
    overlaps = (unit @ directions.transpose(-1, -2)) ** 2  # (Ŵ_i · W_j)², [..., i, j]
    return (norms.squeeze(-1) ** 2 / overlaps.sum(dim=-1).clamp_min(1e-12)) * (norms.squeeze(-1) > 1e-3)


def welch_bound(n_directions: int, n_dims: int) -> float:
    """The least possible largest |cos| among n unit vectors in d dimensions (Welch 1974): √((n − d) / (d (n − 1))).

    0 when n ≤ d (orthogonal directions fit); above it, no arrangement, hence no choice of basis, keeps every pair
    of the n directions further apart than this: that is superposition, not a basis that happens to be unaligned.
    """
    for name, value in [("n_directions", n_directions), ("n_dims", n_dims)]:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return math.sqrt((n_directions - n_dims) / (n_dims * (n_directions - 1))) if n_directions > n_dims else 0.0


def feature_recovery(true_codes: Tensor, codes: Tensor, true_directions: Tensor,
                     learned_directions: Tensor) -> dict[str, Tensor]:
    """How well each true feature is recovered by the one latent matched to it: its decoder direction and its code.

    Latents are matched one-to-one to features by the Hungarian assignment that maximises the summed cosine between
    true directions [features, dim] and decoder directions [latents, dim] (needs latents ≥ features), so a latent
    shared by two features counts for one of them only. For each feature: the matched `latent`, the `cosine` of the
    directions, the Pearson `correlation` of the latent's code with the feature's value over the inputs (0 for a
    latent that never changes), and the `precision`, `recall` and `f1` of "the latent fires (z > 0)" as a detector
    of "the feature is on" (codes and true_codes are [inputs, latents] and [inputs, features]).
    """
    from .metrics import assign_atoms  # imported here: the toy model itself needs no metrics

    true_codes, codes = torch.as_tensor(true_codes).double(), torch.as_tensor(codes).double()
    true_directions = torch.as_tensor(true_directions).double()
    learned_directions = torch.as_tensor(learned_directions).double()
    n_features, n_latents = true_directions.shape[0], learned_directions.shape[0]
    if (true_codes.dim() != 2 or codes.dim() != 2 or len(true_codes) != len(codes) or true_codes.shape[1] != n_features
            or codes.shape[1] != n_latents or true_directions.shape[1:] != learned_directions.shape[1:]
            or n_latents < n_features):
        shapes = [tuple(t.shape) for t in (true_codes, codes, true_directions, learned_directions)]
        raise ValueError("need true_codes [inputs, features], codes [inputs, latents], directions [features, dim] "
                         f"and [latents, dim] with latents ≥ features; got shapes {shapes}")
    latent, cosine = assign_atoms(true_directions, learned_directions)
    z = codes[:, latent]
    centred_x, centred_z = true_codes - true_codes.mean(dim=0), z - z.mean(dim=0)
    spread = centred_x.norm(dim=0) * centred_z.norm(dim=0)
    correlation = torch.where(spread > 0, (centred_x * centred_z).sum(dim=0) / spread.clamp_min(1e-300), 0.0)
    on, fires = true_codes > 0, z > 0
    hits = (on & fires).sum(dim=0).double()
    f1 = 2 * hits / (on.sum(dim=0) + fires.sum(dim=0)).double().clamp_min(1)
    return {"latent": latent, "cosine": cosine.float(),
            "correlation": correlation.float(), "precision": (hits / fires.sum(dim=0).clamp_min(1)).float(),
            "recall": (hits / on.sum(dim=0).clamp_min(1)).float(), "f1": f1.float()}
