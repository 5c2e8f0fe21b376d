"""The sparse autoencoder: a fully connected encoder and decoder around a latent code.

The latent activation is where the architectures differ (`SAEConfig.latent_activation`):

* "sigmoid", "relu", "linear": elementwise; sparsity comes from a penalty (KL or L1) in training.
* "topk": keep each input's k largest pre-activations (ReLU'd), zero the rest (OpenAI, Gao et al. 2024).
* "batchtopk": keep the k·B largest pre-activations of a whole batch of B, so the count per input varies;
  in eval mode, a single threshold estimated during training replaces the batch (Bussmann et al. 2024).
* "jumprelu": z = pre · H(pre − θ_j) with a learned threshold θ_j per unit, trained through a
  straight-through estimator with a rectangle kernel of width `bandwidth` (Rajamanoharan et al. 2024).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass, field
from typing import Literal

import torch
from torch import Tensor, nn

__all__ = ["ACTIVATIONS", "OUTPUT_ACTIVATIONS", "BatchTopK", "JumpReLU", "JumpReLUFunction", "LatentActivation",
    "OutputActivation", "SAEConfig", "SparseAutoencoder", "TopK"]

_ELEMENTWISE = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "linear": nn.Identity}
#: Latent activations that keep a fixed number k of units per input (per batch for batchtopk).
_K_ACTIVATIONS = ("topk", "batchtopk")
ACTIVATIONS = (*_ELEMENTWISE, *_K_ACTIVATIONS, "jumprelu")
LatentActivation = Literal["sigmoid", "relu", "linear", "topk", "batchtopk", "jumprelu"]
OutputActivation = Literal["sigmoid", "none"]
OUTPUT_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "none": nn.Identity}


@dataclass(frozen=True)
class SAEConfig:
    """Shape and activations of a SparseAutoencoder (the default is 784 → 128 → 32 → 128 → 784)."""

    input_dim: int = 784
    hidden_dims: tuple[int, ...] = field(default=(128,))
    latent_dim: int = 32
    latent_activation: LatentActivation = "sigmoid"
    output_activation: OutputActivation = "sigmoid"
    unit_norm_decoder: bool = False
    #: Subtract the decoder's bias b_pre from x before encoding (x̂ adds it back): z = act(W_enc(x − b_pre) + b_enc),
    #: so the encoder sees inputs centred on the point the decoder reconstructs from (Gao et al. 2024).
    pre_encoder_bias: bool = False
    #: Start the encoder as the transpose of the (unit-norm) decoder, so each latent first reads along the
    #: direction it writes (Gao et al. 2024: fewer dead latents at the start).
    tied_init: bool = False
    #: Units kept per input by "topk" (on average per input for "batchtopk"); required by both, unused otherwise.
    k: int | None = None
    #: "jumprelu": every unit's threshold θ_j starts here (it is learned as log θ_j, so it stays positive).
    #: The JumpReLU paper and SAELens start at 0.001 with bandwidth 0.001, for language-model activations;
    #: on the course's data, whose codes are of order 1, such thresholds barely move in a few hundred steps.
    init_threshold: float = 0.1
    #: "jumprelu": width ε of the rectangle kernel in the straight-through pseudo-derivatives.
    bandwidth: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_dims", tuple(self.hidden_dims))
        for name, value in [("input_dim", self.input_dim), ("latent_dim", self.latent_dim)]:
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if any(not isinstance(h, int) or h < 1 for h in self.hidden_dims):
            raise ValueError(f"hidden_dims must be positive integers, got {self.hidden_dims!r}")
        if self.latent_activation not in ACTIVATIONS:
            raise ValueError(f"latent_activation must be one of {sorted(ACTIVATIONS)}, got {self.latent_activation!r}")
        if self.latent_activation in _K_ACTIVATIONS:
            if isinstance(self.k, bool) or not isinstance(self.k, int) or not 1 <= self.k <= self.latent_dim:
                raise ValueError(f"k must be an integer from 1 to latent_dim={self.latent_dim} for "
                                 f"latent_activation={self.latent_activation!r}, got {self.k!r}")
        elif self.k is not None:
            raise ValueError(f"k is only used by latent_activation 'topk' or 'batchtopk', "
                             f"not {self.latent_activation!r}")
        for name in ("init_threshold", "bandwidth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation must be one of {sorted(OUTPUT_ACTIVATIONS)}, got {self.output_activation!r}"
            )
        for name in ("unit_norm_decoder", "pre_encoder_bias", "tied_init"):
            if getattr(self, name) and self.hidden_dims:
                raise ValueError(f"{name} needs hidden_dims=() (one linear encoder and decoder), "
                                 f"got {self.hidden_dims!r}")

    def to_dict(self) -> dict:
        """A plain dict (lists, not tuples) for checkpoints and JSON."""
        d = asdict(self)
        d["hidden_dims"] = list(self.hidden_dims)
        return d


def _rectangle(u: Tensor) -> Tensor:
    """The rectangle kernel K(u) = 1 for |u| < 1/2, else 0 (as a float tensor)."""
    return (u.abs() < 0.5).to(u.dtype)


class JumpReLUFunction(torch.autograd.Function):
    """JumpReLU_θ(pre) = pre · H(pre − θ), with straight-through pseudo-derivatives (Rajamanoharan et al. 2024).

    The step H has zero derivative almost everywhere, so θ would never learn. The backward pass uses
    ∂/∂pre = H(pre − θ) (the true derivative away from the jump) and the pseudo-derivative
    ∂/∂θ = −(θ/ε) · K((pre − θ)/ε) with the rectangle kernel K: the jump's effect smoothed over a window
    of width ε around θ. `threshold` is broadcast along the batch; its gradient is summed over it.
    """

    @staticmethod
    def forward(ctx, pre: Tensor, threshold: Tensor, bandwidth: float) -> Tensor:
        ctx.save_for_backward(pre, threshold)
        ctx.bandwidth = bandwidth
        return pre * (pre > threshold).to(pre.dtype)

    @staticmethod
    def backward(ctx, grad_output: Tensor) -> tuple[Tensor, Tensor, None]:
        pre, threshold = ctx.saved_tensors
        eps = ctx.bandwidth
        grad_pre = grad_output * (pre > threshold).to(pre.dtype)
        grad_threshold = (grad_output * -(threshold / eps) * _rectangle((pre - threshold) / eps)).sum(dim=0)
        return grad_pre, grad_threshold, None


class JumpReLU(nn.Module):
    """z = pre · H(pre − θ_j), with one learned threshold per unit, stored as its log so that θ_j > 0."""

    def __init__(self, latent_dim: int, init_threshold: float, bandwidth: float) -> None:
        super().__init__()
        self.log_threshold = nn.Parameter(torch.full((latent_dim,), math.log(init_threshold)))
        self.bandwidth = bandwidth

    @property
    def threshold(self) -> Tensor:
        """θ_j, one per unit."""
        return self.log_threshold.exp()

    def forward(self, pre: Tensor) -> Tensor:
        return JumpReLUFunction.apply(pre, self.threshold, self.bandwidth)

    def extra_repr(self) -> str:
        return f"latent_dim={len(self.log_threshold)}, bandwidth={self.bandwidth:g}"


class TopK(nn.Module):
    """Keep each row's k largest pre-activations, ReLU'd; every other unit is exactly 0."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k

    def forward(self, pre: Tensor) -> Tensor:
        values, indices = pre.topk(self.k, dim=1)
        return torch.zeros_like(pre).scatter(1, indices, values.relu())

    def extra_repr(self) -> str:
        return f"k={self.k}"


