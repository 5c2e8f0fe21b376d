"""Checkers and questions of notebook 02: the model."""

from __future__ import annotations

from collections.abc import Callable

from ..model import SAEConfig, SparseAutoencoder
from ..penalties import mean_activation
from ._checking import PREDICTIONS, _codes, _compare

PREDICTIONS.update({
    "mean activation of an untrained sigmoid code": (  # notebook 02
        "0.5", ("0", "0.5", "1"),
        "Small weights give pre-activations near 0, and σ(0) = 0.5: nothing is sparse yet."),
})


__all__ = ["check_mean_activation", "check_parameter_count"]


def check_mean_activation(fn: Callable) -> None:
    """fn(z) → ρ̂, each unit's mean activation over the batch (dimension 0)."""
    return _compare("mean activation ρ̂", fn, mean_activation, [(_codes(0),), (_codes(1, n=7, units=3),)],
                   "Average each column (unit) over the rows (samples): one value per unit.")


def check_parameter_count(fn: Callable) -> None:
    """fn(input_dim, hidden_dims, latent_dim) → number of weights and biases in the SparseAutoencoder."""
    def actual(input_dim: int, hidden_dims: tuple, latent_dim: int) -> int:
        model = SparseAutoencoder(SAEConfig(input_dim=input_dim, hidden_dims=hidden_dims, latent_dim=latent_dim))
        return sum(p.numel() for p in model.parameters())

    cases = [(784, (128,), 32), (784, (), 1000), (10, (6, 4), 3)]
    return _compare("parameter count", fn, actual, cases,
                   "A Linear(n_in, n_out) layer has n_in·n_out weights and n_out biases; "
                   "the decoder mirrors the encoder.")
