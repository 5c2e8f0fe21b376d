"""Causal tests of an SAE latent on the course's language model: switch it off (ablation) or hold it at a
value (clamping, "steering"), and measure what the model then predicts.

The edit changes only latent j's contribution to the neurons and keeps the SAE's reconstruction error,
h' = h + (v − z_j) · d_j, so that everything the SAE does not capture passes through unchanged and
the difference is the latent's doing alone.

In a one-block model (the course's) the edited neurons reach the logits by one path only: fc_out, the final
LayerNorm and the unembedding. `direct_ablation` computes an ablation exactly along that path, for thousands
of (character, latent) pairs at once, from the residual stream of one clean run (`final_residual`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ..model import SparseAutoencoder
from .corpus import VOCAB, windows
from .model import CharTransformer, replace_neurons

__all__ = ["ablation_effect", "direct_ablation", "final_residual", "latent_edit", "next_char_probs",
           "promoting_latent"]


def latent_edit(sae: SparseAutoencoder, j: int, value: float = 0.0, layer: int = 0,
                only_where_active: bool = False) -> Callable[[int, Tensor], Tensor]:
    """An `edit_neurons` hook that sets latent j to `value` (0: ablation) at every position, or only where it
    fires (`only_where_active`), by adding (value − z_j) · d_j to the neurons."""
    if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < sae.config.latent_dim:
        raise ValueError(f"latent must be an integer from 0 to {sae.config.latent_dim - 1}, got {j!r}")
    direction = sae.dictionary[j].detach()

    def edit(h: Tensor) -> Tensor:
        z_j = sae.encode(h)[:, j]
        target = torch.full_like(z_j, value)
        if only_where_active:
            target = torch.where(z_j > 0, target, z_j)
        return h + (target - z_j)[:, None] * direction.to(h)

    return replace_neurons(layer, edit)


@torch.no_grad()
def next_char_probs(model: CharTransformer, ids: Tensor, positions: list[int] | Tensor,
                    edit_neurons: Callable | None = None) -> Tensor:
    """[len(positions), vocab]: the model's next-character probabilities at each position of `ids`, each read
    with the (up to) context − 1 characters before it, as in the windows the model saw in training."""
    model.eval()
    context = model.config.context
    rows = []
    for p in torch.as_tensor(positions).tolist():
        window = ids[max(0, p - context + 1):p + 1]
        logits = model(window[None], edit_neurons=edit_neurons)[0, -1]
        rows.append(logits.softmax(-1))
    return torch.stack(rows)


def promoting_latent(model: CharTransformer, sae: SparseAutoencoder, char: str, layer: int = 0) -> int:
    """The latent whose decoder direction promotes `char` most (`CharTransformer.neuron_logit_weights`)."""
    with torch.no_grad():
        return int((sae.dictionary @ model.neuron_logit_weights(layer))[:, VOCAB.index(char)].argmax())


def ablation_effect(model: CharTransformer, sae: SparseAutoencoder, ids: Tensor, j: int, positions: list[int],
                    char: str, layer: int = 0) -> tuple[Tensor, Tensor]:
    """(P(next = char) as it is, P(next = char) with latent j ablated) at each of `positions`."""
    c = VOCAB.index(char)
    clean = next_char_probs(model, ids, positions)[:, c]
    ablated = next_char_probs(model, ids, positions, latent_edit(sae, j, 0.0, layer))[:, c]
    return clean, ablated


@torch.no_grad()
def final_residual(model: CharTransformer, ids: Tensor, batch_size: int = 64) -> Tensor:
    """[n, d_model]: the residual stream after the last block, one row per character of the whole windows of `ids`
    (rows aligned with `neuron_activations(model, ids)`)."""
    model.eval()
    rows = []
    for chunk in windows(ids, model.config.context)[:, :-1].split(batch_size):
        cache: dict = {}
        model(chunk, cache=cache)
        rows.append(cache[f"resid_post.{model.config.n_layers - 1}"].flatten(0, 1))
    return torch.cat(rows)


@torch.no_grad()
def direct_ablation(model: CharTransformer, sae: SparseAutoencoder, resid: Tensor, neurons: Tensor, rows: Tensor,
                    latents: Tensor) -> tuple[Tensor, Tensor]:
    """(next-character probabilities as they are, with latent latents[i] ablated at row rows[i]), each
    [len(rows), vocab]; `resid` from `final_residual`, `neurons` its aligned neurons.

    Ablating latent j moves the neurons by −z_j · d_j, so the residual stream by −z_j · fc_out(d_j) (fc_out is
    linear); in a one-block model nothing else lies between it and the final LayerNorm and unembedding, so this
    equals `latent_edit(sae, j, 0.0)` run through the whole model."""
    if model.config.n_layers != 1:
        raise ValueError(f"direct_ablation is exact for a one-block model only, this one has {model.config.n_layers}")
    rows, latents = torch.as_tensor(rows).long().flatten(), torch.as_tensor(latents).long().flatten()
    if rows.shape != latents.shape:
        raise ValueError(f"rows and latents must pair up, got {len(rows)} rows and {len(latents)} latents")
    if len(rows) and not (0 <= int(latents.min()) and int(latents.max()) < sae.config.latent_dim):
        raise ValueError(f"latents must be from 0 to {sae.config.latent_dim - 1}")
    z = sae.encode(neurons[rows]).gather(1, latents[:, None])  # [m, 1]: each latent's value where it is ablated
    written = sae.dictionary[latents] @ model.blocks[-1].fc_out.weight.T  # [m, d_model]: fc_out(d_j) without bias
    clean = model.unembed(model.ln_final(resid[rows])).softmax(-1)
    ablated = model.unembed(model.ln_final(resid[rows] - z * written)).softmax(-1)
    return clean, ablated
