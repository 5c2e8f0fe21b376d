"""Feature dashboards: what one SAE latent does on the course's language model (as SAE-Vis and Neuronpedia show).

For a latent j of an SAE trained on a CharTransformer's MLP neurons: the contexts where it fires most,
each character shaded by the latent's activation (HTML); the histogram of its non-zero activations and its
firing density; and the next characters its decoder direction promotes and suppresses through the
unembedding (its direct effect on the logits). `encode_text` computes the codes of a whole text once,
stored sparsely, so that any latent's dashboard then takes milliseconds.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import ipywidgets as W
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import Tensor

from ..model import SparseAutoencoder
from ..widgets import png_bytes
from .corpus import VOCAB
from .model import CharTransformer, neuron_activations

__all__ = ["LatentCodes", "contexts_html", "dashboard_html", "encode_text", "feature_dashboard_widget",
    "logit_effects", "plot_activation_histogram", "top_contexts"]

#: How characters that are hard to see are drawn in a context: newline, space, unknown.
_VISIBLE = {"\n": "⏎", " ": "\u00a0", "\x7f": "¤"}


@dataclass
class LatentCodes:
    """An SAE's codes for every character of a text, kept sparse: each row's `indices` and `values`.

    Row r belongs to character `ids[r]`: the latent reads the neurons there, and the model uses them to
    predict `ids[r + 1]`.
    """

    ids: Tensor
    indices: Tensor
    values: Tensor
    latent_dim: int
    _by_latent: tuple[Tensor, Tensor, Tensor] | None = field(default=None, init=False, repr=False)

    def _grouped(self) -> tuple[Tensor, Tensor, Tensor]:
        """(rows, values, starts): the non-zero entries sorted by latent; latent j's are starts[j]:starts[j + 1].
        Computed once, so that reading one latent costs its own firings, not a pass over the whole text."""
        if self._by_latent is None:
            rows = torch.arange(len(self.ids))[:, None].expand_as(self.indices).flatten()
            latents, values = self.indices.flatten().long(), self.values.flatten()
            keep = values > 0
            order = torch.argsort(latents[keep], stable=True)
            counts = torch.bincount(latents[keep], minlength=self.latent_dim)
            starts = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(counts, 0)])
            self._by_latent = (rows[keep][order], values[keep][order], starts)
        return self._by_latent

    def latent(self, j: int) -> Tensor:
        """Latent j's activation on every character [n] (0 where it is off)."""
        _check_latent(j, self.latent_dim)
        rows, values, starts = self._grouped()
        dense = torch.zeros(len(self.ids), dtype=self.values.dtype)
        dense[rows[starts[j]:starts[j + 1]]] = values[starts[j]:starts[j + 1]]
        return dense

    def top(self, k: int) -> tuple[Tensor, Tensor]:
        """(values, positions), each [k, latent_dim]: every latent's k largest activations and where they are,
        largest first; a latent active fewer than k times is padded with value 0 at position 0."""
        rows = torch.arange(len(self.ids))[:, None].expand_as(self.indices).flatten()
        latents, values = self.indices.flatten().long(), self.values.flatten()
        keep = values > 0
        rows, latents, values = rows[keep], latents[keep], values[keep]
        order = torch.argsort(values, descending=True, stable=True)
        order = order[torch.argsort(latents[order], stable=True)]  # grouped by latent, largest first within each
        latents, values, rows = latents[order], values[order], rows[order]
        counts = torch.bincount(latents, minlength=self.latent_dim)
        rank = torch.arange(len(latents)) - torch.repeat_interleave(torch.cumsum(counts, 0) - counts, counts)
        top = rank < k
        out_values = torch.zeros(k, self.latent_dim, dtype=values.dtype)
        out_positions = torch.zeros(k, self.latent_dim, dtype=torch.long)
        out_values[rank[top], latents[top]] = values[top]
        out_positions[rank[top], latents[top]] = rows[top]
        return out_values, out_positions

    def density(self) -> Tensor:
        """[latent_dim]: the fraction of characters on which each latent fires."""
        counts = torch.bincount(self.indices[self.values > 0].flatten().long(), minlength=self.latent_dim)
        return counts.float() / len(self.ids)


