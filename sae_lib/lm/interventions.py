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
from dataclasses import dataclass

import torch
from torch import Tensor

from ..model import SparseAutoencoder
from .corpus import VOCAB, windows
from .model import CharTransformer, replace_neurons

__all__ = ["AblationSurvey", "ablation_effect", "ablation_survey", "direct_ablation", "final_residual", "latent_edit",
           "next_char_probs", "promoting_latent"]


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
    z = sae.encode(neurons[rows]).gather(1, latents[:, None])[:, 0]  # each latent's value where it is ablated
    return _ablate(model, sae, resid[rows], z, latents)


def _ablate(model: CharTransformer, sae: SparseAutoencoder, resid: Tensor, z: Tensor,
            latents: Tensor) -> tuple[Tensor, Tensor]:
    """(probabilities as they are, with z[i] · d_latents[i] taken out of the neurons of row i), from the rows'
    residual stream: the one path from a one-block model's neurons to its logits."""
    written = sae.dictionary[latents] @ model.blocks[-1].fc_out.weight.T  # [m, d_model]: fc_out(d_j) without bias
    clean = model.unembed(model.ln_final(resid)).softmax(-1)
    ablated = model.unembed(model.ln_final(resid - z[:, None] * written)).softmax(-1)
    return clean, ablated


@dataclass(frozen=True)
class AblationSurvey:
    """Every latent ablated at each of its strongest contexts: P(next = the character it promotes most) as it is
    (`clean`), with it ablated (`ablated`), and with another latent active at the same character ablated instead
    (`control`); one entry per (latent, context)."""

    latents: Tensor
    rows: Tensor
    chars: Tensor
    clean: Tensor
    ablated: Tensor
    control: Tensor

    def per_latent(self, expect: float = 0.5, min_contexts: int = 5) -> tuple[Tensor, Tensor, Tensor]:
        """(latents, own drop, control drop): each latent's mean relative drop 1 − P_ablated / P over its contexts
        where the model expects its character (P > `expect`), for latents with at least `min_contexts` of them."""
        keep = self.clean > expect
        latents = self.latents[keep]
        size = int(self.latents.max()) + 1 if len(self.latents) else 0
        count = torch.bincount(latents, minlength=size)
        mean = [torch.zeros(size).index_add_(0, latents, (1 - p[keep] / self.clean[keep]).float()) / count.clamp_min(1)
                for p in (self.ablated, self.control)]
        chosen = torch.nonzero(count >= min_contexts)[:, 0]
        return chosen, mean[0][chosen], mean[1][chosen]


@torch.no_grad()
def ablation_survey(model: CharTransformer, sae: SparseAutoencoder, codes: object, resid: Tensor, k: int = 20,
                    seed: int = 0) -> AblationSurvey:
    """Ablate every latent at its k strongest firings (`codes`, from dashboards.encode_text, rows aligned with
    `resid` from `final_residual`) and, as a control, another latent active at the same character (drawn with
    `seed`); measure P(next = the character the latent promotes most) each time, exactly along the direct path."""
    values, positions = codes.top(k)  # [k, latents]
    on = values > 0
    latents = torch.arange(sae.config.latent_dim)[None].expand_as(positions)[on]
    rows, z = positions[on], values[on]
    chars = (sae.dictionary @ model.neuron_logit_weights(-1)).argmax(dim=1)[latents]
    # the control: a latent drawn at random among the others active at the same character
    active, active_values = codes.indices[rows].long(), codes.values[rows]
    others = (active != latents[:, None]) & (active_values > 0)
    draw = torch.rand(others.shape, generator=torch.Generator().manual_seed(seed)) * others
    pick = draw.argmax(dim=1, keepdim=True)
    has_other = others.any(dim=1)
    clean, ablated = _ablate(model, sae, resid[rows], z, latents)
    _, control = _ablate(model, sae, resid[rows], active_values.gather(1, pick)[:, 0] * has_other,
                         active.gather(1, pick)[:, 0])
    pick_char = chars[:, None]
    return AblationSurvey(latents, rows, chars, clean.gather(1, pick_char)[:, 0], ablated.gather(1, pick_char)[:, 0],
                          control.gather(1, pick_char)[:, 0])
