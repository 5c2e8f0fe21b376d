"""The sparse autoencoder: a fully connected encoder and decoder around a latent code."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field

import torch
from torch import Tensor, nn

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "linear": nn.Identity}
OUTPUT_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "none": nn.Identity}


@dataclass(frozen=True)
class SAEConfig:
    """Shape and activations of a SparseAutoencoder (the default is 784 → 128 → 32 → 128 → 784)."""

    input_dim: int = 784
    hidden_dims: tuple[int, ...] = field(default=(128,))
    latent_dim: int = 32
    latent_activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    unit_norm_decoder: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_dims", tuple(self.hidden_dims))
        for name, value in [("input_dim", self.input_dim), ("latent_dim", self.latent_dim)]:
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if any(not isinstance(h, int) or h < 1 for h in self.hidden_dims):
            raise ValueError(f"hidden_dims must be positive integers, got {self.hidden_dims!r}")
        if self.latent_activation not in ACTIVATIONS:
            raise ValueError(f"latent_activation must be one of {sorted(ACTIVATIONS)}, got {self.latent_activation!r}")
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation must be one of {sorted(OUTPUT_ACTIVATIONS)}, got {self.output_activation!r}"
            )
        if self.unit_norm_decoder and self.hidden_dims:
            raise ValueError(f"unit_norm_decoder needs hidden_dims=() (one linear decoder), got {self.hidden_dims!r}")

    def to_dict(self) -> dict:
        """A plain dict (lists, not tuples) for checkpoints and JSON."""
        d = asdict(self)
        d["hidden_dims"] = list(self.hidden_dims)
        return d


def mlp(widths: list[int], last: nn.Module) -> nn.Sequential:
    """Linear layers through `widths`, ReLU between them and `last` after the final one."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(n_in, n_out))
        layers.append(last if i == len(widths) - 2 else nn.ReLU())
    return nn.Sequential(*layers)


class SparseAutoencoder(nn.Module):
    """x → encoder → z (latent code) → decoder → x̂; `forward` returns (x̂, z)."""

    def __init__(self, config: SAEConfig | None = None, **overrides) -> None:
        super().__init__()
        config = dataclasses.replace(config or SAEConfig(), **overrides)  # replace() re-runs the validation
        self.config = config
        widths = [config.input_dim, *config.hidden_dims, config.latent_dim]
        self.encoder = mlp(widths, ACTIVATIONS[config.latent_activation]())
        self.decoder = mlp(widths[::-1], OUTPUT_ACTIVATIONS[config.output_activation]())
        if config.unit_norm_decoder:
            self.normalize_decoder_()

    def flatten(self, x: Tensor) -> Tensor:
        """Accept [B, C, H, W] images or flat [B, D] inputs; return [B, D] after checking D."""
        if x.dim() < 2:
            raise ValueError(f"input must have a batch dimension, got shape {tuple(x.shape)}")
        x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.config.input_dim:
            raise ValueError(
                f"input has {x.shape[1]} features per sample but the model expects input_dim="
                f"{self.config.input_dim}"
            )
        return x

    def encode(self, x: Tensor) -> Tensor:
        """The latent code z for a batch of inputs."""
        return self.encoder(self.flatten(x))

    def decode(self, z: Tensor) -> Tensor:
        """The flat reconstruction x̂ for a batch of codes."""
        if z.dim() != 2 or z.shape[1] != self.config.latent_dim:
            raise ValueError(f"codes must have shape [batch, {self.config.latent_dim}], got {tuple(z.shape)}")
        return self.decoder(z)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(x̂, z), with x̂ flat [B, input_dim]."""
        z = self.encode(x)
        return self.decode(z), z

    @property
    def dictionary(self) -> Tensor:
        """Decoder directions as rows [latent_dim, input_dim] (only for a one-layer decoder)."""
        if self.config.hidden_dims:
            raise ValueError("dictionary needs a single-layer decoder (hidden_dims=[])")
        return self.decoder[0].weight.T

    @torch.no_grad()
    def normalize_decoder_(self) -> None:
        """Rescale each decoder column (one per latent unit) to unit L2 norm."""
        w = self.dictionary.T
        w.div_(w.norm(dim=0, keepdim=True).clamp_min(1e-8))

    def extra_repr(self) -> str:
        return f"n_params={sum(p.numel() for p in self.parameters()):,}"