class BatchTopK(nn.Module):
    """Training: keep the k·B largest ReLU'd pre-activations of the whole batch of B (per input they vary).

    Eval: a batch-level selection would make one input's code depend on the others, so a fixed threshold
    θ replaces it, z = pre · (pre > θ). θ is a running average (momentum 0.01) of the smallest value kept
    in each training batch, as Bussmann et al. (2024) estimate it; it lives in a buffer, so checkpoints keep it.
    """

    def __init__(self, k: int, momentum: float = 0.01) -> None:
        super().__init__()
        self.k = k
        self.momentum = momentum
        self.register_buffer("threshold", torch.zeros(()))
        self.register_buffer("initialized", torch.zeros((), dtype=torch.bool))

    def forward(self, pre: Tensor) -> Tensor:
        if not self.training:
            return pre * (pre > self.threshold).to(pre.dtype)
        flat = pre.relu().flatten()
        values, indices = flat.topk(min(self.k * len(pre), flat.numel()))
        with torch.no_grad():
            kept = values[values > 0]
            if len(kept):
                smallest = kept.min()
                # the first estimate is taken as is; after that a running average smooths batch-to-batch noise
                blended = torch.lerp(self.threshold, smallest, self.momentum)
                self.threshold.copy_(torch.where(self.initialized, blended, smallest))
                self.initialized.fill_(True)
        return torch.zeros_like(flat).scatter(0, indices, values).reshape(pre.shape)

    @torch.no_grad()
    def match_l0_(self, pre: Tensor, l0: float) -> float:
        """Set θ so that the eval code keeps `l0` latents per input on average on these pre-activations; return θ.

        The running estimate comes from training batches and need not give L0 = k on another text: a comparison
        at matched L0 sets θ on the text it compares on.
        """
        if not 0 < l0 <= pre.shape[1]:
            raise ValueError(f"l0 must be in (0, {pre.shape[1]}] (the number of latents), got {l0!r}")
        positive = pre[pre > 0]  # a far shorter list to rank than all of pre
        kept = round(l0 * len(pre))
        # θ is the (kept + 1)-th largest value, so that pre > θ keeps the `kept` largest
        theta = positive.kthvalue(len(positive) - kept).values if kept < len(positive) else pre.new_zeros(())
        self.threshold.copy_(theta)
        self.initialized.fill_(True)
        return float(theta)

    def extra_repr(self) -> str:
        return f"k={self.k}"