def _check_latent(j: object, latent_dim: int) -> None:
    """Raise a one-line ValueError unless j is a latent index."""
    if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < latent_dim:
        raise ValueError(f"latent must be an integer from 0 to {latent_dim - 1}, got {j!r}")


@torch.no_grad()
def encode_text(lm: CharTransformer, sae: SparseAutoencoder, ids: Tensor, layer: int = 0,
                neurons: Tensor | None = None, batch_size: int = 8192) -> LatentCodes:
    """The codes of `sae` on block `layer`'s neurons at every character of `ids` (whole context windows).

    Each row keeps its largest `max_active` values, where max_active is the SAE's k for TopK (exact) or
    the most latents active on any row otherwise (also exact).
    """
    neurons = neuron_activations(lm, ids, layer) if neurons is None else neurons
    sae.eval()
    if sae.config.k:  # TopK: keep each chunk's k values as it is encoded, so the dense codes never pile up
        kept = [sae.encode(chunk.float()).topk(sae.config.k, dim=1) for chunk in neurons.split(batch_size)]
    else:  # the widest row is known only at the end: a second pass keeps that many (time, not memory)
        keep = max(int((sae.encode(chunk.float()) != 0).sum(dim=1).max()) for chunk in neurons.split(batch_size))
        kept = [sae.encode(chunk.float()).topk(max(keep, 1), dim=1) for chunk in neurons.split(batch_size)]
    return LatentCodes(ids=ids[:len(neurons)], indices=torch.cat([k.indices for k in kept]).int(),
                       values=torch.cat([k.values for k in kept]).relu(), latent_dim=sae.config.latent_dim)


def top_contexts(codes: LatentCodes, j: int, n: int = 8, min_gap: int = 20) -> list[int]:
    """Positions of latent j's n largest activations, at least `min_gap` characters apart (so one long
    run does not fill the list), largest first; fewer if it fires on fewer places."""
    acts = codes.latent(j)
    order = torch.argsort(acts, descending=True)
    chosen: list[int] = []
    for position in order.tolist():
        if acts[position] <= 0 or len(chosen) == n:
            break
        if all(abs(position - c) >= min_gap for c in chosen):
            chosen.append(position)
    return chosen


@torch.no_grad()
def logit_effects(lm: CharTransformer, sae: SparseAutoencoder, j: int, n: int = 6,
                  layer: int = 0) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """The n next characters latent j's decoder direction promotes most and suppresses most: (char, effect)
    pairs, from the direction through fc_out, the final LayerNorm's gain and the unembedding (its direct
    path to the logits; the LN's division by the residual's norm, a positive factor, is left out)."""
    _check_latent(j, sae.config.latent_dim)
    effect = sae.dictionary[j] @ lm.neuron_logit_weights(layer)
    top, bottom = effect.topk(n), (-effect).topk(n)
    promoted = [(VOCAB[i], v) for i, v in zip(top.indices.tolist(), top.values.tolist())]
    suppressed = [(VOCAB[i], -v) for i, v in zip(bottom.indices.tolist(), bottom.values.tolist())]
    return promoted, suppressed


def _char_html(c: str, act: float, scale: float) -> str:
    """One character on a background as orange as its activation (white at 0)."""
    alpha = 0.0 if scale <= 0 else min(1.0, act / scale)
    shown = html.escape(_VISIBLE.get(c, c))
    title = f' title="{act:.3g}"' if act > 0 else ""
    return f'<span style="background: rgba(255,140,0,{alpha:.2f})"{title}>{shown}</span>'


