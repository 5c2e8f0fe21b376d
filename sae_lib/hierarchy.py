"""Features that form a hierarchy, and feature absorption measured against the known truth.

Real concepts nest: every docstring is a string, every `self` is a name. `Hierarchy` makes synthetic data
with that shape: a few *parent* features, each with *children* that can only be on when their parent is
(at most one child at a time, as "which kind of string" has one answer), every feature a fixed unit direction
in the input space (orthonormal, so superposition plays no part), and an input the sum of the directions of
the features that are on.

An SAE trained on such data may *absorb* (Chanin et al. 2024, "A is for Absorption"): since a child never
fires without its parent, one latent can stand for "parent and this child" together (its decoder direction
carries the parent's direction) and save an active latent, and the parent's own latent then goes silent
wherever that child is on. `absorption_report` measures both halves against the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .metrics import assign_atoms, normalized_mse
from .model import SAEConfig, SparseAutoencoder
from .training import TrainConfig, fit

__all__ = ["AbsorptionReport", "Hierarchy", "absorption_report", "make_hierarchy", "toy_run", "train_toy_sae"]


@dataclass(frozen=True)
class Hierarchy:
    """Trees of features: `parent[i]` is feature i's parent (−1 for a root); each feature has a unit direction.

    `sample` switches each root on with probability `p_root`; a root that is on switches one of its children on
    with probability `p_child` (which child, uniformly). A feature that is on has value 1.
    """

    parent: tuple[int, ...]
    directions: Tensor  # [n_features, dim], orthonormal rows
    p_root: float
    p_child: float

    @property
    def roots(self) -> list[int]:
        """The parent features (the roots of the trees)."""
        return [i for i, p in enumerate(self.parent) if p < 0]

    def children(self, i: int) -> list[int]:
        """The children of feature i."""
        return [j for j, p in enumerate(self.parent) if p == i]

    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """(codes [n, n_features] of 0s and 1s, inputs x = codes @ directions [n, dim])."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        codes = torch.zeros(n, len(self.parent))
        for root in self.roots:
            on = torch.rand(n, generator=generator) < self.p_root
            codes[on, root] = 1.0
            kids = self.children(root)
            if kids:
                has_child = on & (torch.rand(n, generator=generator) < self.p_child)
                which = torch.randint(len(kids), (n,), generator=generator)
                rows = torch.nonzero(has_child)[:, 0]
                codes[rows, torch.tensor(kids)[which[rows]]] = 1.0
        return codes, codes @ self.directions


def make_hierarchy(n_roots: int = 4, n_children: int = 3, dim: int = 32, p_root: float = 0.25,
                   p_child: float = 0.6, seed: int = 0) -> Hierarchy:
    """`n_roots` trees of one parent and `n_children` children each, with random orthonormal directions in `dim`
    dimensions (features 0 … n_roots − 1 are the parents; then each parent's children in turn)."""
    for name, value in [("n_roots", n_roots), ("dim", dim)]:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if isinstance(n_children, bool) or not isinstance(n_children, int) or n_children < 0:
        raise ValueError(f"n_children must be a non-negative integer, got {n_children!r}")
    n_features = n_roots * (1 + n_children)
    if n_features > dim:
        raise ValueError(f"{n_features} features need dim ≥ {n_features} (orthonormal directions), got dim={dim}")
    for name, p in [("p_root", p_root), ("p_child", p_child)]:
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 < p <= 1:
            raise ValueError(f"{name} must be a probability in (0, 1], got {p!r}")
    generator = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(dim, n_features, generator=generator))
    parent = tuple([-1] * n_roots + [r for r in range(n_roots) for _ in range(n_children)])
    return Hierarchy(parent, q.T.contiguous(), float(p_root), float(p_child))


@dataclass(frozen=True)
class AbsorptionReport:
    """For each child feature (one entry per child, in `children` order), measured against the truth.

    - `parent_latent`, `child_latent`: the latents matched one-to-one to the features by decoder direction;
    - `parent_fires_alone`: P(parent's latent fires | parent on, no child on);
    - `parent_fires_with_child`: P(parent's latent fires | this child on) (1 − the false-negative rate);
    - `child_carries_parent`: the cosine between the child latent's decoder direction and the parent's direction;
    - `absorbed`: the parent's latent misses this child most of the time (fires on under half of it) while the
      child's latent fires there and carries the parent's direction (cosine > 0.3).
    """

    children: list[int]
    parent_latent: list[int]
    child_latent: list[int]
    parent_fires_alone: Tensor
    parent_fires_with_child: Tensor
    child_carries_parent: Tensor
    child_latent_fires: Tensor

    @property
    def absorbed(self) -> Tensor:
        """[children] bool: this child is absorbed (see the class docstring)."""
        silent_parent = self.parent_fires_with_child < 0.5
        return silent_parent & (self.child_carries_parent > 0.3) & (self.child_latent_fires > 0.5)

    @property
    def rate(self) -> float:
        """The share of children absorbed."""
        return float(self.absorbed.float().mean())


