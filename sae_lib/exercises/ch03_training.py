"""Checkers and questions of notebook 03: training."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..penalties import kl_divergence
from ._checking import PREDICTIONS, _codes, _compare

PREDICTIONS.update({
    "why the 1e-3 run did not learn": (  # notebook 03
        "optimiser", ("beta", "optimiser", "units"),
        "Same β and units learned at lr 1e-2 for 3,000 steps: Adam moves each weight by about lr per step, "
        "so 600 steps at 1e-3 barely leave the mean image."),
})


__all__ = ["check_steps", "check_total_loss"]


def check_total_loss(fn: Callable) -> None:
    """fn(x, x_hat, z, rho, beta) → mean squared error + β · Σ_j KL(ρ ‖ ρ̂_j)."""
    def reference(x, x_hat, z, rho, beta):
        return torch.mean((x - x_hat) ** 2) + beta * kl_divergence(rho, z.mean(dim=0))

    g = torch.Generator().manual_seed(3)
    x, x_hat = (torch.rand(20, 10, generator=g, dtype=torch.float64) for _ in range(2))
    cases = [(x, x_hat, _codes(4, n=20), 0.05, 5e-3), (x, x, _codes(5, n=20), 0.2, 1.0)]
    return _compare("total loss", fn, reference, cases,
                   "Reconstruction is the mean of (x − x̂)² over every pixel; ρ̂ is the batch mean of z.")


def check_steps(fn: Callable) -> None:
    """fn(n_images, batch_size, epochs) → optimiser steps taken (the last, smaller batch counts too)."""
    cases = [(60_000, 128, 10), (4_000, 128, 10), (1_000, 100, 3)]
    return _compare("optimiser steps", fn, lambda n, b, e: e * math.ceil(n / b), cases,
                   "Each epoch takes ceil(n_images / batch_size) steps.")