def _context_html(codes: LatentCodes, j: int, position: int, before: int, after: int, scale: float) -> str:
    """One context line: `before` characters up to the firing one (boxed) and `after` after it."""
    acts = codes.latent(j)
    start, stop = max(0, position - before), min(len(codes.ids), position + after + 1)
    chars = []
    for p in range(start, stop):
        span = _char_html(VOCAB[int(codes.ids[p])], float(acts[p]), scale)
        chars.append(f'<b style="outline: 1px solid #333">{span}</b>' if p == position else span)
    return f'<div style="font-family: monospace; white-space: pre; line-height: 1.5">{"".join(chars)}</div>'


def _chars_html(pairs: list[tuple[str, float]], colour: str) -> str:
    """Next characters and their logit effects, as a row of small labelled boxes."""
    cells = [f'<span style="background: {colour}; padding: 1px 4px; margin: 1px; font-family: monospace">'
             f'{html.escape(repr(c)[1:-1] if c != " " else "␣")} {v:+.2f}</span>' for c, v in pairs]
    return " ".join(cells)


def contexts_html(codes: LatentCodes, j: int, n_contexts: int = 8, before: int = 40, after: int = 10) -> str:
    """Latent j's top contexts as HTML, one per line, each character shaded by the latent's activation there
    (hover for the value) and the character where it peaks outlined; ⏎ is a newline."""
    acts = codes.latent(j)
    scale = float(acts.max())
    lines = [_context_html(codes, j, p, before, after, scale) for p in top_contexts(codes, j, n_contexts)]
    return f'<div style="margin-top: 4px">{"".join(lines) or "(never fires on this text)"}</div>'


def dashboard_html(lm: CharTransformer, sae: SparseAutoencoder, codes: LatentCodes, j: int, n_contexts: int = 8,
                   before: int = 40, after: int = 10, layer: int = 0) -> str:
    """Latent j's dashboard as HTML: density, promoted and suppressed next characters, top contexts."""
    acts = codes.latent(j)
    density = float((acts > 0).float().mean())
    promoted, suppressed = logit_effects(lm, sae, j, layer=layer)
    return (f'<div><b>latent {j}</b>: fires on {density:.2%} of characters, max activation {float(acts.max()):.3g}'
            f'<br>promotes {_chars_html(promoted, "#c6e9c6")}<br>suppresses {_chars_html(suppressed, "#f4c7c3")}'
            f'{contexts_html(codes, j, n_contexts, before, after)}</div>')


def plot_activation_histogram(codes: LatentCodes, j: int, ax: plt.Axes | None = None, bins: int = 40) -> plt.Axes:
    """Histogram of latent j's non-zero activations, titled with its firing density."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 2.4))
    acts = codes.latent(j)
    on = acts[acts > 0]
    ax.hist(on.numpy(), bins=bins, color="darkorange")
    ax.set(xlabel="activation (when on)", ylabel="characters",
           title=f"latent {j}: on for {len(on) / len(acts):.2%} of characters")
    return ax


def feature_dashboard_widget(lm: CharTransformer, sae: SparseAutoencoder, codes: LatentCodes, latent: int = 0,
                             layer: int = 0) -> W.VBox:
    """A latent picker above its dashboard (top contexts, promoted and suppressed characters) and its histogram."""
    picker = W.BoundedIntText(value=latent, min=0, max=sae.config.latent_dim - 1, description="latent")
    page, histogram = W.HTML(), W.Image(format="png")

    def show(change: dict | None = None) -> None:
        j = int(picker.value)
        page.value = dashboard_html(lm, sae, codes, j, layer=layer)
        fig = Figure(figsize=(4, 2.4), dpi=100)
        plot_activation_histogram(codes, j, ax=fig.add_subplot())
        fig.tight_layout()
        histogram.value = png_bytes(fig, dpi=100)

    picker.observe(show, names="value")
    show()
    return W.VBox([picker, page, histogram])
