"""How faithfully an SAE stands in for the language model's MLP neurons: the spliced loss and loss recovered.

`sae_lib.metrics` measures any SAE on any data; this module knows the language model, so it lives in its half.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..metrics import DENSE_DENSITY, default_threshold, loss_recovered
from ..model import SparseAutoencoder
from .model import CharTransformer, neuron_activations, next_char_loss, replace_neurons

__all__ = ["lm_anchor_losses", "lm_fidelity"]

#: Rows encoded at once: small enough that a chunk's dense codes cost tens of MB, large enough to stay fast.
_CHUNK = 8192


def _recovered_or_nan(loss_clean: float, loss_spliced: float, loss_ablated: float) -> float:
    """loss_recovered, or NaN where ablating does not raise the loss (an untrained model: nothing to recover)."""
    return loss_recovered(loss_clean, loss_spliced, loss_ablated) if loss_ablated > loss_clean else float("nan")


@torch.no_grad()
def lm_fidelity(lm: CharTransformer, sae: SparseAutoencoder, ids: Tensor, layer: int = 0,
                neurons: Tensor | None = None, anchors: dict[str, float] | None = None) -> dict[str, float]:
    """How faithfully `sae` stands in for block `layer`'s MLP neurons on the text `ids`.

    Next-character cross-entropy (nats/char) of the clean model, with the SAE's reconstruction spliced in,
    and with the neurons zero-ablated or mean-ablated (replaced by their mean over `ids`); the loss
    recovered against each ablation (NaN where the ablation does not raise the loss, as in an untrained
    model); and the reconstruction and sparsity metrics of `evaluate` on the neurons. Pass `neurons` (from
    `neuron_activations`) and `anchors` (from `lm_anchor_losses`) when they are already computed: comparing
    several SAEs on one text then costs one SAE pass each.
    """
    sae.eval()
    neurons = neuron_activations(lm, ids, layer) if neurons is None else neurons
    anchors = lm_anchor_losses(lm, ids, layer, neurons) if anchors is None else anchors
    x_hat, stats = _reconstruct_in_chunks(sae, neurons)
    spliced = next_char_loss(lm, ids, replacement=x_hat, layer=layer)
    clean, zero, mean = anchors["loss_clean"], anchors["loss_zero_ablated"], anchors["loss_mean_ablated"]
    return dict(loss_clean=clean, loss_sae=spliced, loss_zero_ablated=zero, loss_mean_ablated=mean,
                loss_recovered=_recovered_or_nan(clean, spliced, zero),
                loss_recovered_mean=_recovered_or_nan(clean, spliced, mean), **stats)


def _reconstruct_in_chunks(sae: SparseAutoencoder, neurons: Tensor,
                           chunk: int = _CHUNK) -> tuple[Tensor, dict[str, float]]:
    """(x̂, metrics): the reconstruction of every row, and normalised MSE, variance explained, L0, dead and dense
    fractions, computed chunk by chunk so that the dense codes [n, latent_dim] never exist all at once (they
    are what made a notebook's kernel peak above 2 GB)."""
    threshold = default_threshold(sae.config.latent_activation)
    device = next(sae.parameters()).device
    x_hat = torch.empty(neurons.shape, dtype=torch.float32)
    fired = torch.zeros(sae.config.latent_dim, dtype=torch.long)
    n, active, err, x_sum, x_sq = len(neurons), 0.0, 0.0, 0.0, 0.0
    r_sum, r_sq = 0.0, 0.0
    for start in range(0, n, chunk):
        x = neurons[start:start + chunk].to(device, torch.float32)
        rows_hat, z = sae(x)
        x_hat[start:start + chunk] = rows_hat.cpu()
        on = z.abs() > threshold
        fired += on.sum(dim=0).cpu()
        active += on.sum().item()
        residual = (x - rows_hat).double()
        err += (residual ** 2).sum().item()
        x_sum, x_sq = x_sum + x.double().sum(dim=0), x_sq + (x.double() ** 2).sum(dim=0)
        r_sum, r_sq = r_sum + residual.sum(dim=0), r_sq + (residual ** 2).sum(dim=0)
    x_var = x_sq - x_sum ** 2 / n  # Σ over rows of (x − x̄)², per dimension
    r_var = r_sq - r_sum ** 2 / n
    density = fired.double() / n
    return x_hat, dict(normalized_mse=err / x_var.sum().item(),
                       variance_explained=1.0 - r_var.sum().item() / x_var.sum().item(),
                       l0=active / n, dead_fraction=(fired == 0).double().mean().item(),
                       dense_fraction=(density > DENSE_DENSITY).double().mean().item())


@torch.no_grad()
def lm_anchor_losses(lm: CharTransformer, ids: Tensor, layer: int = 0,
                     neurons: Tensor | None = None) -> dict[str, float]:
    """The anchors of loss recovered on `ids`: the clean loss and the losses with block `layer`'s neurons set to
    zero and to their mean over `ids` (nats/char)."""
    neurons = neuron_activations(lm, ids, layer) if neurons is None else neurons
    mean = neurons.mean(dim=0)
    return dict(loss_clean=next_char_loss(lm, ids),
                loss_zero_ablated=next_char_loss(lm, ids, replace_neurons(layer, torch.zeros_like)),
                loss_mean_ablated=next_char_loss(lm, ids, replace_neurons(layer, lambda h: mean.to(h).expand_as(h))))