def _latent_activation_module(config: SAEConfig) -> nn.Module:
    """The module that turns pre-activations into the code z, as `config.latent_activation` names it."""
    name = config.latent_activation
    if name in _ELEMENTWISE:
        return _ELEMENTWISE[name]()
    if name == "topk":
        return TopK(config.k)
    if name == "batchtopk":
        return BatchTopK(config.k)
    return JumpReLU(config.latent_dim, config.init_threshold, config.bandwidth)


def _mlp(widths: list[int], last: nn.Module) -> nn.Sequential:
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
        self.encoder = _mlp(widths, _latent_activation_module(config))
        self.decoder = _mlp(widths[::-1], OUTPUT_ACTIVATIONS[config.output_activation]())
        if config.unit_norm_decoder or config.tied_init:
            self.normalize_decoder_()
        if config.tied_init:
            with torch.no_grad():
                self.encoder[0].weight.copy_(self.decoder[0].weight.T)

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

    def _centre(self, x: Tensor) -> Tensor:
        """x − b_pre when the model has a pre-encoder bias (the decoder's bias), else x; x is flat."""
        return x - self.decoder[0].bias if self.config.pre_encoder_bias else x

    def encode(self, x: Tensor) -> Tensor:
        """The latent code z for a batch of inputs."""
        return self.encoder(self._centre(self.flatten(x)))

    @property
    def activation(self) -> nn.Module:
        """The latent activation (the encoder's last module): ReLU, TopK, BatchTopK, JumpReLU, ..."""
        return self.encoder[-1]

    def pre_activation(self, x: Tensor) -> Tensor:
        """The encoder's output before the latent activation (what TopK ranks and JumpReLU thresholds)."""
        return self.encoder[:-1](self._centre(self.flatten(x)))

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
