"""How faithfully an SAE stands in for the language model's MLP neurons: the spliced loss and loss recovered.

`sae_lib.metrics` measures any SAE on any data; this module knows the language model, so it lives in its half.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..metrics import (
    dead_fraction,
    default_threshold,
    dense_fraction,
    l0,
    loss_recovered,
    normalized_mse,
    reconstruct,
    variance_explained,
)
from ..model import SparseAutoencoder
from .model import CharTransformer, neuron_activations, next_char_loss, replace_neurons

__all__ = ["lm_anchor_losses", "lm_fidelity"]


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
    x_hat, z = reconstruct(sae, neurons)
    spliced = next_char_loss(lm, ids, replacement=x_hat, layer=layer)
    clean, zero, mean = anchors["loss_clean"], anchors["loss_zero_ablated"], anchors["loss_mean_ablated"]
    threshold = default_threshold(sae.config.latent_activation)
    x = neurons.to(x_hat.device)
    return dict(loss_clean=clean, loss_sae=spliced, loss_zero_ablated=zero, loss_mean_ablated=mean,
                loss_recovered=_recovered_or_nan(clean, spliced, zero),
                loss_recovered_mean=_recovered_or_nan(clean, spliced, mean),
                normalized_mse=normalized_mse(x, x_hat), variance_explained=variance_explained(x, x_hat),
                l0=l0(z, threshold), dead_fraction=dead_fraction(z, threshold),
                dense_fraction=dense_fraction(z, threshold))


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
