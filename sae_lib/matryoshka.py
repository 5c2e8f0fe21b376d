"""Matryoshka SAEs (Bussmann et al. 2025; Nabeshima 2024): nested prefixes of the latents each reconstruct the input.

A Matryoshka SAE is an ordinary one-layer SAE (here BatchTopK: `SAEConfig(latent_activation="batchtopk")`);
only its training loss differs. Given prefix sizes m_1 < m_2 < … < m_G = latent_dim, the loss is the sum of
the reconstruction errors of every prefix,

    L = Σ_g ‖x − (b_dec + Σ_{j < m_g} z_j d_j)‖²,

where z is the code of the whole SAE (BatchTopK picks the active latents once, over all of them). The first
m_1 latents must reconstruct the input on their own, so they cannot leave a general concept to a later,
more specific latent: a general latent that went silent on a sub-case (feature *absorption*, Chanin et al.
2024) would cost the first prefix its reconstruction there. The price is paid by the whole SAE: its later
latents also serve the inner losses, so at equal L0 its full reconstruction is usually a little worse.

`TrainConfig(matryoshka_prefixes=(…))` makes `training.fit` use this loss; the checkpoint stays a plain
`SparseAutoencoder` (its metadata records the prefixes).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from .model import SparseAutoencoder

__all__ = ["check_prefixes", "matryoshka_loss", "prefix_reconstructions"]


def check_prefixes(prefixes: Sequence[int], latent_dim: int | None = None) -> tuple[int, ...]:
    """The prefix sizes as a tuple, after checking they are positive, strictly increasing and end at latent_dim."""
    try:
        sizes = tuple(prefixes)
    except TypeError:
        raise ValueError(f"prefixes must be a sequence of increasing positive integers, got {prefixes!r}") from None
    if not sizes or any(isinstance(m, bool) or not isinstance(m, int) or m < 1 for m in sizes) or any(
            a >= b for a, b in zip(sizes, sizes[1:])):
        raise ValueError(f"prefixes must be strictly increasing positive integers, got {prefixes!r}")
    if latent_dim is not None and sizes[-1] != latent_dim:
        raise ValueError(f"the last prefix must be the whole SAE ({latent_dim} latents), got prefixes {sizes}")
    return sizes


def prefix_reconstructions(model: SparseAutoencoder, z: Tensor, prefixes: Sequence[int]) -> Tensor:
    """[len(prefixes), B, input_dim]: the reconstruction from the first m latents of the code z, for each m.

    One matrix product per group of latents and a running sum, so all prefixes together cost one decode.
    """
    sizes = check_prefixes(prefixes, model.config.latent_dim)
    weight, bias = model.decoder[0].weight, model.decoder[0].bias  # weight: [input_dim, latent_dim]
    bounds = (0, *sizes)
    parts = torch.stack([z[:, a:b] @ weight[:, a:b].T for a, b in zip(bounds, bounds[1:])])
    return parts.cumsum(dim=0) + bias


def matryoshka_loss(model: SparseAutoencoder, x: Tensor, z: Tensor, prefixes: Sequence[int]) -> Tensor:
    """Σ over prefixes of the mean squared error of that prefix's reconstruction of x (flat [B, input_dim])."""
    recons = prefix_reconstructions(model, z, prefixes)
    return ((recons - x) ** 2).mean(dim=(1, 2)).sum()