@torch.no_grad()
def absorption_report(hierarchy: Hierarchy, decoder: Tensor, true_codes: Tensor, latent_codes: Tensor
                      ) -> AbsorptionReport:
    """Absorption of every child by its parent's latent, for an SAE with decoder directions `decoder`
    [latents, dim] whose codes on inputs with features `true_codes` [n, features] are `latent_codes` [n, latents].
    Latents are matched to features one-to-one (Hungarian assignment on decoder cosines; needs latents ≥ features)."""
    n_features = len(hierarchy.parent)
    if decoder.dim() != 2 or decoder.shape[1] != hierarchy.directions.shape[1] or len(decoder) < n_features:
        raise ValueError(f"decoder must be [latents ≥ {n_features}, {hierarchy.directions.shape[1]}], "
                         f"got {tuple(decoder.shape)}")
    if true_codes.shape[1] != n_features or latent_codes.shape != (len(true_codes), len(decoder)):
        raise ValueError(f"need true_codes [n, {n_features}] and latent_codes [n, {len(decoder)}], got "
                         f"{tuple(true_codes.shape)} and {tuple(latent_codes.shape)}")
    latent, _ = assign_atoms(hierarchy.directions, decoder)
    unit = decoder / decoder.norm(dim=1, keepdim=True).clamp_min(1e-8)
    fires, on = latent_codes > 0, true_codes > 0
    children = [i for i, p in enumerate(hierarchy.parent) if p >= 0]
    alone, with_child, carries, child_fires, parents = [], [], [], [], []
    for child in children:
        parent = hierarchy.parent[child]
        p_latent, c_latent = int(latent[parent]), int(latent[child])
        kids = hierarchy.children(parent)
        only_parent = on[:, parent] & ~on[:, kids].any(dim=1)
        alone.append(fires[only_parent, p_latent].float().mean())
        with_child.append(fires[on[:, child], p_latent].float().mean())
        child_fires.append(fires[on[:, child], c_latent].float().mean())
        carries.append(unit[c_latent] @ hierarchy.directions[parent])
        parents.append(p_latent)
    return AbsorptionReport(children, parents, [int(latent[c]) for c in children], torch.stack(alone),
                            torch.stack(with_child), torch.stack(carries), torch.stack(child_fires))


def train_toy_sae(hierarchy: Hierarchy, x: Tensor, k: int, prefixes: tuple[int, ...] | None = None, seed: int = 0,
                  steps: int = 500, latent_dim: int | None = None) -> SparseAutoencoder:
    """A one-layer SAE with one latent per true feature (or `latent_dim`) trained on inputs x: TopK with k, or, given
    Matryoshka `prefixes`, BatchTopK with the same average k and the nested loss. Seeded."""
    config = SAEConfig(input_dim=hierarchy.directions.shape[1], hidden_dims=(),
                       latent_dim=latent_dim or len(hierarchy.parent),
                       latent_activation="topk" if prefixes is None else "batchtopk", k=k, output_activation="none",
                       unit_norm_decoder=True, tied_init=True)
    torch.manual_seed(seed)
    sae = SparseAutoencoder(config)
    fit(sae, x, None, TrainConfig(penalty="none", steps=steps, batch_size=256, lr=1e-2, seed=seed,
                                 matryoshka_prefixes=prefixes), device="cpu", progress=False)
    return sae.eval()


def toy_run(hierarchy: Hierarchy, k: int, prefixes: tuple[int, ...] | None = None, seed: int = 0, steps: int = 500,
            n_train: int = 8192, n_test: int = 4096) -> tuple[SparseAutoencoder, dict]:
    """Train `train_toy_sae` on fresh samples of the hierarchy (seeded) and score it on others: (sae, scores) with
    the absorption rate, the parent latents' firing rates alone and with a child, the children's cosine with their
    parent, the normalised MSE and L0."""
    generator = torch.Generator().manual_seed(1000 + seed)
    _, x = hierarchy.sample(n_train, generator)
    codes, x_test = hierarchy.sample(n_test, generator)
    sae = train_toy_sae(hierarchy, x, k, prefixes, seed, steps)
    with torch.no_grad():
        x_hat, z = sae(x_test)
    report = absorption_report(hierarchy, sae.dictionary, codes, z)
    return sae, dict(seed=seed, k=k, prefixes=list(prefixes or ()), absorption_rate=report.rate,
                     parent_fires_alone=float(report.parent_fires_alone.mean()),
                     parent_fires_with_child=float(report.parent_fires_with_child.mean()),
                     child_carries_parent=float(report.child_carries_parent.mean()),
                     nmse=normalized_mse(x_test, x_hat), l0=float((z > 0).sum(dim=1).float().mean()))
