"""Attribution graphs: how the course's model, its MLP replaced by a transcoder, arrives at one next-character logit.

The recipe of Ameisen et al. (2025, "Circuit tracing") and Anthropic's circuit-tracer, on a model small
enough to check every number. Freeze, for one prompt, the attention patterns and the three LayerNorms'
denominators (each position's standard deviation), and keep the transcoder's set of active latents and its
error (the MLP's true output minus the transcoder's prediction) as they are. Everything from the input
characters to the target logit is then *linear*, so every node's value is exactly the sum of its incoming
edges. The nodes:

- **characters**: each input character's embedding minus the mean embedding (its identity; the positional
  embedding and the mean embedding are constants), reaching later positions through the frozen heads;
- **latents**: the transcoder latents active at the last position, each with its activation z_j;
- **error**: the transcoder's error at the last position, a node that reads nothing and writes its vector;
- **bias**: every constant (positions, mean embedding, LayerNorm and linear biases, b_enc, b_dec);
- **logit**: the target character's logit minus the mean logit (softmax ignores a shift shared by all).

In a one-block model attention runs before the MLP, so a latent at an earlier position cannot reach the
prediction: only the last position's latents are nodes (in a deeper model, later layers' attention reads
earlier positions' latents, and circuit-tracer's graphs have latents at every position).

`attribution_graph` builds the graph (in float64) and checks its *completeness*: the edges into the logit
and into each latent's pre-activation sum to what the model computes. `prune` keeps the nodes and edges
that carry most of the influence on the logit (circuit-tracer's rule), `draw_graph` draws the pruned graph,
and `ablate_latents` / `ablate_characters` test what it predicts by intervening on the real model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import Tensor

from .corpus import VOCAB, encode
from .model import CharTransformer
from .transcoders import Transcoder

__all__ = ["Agreement", "AttributionGraph", "PrunedGraph", "ablate_characters", "ablate_latents", "attribution_graph",
           "centred_logit", "draw_graph", "intervention_agreement", "latent_logit_edge", "logit_edge",
           "predicted_latent_change", "prune"]

#: Okabe–Ito blue (an edge that raises its target) and vermillion (one that lowers it).
_POSITIVE, _NEGATIVE = "#0072B2", "#D55E00"
_VISIBLE = {"\n": "⏎", " ": "␣"}


@dataclass
class AttributionGraph:
    """An exact linear attribution graph for one prompt and target character.

    Nodes, in order: one per character of the prompt (`n_chars`), one per latent active at the last position
    (`latents`), then error, bias and logit. `adjacency[t, s]` is node s's contribution to node t's value
    (a latent's value is its pre-activation, equal to its activation z_j since it is on; the logit's is the
    centred target logit). `head_edges[s, h, j]`: character s's contribution to latent j through head h
    (h = n_heads: its own residual stream, at the last position only); `head_logit[s, h]` the same into the
    logit, not through a latent.
    """

    prompt: str
    target: str
    latents: Tensor
    activations: Tensor
    adjacency: Tensor
    head_edges: Tensor
    head_logit: Tensor
    logit: float
    logit_model: float
    latent_pre_model: Tensor
    resid_final: Tensor
    sigma_final: float
    explanations: dict[int, str] = field(default_factory=dict)

    @property
    def n_chars(self) -> int:
        """How many character nodes (the prompt's length)."""
        return len(self.prompt)

    @property
    def n_nodes(self) -> int:
        """Characters + latents + error + bias + logit."""
        return self.adjacency.shape[0]

    @property
    def error_node(self) -> int:
        """Index of the error node."""
        return self.n_chars + len(self.latents)

    @property
    def bias_node(self) -> int:
        """Index of the bias node."""
        return self.error_node + 1

    @property
    def logit_node(self) -> int:
        """Index of the logit node."""
        return self.error_node + 2

    def latent_node(self, j: int) -> int:
        """Index of latent j's node (ValueError if it is not active at the last position)."""
        hits = (self.latents == j).nonzero().flatten()
        if len(hits) == 0:
            raise ValueError(f"latent {j!r} is not active at the prompt's last position; "
                             f"active: {self.latents.tolist()}")
        return self.n_chars + int(hits[0])

    def label(self, node: int) -> str:
        """A short name for a node: 'x@12', 'L345', 'error', 'bias', 'logit'."""
        if node < self.n_chars:
            return f"{_VISIBLE.get(self.prompt[node], self.prompt[node])}@{node}"
        if node < self.error_node:
            return f"L{int(self.latents[node - self.n_chars])}"
        return ("error", "bias", "logit")[node - self.error_node]

    def values(self) -> Tensor:
        """[n_nodes]: each node's value as the model computes it (1 for a character, error and bias; a latent's
        activation; the centred logit)."""
        v = torch.ones(self.n_nodes, dtype=torch.float64)
        v[self.n_chars:self.error_node] = self.activations
        v[self.logit_node] = self.logit
        return v

    def completeness_error(self) -> float:
        """The largest gap between a node's incoming edges summed and its value (latents and the logit), in the
        graph's own float64 arithmetic."""
        into = self.adjacency.sum(dim=1)
        computed = self.values()
        rows = list(range(self.n_chars, self.error_node)) + [self.logit_node]
        return float((into[rows] - computed[rows]).abs().max())

    def direct_logit_edges(self) -> Tensor:
        """[n_nodes]: each node's edge into the logit."""
        return self.adjacency[self.logit_node]

    def char_effects(self) -> Tensor:
        """[n_chars]: each character's whole linear effect on the logit: its direct edge plus its edge into each
        latent times that latent's logit edge per unit of activation."""
        per_unit = self.adjacency[self.logit_node, self.n_chars:self.error_node] / self.activations
        into_latents = self.adjacency[self.n_chars:self.error_node, :self.n_chars]  # [latents, chars]
        return self.adjacency[self.logit_node, :self.n_chars] + per_unit @ into_latents

    def top_latents(self, n: int) -> list[int]:
        """The n latents with the largest |edge into the logit|, largest first."""
        edges = self.adjacency[self.logit_node, self.n_chars:self.error_node].abs()
        order = edges.argsort(descending=True)[:n]
        return [int(self.latents[i]) for i in order]


def _ln_parts(x: Tensor, ln: torch.nn.LayerNorm) -> Tensor:
    """The LayerNorm's frozen denominator: each row's standard deviation (with eps), [.., 1]."""
    return (x.var(dim=-1, unbiased=False, keepdim=True) + ln.eps).sqrt()


def _centre(v: Tensor) -> Tensor:
    """Subtract the mean over d_model (what LayerNorm does before dividing)."""
    return v - v.mean(dim=-1, keepdim=True)


@torch.no_grad()
def centred_logit(model: CharTransformer, ids: Tensor, target: int) -> float:
    """The model's logit for `target` at the last position minus its mean logit there (float32, as the model runs)."""
    logits = model(ids[None])[0, -1]
    return float(logits[target] - logits.mean())


@torch.no_grad()
def latent_logit_edge(model: CharTransformer, z: float, w_dec: Tensor, resid: Tensor, target: int) -> float:
    """A latent's edge into the centred logit: it writes z·w_dec into the residual stream `resid` (the last
    position's, before the final LayerNorm), read through that LayerNorm with its denominator frozen."""
    return logit_edge(z, w_dec, resid, model.ln_final.weight, model.unembed.weight, target, model.ln_final.eps)


@torch.no_grad()
def logit_edge(z: float, w_dec: Tensor, resid: Tensor, gain: Tensor, unembed: Tensor, target: int,
               eps: float = 1e-5) -> float:
    """`latent_logit_edge` from the pieces: the final LayerNorm's gain [d] and eps, the unembedding [vocab, d]."""
    resid, w_dec, u = resid.double(), w_dec.double(), unembed.double()
    sigma = (resid.var(unbiased=False) + eps).sqrt()
    reader = (u[target] - u.mean(dim=0)) * gain.double()
    return float(z * (_centre(w_dec) / sigma) @ reader)


def predicted_latent_change(graph: AttributionGraph, latents: Sequence[int], scale: float = 0.0) -> float:
    """The graph's prediction for the change of the logit when each of `latents` is set to `scale` × its
    activation: each latent's edge into the logit is proportional to its activation, the rest stays."""
    nodes = [graph.latent_node(int(j)) for j in latents]
    return -(1 - scale) * float(graph.adjacency[graph.logit_node, nodes].sum())


@torch.no_grad()
def attribution_graph(model: CharTransformer, transcoder: Transcoder, prompt: str, target: str,
                      explanations: dict[int, str] | None = None, tolerance: float = 1e-4) -> AttributionGraph:
    """The attribution graph of `target` as the next character after `prompt` (see the module's docstring),
    checked for completeness: edges into the logit and into each latent sum to the model's own float32 values
    within `tolerance` (and to the graph's float64 recomputation within 1e-9)."""
    if model.config.n_layers != 1:
        raise ValueError(f"attribution graphs here are for one-block models, got n_layers={model.config.n_layers}")
    if not isinstance(prompt, str) or not 1 <= len(prompt) <= model.config.context:
        raise ValueError(f"prompt must hold 1 to {model.config.context} characters, got {len(prompt or '')}")
    if not isinstance(target, str) or len(target) != 1 or target not in VOCAB:
        raise ValueError(f"target must be one character of the vocabulary, got {target!r}")
    if transcoder.config.d_in != model.config.d_model or transcoder.config.d_out != model.config.d_model:
        raise ValueError(f"the transcoder maps {transcoder.config.d_in} → {transcoder.config.d_out}, the model's "
                         f"MLP {model.config.d_model} → {model.config.d_model}")
    model.eval()
    transcoder.eval()
    ids = encode(prompt)
    c = VOCAB.index(target)
    block = model.blocks[0]
    d, n_heads = model.config.d_model, model.config.n_heads
    dh, n, last = d // n_heads, len(prompt), len(prompt) - 1
    W = {k: v.detach().double() for k, v in dict(
        E=model.embed.weight, P=model.pos.weight, g1=block.ln1.weight, b1=block.ln1.bias, qkv=block.attn.qkv.weight,
        qkv_b=block.attn.qkv.bias, Wo=block.attn.out.weight, bo=block.attn.out.bias, g2=block.ln2.weight,
        b2=block.ln2.bias, gf=model.ln_final.weight, bf=model.ln_final.bias, U=model.unembed.weight,
        W_enc=transcoder.W_enc, b_enc=transcoder.b_enc, W_dec=transcoder.W_dec, b_dec=transcoder.b_dec).items()}
    W_skip = None if transcoder.W_skip is None else transcoder.W_skip.detach().double()

    # The clean forward pass in float64, keeping what is frozen: attention patterns and LN denominators.
    mean_embed = W["E"].mean(dim=0)
    chars = W["E"][ids] - mean_embed  # [n, d]: each character node's vector
    constant = W["P"][:n] + mean_embed  # [n, d]: the rest of x0, a constant
    x0 = chars + constant
    sigma1 = _ln_parts(x0, block.ln1)
    ln1 = _centre(x0) / sigma1 * W["g1"] + W["b1"]
    q, k, v = (ln1 @ W["qkv"].T + W["qkv_b"]).split(d, dim=1)
    q, k = q.view(n, n_heads, dh).transpose(0, 1), k.view(n, n_heads, dh).transpose(0, 1)
    scores = q @ k.transpose(1, 2) / dh ** 0.5
    scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    pattern = scores.softmax(dim=-1)[:, last]  # [heads, n]: how the last position attends to each
    Wv, bv = W["qkv"][2 * d:], W["qkv_b"][2 * d:]
    ov = [Wv[h * dh:(h + 1) * dh].T @ W["Wo"][:, h * dh:(h + 1) * dh].T for h in range(n_heads)]  # [d, d] each

    # Writes into the last position's residual stream after attention (resid_mid), by source and route.
    char_in = _centre(chars) / sigma1 * W["g1"]  # each character's part of LN1's output at its own position
    writes = torch.zeros(n, n_heads + 1, d, dtype=torch.float64)  # [char, route, d]
    for h in range(n_heads):
        writes[:, h] = pattern[h][:, None] * (char_in @ ov[h])
    writes[last, n_heads] = chars[last]  # its own residual stream
    const_in = _centre(constant) / sigma1 * W["g1"] + W["b1"]
    bias_write = constant[last] + W["bo"] + sum(
        pattern[h] @ (const_in @ ov[h]) + bv[h * dh:(h + 1) * dh] @ W["Wo"][:, h * dh:(h + 1) * dh].T
        for h in range(n_heads))  # the softmax's weights sum to 1, so each head's value bias arrives whole
    resid_mid = writes.sum(dim=(0, 1)) + bias_write

    # The MLP input and the transcoder at the last position; its true output gives the error.
    sigma2 = _ln_parts(resid_mid, block.ln2)
    m = _centre(resid_mid) / sigma2 * W["g2"] + W["b2"]
    pre = m @ W["W_enc"] + W["b_enc"]
    top = pre.topk(transcoder.config.k)
    active = top.indices[top.values > 0].sort().values
    z = pre[active]
    to_m = lambda v: _centre(v) / sigma2 * W["g2"]  # noqa: E731  (a write's part of the MLP input)
    mlp_true = F.gelu(m @ block.fc_in.weight.double().T + block.fc_in.bias.double()) @ block.fc_out.weight.double().T \
        + block.fc_out.bias.double()
    skip = (lambda v: v @ W_skip) if W_skip is not None else (lambda v: torch.zeros_like(v))
    y_hat = z @ W["W_dec"][active] + W["b_dec"] + skip(m)
    error = mlp_true - y_hat
    resid_final = resid_mid + mlp_true
    sigma_f = _ln_parts(resid_final, model.ln_final)
    reader = (W["U"][c] - W["U"].mean(dim=0)) * W["gf"]
    to_logit = lambda v: (_centre(v) / sigma_f) @ reader  # noqa: E731

    # Edges. Into each active latent: characters by route, and the bias (incl. LN2's bias and b_enc).
    enc = W["W_enc"][:, active]  # [d, a]
    head_edges = to_m(writes) @ enc  # [char, route, a]
    bias_latent = to_m(bias_write) @ enc + W["b2"] @ enc + W["b_enc"][active]
    # Into the logit: characters (their writes, plus what the skip connection carries of them), latents, error.
    head_logit = to_logit(writes + skip(to_m(writes)))  # [char, route]
    latent_logit = z * to_logit(W["W_dec"][active])
    error_logit = to_logit(error)
    bias_logit = to_logit(bias_write + W["b_dec"] + skip(to_m(bias_write) + W["b2"])) + W["bf"] @ (
        W["U"][c] - W["U"].mean(dim=0))

    a = len(active)
    size = n + a + 3
    adjacency = torch.zeros(size, size, dtype=torch.float64)
    adjacency[n:n + a, :n] = head_edges.sum(dim=1).T
    adjacency[n:n + a, n + a + 1] = bias_latent
    adjacency[-1, :n] = head_logit.sum(dim=1)
    adjacency[-1, n:n + a] = latent_logit
    adjacency[-1, n + a] = error_logit
    adjacency[-1, n + a + 1] = bias_logit
    logit64 = float(to_logit(resid_final) + W["bf"] @ (W["U"][c] - W["U"].mean(dim=0)))

    # The model's own values (float32), to check the graph against.
    cache: dict = {}
    logits = model(ids[None], cache=cache)[0, -1]
    logit_model = float(logits[c] - logits.mean())
    pre_model = transcoder.pre_acts(cache["mlp_in.0"][0, last])[active].double()
    graph = AttributionGraph(prompt, target, active, z, adjacency, head_edges, head_logit, logit64, logit_model,
                             pre_model, resid_final, float(sigma_f), dict(explanations or {}))
    exact = graph.completeness_error()
    if exact > 1e-9 * max(1.0, abs(logit64)):
        raise AssertionError(f"the graph is not complete: its edges miss a node's value by {exact:.3g}")
    gaps = [abs(adjacency[-1].sum() - logit_model)] + (adjacency[n:n + a].sum(dim=1) - pre_model).abs().tolist()
    if max(gaps) > tolerance * max(1.0, abs(logit_model)):
        raise AssertionError(f"the graph's edges miss the model's own values by {max(gaps):.3g} (> {tolerance})")
    return graph


@dataclass
class PrunedGraph:
    """The nodes (`keep`, bool [n_nodes]) and edges (`edges`, bool [n_nodes, n_nodes]) that carry most of the
    influence on the logit, and each node's influence (`influence`)."""

    graph: AttributionGraph
    keep: Tensor
    edges: Tensor
    influence: Tensor

    def kept_latents(self) -> list[int]:
        """The kept latents, most influential first."""
        g = self.graph
        nodes = [i for i in range(g.n_chars, g.error_node) if self.keep[i]]
        return [int(g.latents[i - g.n_chars]) for i in sorted(nodes, key=lambda i: -float(self.influence[i]))]

    def kept_chars(self) -> list[int]:
        """Positions of the kept characters, most influential first."""
        nodes = [i for i in range(self.graph.n_chars) if self.keep[i]]
        return sorted(nodes, key=lambda i: -float(self.influence[i]))


def _normalized(adjacency: Tensor) -> Tensor:
    """|A| with each row scaled to sum to 1: the share of a node's incoming attribution each source carries."""
    a = adjacency.abs()
    return a / a.sum(dim=1, keepdim=True).clamp_min(1e-30)


def _influence(adjacency: Tensor, target: int) -> Tensor:
    """Each node's influence on `target`: the sum over all paths of the products of normalised edge weights
    (w·(A + A² + …), finite because the graph has no cycles)."""
    a = _normalized(adjacency)
    weights = torch.zeros(len(a), dtype=a.dtype)
    weights[target] = 1.0
    total, step = torch.zeros_like(weights), weights
    for _ in range(len(a)):
        step = step @ a
        if not step.any():
            break
        total += step
    return total


def _cumulative_keep(scores: Tensor, threshold: float) -> Tensor:
    """Mask of the largest scores whose sum first reaches `threshold` of the total."""
    order = scores.argsort(descending=True)
    cumulative = scores[order].cumsum(0) / scores.sum().clamp_min(1e-30)
    n_keep = int((cumulative < threshold).sum()) + 1
    keep = torch.zeros(len(scores), dtype=torch.bool)
    keep[order[:n_keep]] = True
    return keep & (scores > 0)


def prune(graph: AttributionGraph, node_threshold: float = 0.8, edge_threshold: float = 0.95) -> PrunedGraph:
    """Keep the latents and characters that together carry `node_threshold` of the influence on the logit, and
    of the edges among the kept nodes those that carry `edge_threshold` of the edge influence (an edge's
    normalised weight times its target's influence), as circuit-tracer does. The logit, error and bias nodes
    are always kept (their edges are pruned like any other)."""
    for name, value in (("node_threshold", node_threshold), ("edge_threshold", edge_threshold)):
        if not 0 < value <= 1:
            raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    g = graph
    influence = _influence(g.adjacency, g.logit_node)
    prunable = torch.zeros(g.n_nodes, dtype=torch.bool)
    prunable[:g.error_node] = True
    keep = ~prunable
    keep[:g.error_node] = _cumulative_keep(influence[:g.error_node], node_threshold)
    target_weight = influence.clone()
    target_weight[g.logit_node] = 1.0
    scores = _normalized(g.adjacency) * target_weight[:, None]
    scores = scores * (keep[:, None] & keep[None, :])
    flat = _cumulative_keep(scores.flatten(), edge_threshold)
    return PrunedGraph(g, keep, flat.reshape(scores.shape), influence)


def draw_graph(pruned: PrunedGraph, ax: plt.Axes | None = None, max_label: int = 60) -> plt.Axes:
    """The pruned graph, positions left to right: the prompt along the bottom (kept characters boxed), the kept
    latents in a column above the last position with their explanations, the logit on top, the error and bias
    nodes beside it; each edge's width proportional to |weight|, blue if it raises its target, vermillion if it
    lowers it. The bias node's edges (constants) are not drawn; its total into the logit is written."""
    g = pruned.graph
    latents = [g.latent_node(j) for j in pruned.kept_latents()]
    n = g.n_chars
    if ax is None:
        _, ax = plt.subplots(figsize=(max(8.0, 0.28 * n + 7), 2.2 + 0.55 * max(len(latents), 2)))
    top = len(latents) + 1.6
    where = {i: (float(i), 0.0) for i in range(n)}
    for row, node in enumerate(sorted(latents, key=lambda i: float(g.adjacency[g.logit_node, i]))):
        where[node] = (float(n - 1), 1.0 + row)
    where[g.logit_node] = (float(n - 1), top)
    where[g.error_node] = (float(n - 7), top)
    shown = [(t, s) for t, s in pruned.edges.nonzero().tolist() if t in where and s in where]
    widest = max((abs(float(g.adjacency[t, s])) for t, s in shown), default=1.0)
    for t, s in shown:
        w = float(g.adjacency[t, s])
        (x0, y0), (x1, y1) = where[s], where[t]
        ax.annotate("", (x1, y1 - 0.12), (x0, y0 + 0.12), arrowprops=dict(
            arrowstyle="-", lw=0.4 + 4.0 * abs(w) / widest, alpha=0.75, color=_POSITIVE if w > 0 else _NEGATIVE,
            connectionstyle="arc3,rad=0.08", shrinkA=0, shrinkB=0))
    for i in range(n):
        kept = bool(pruned.keep[i])
        ax.text(i, 0, _VISIBLE.get(g.prompt[i], g.prompt[i]), ha="center", va="center", family="monospace",
                fontsize=11 if kept else 9, color="black" if kept else "0.55",
                bbox=dict(boxstyle="round,pad=0.2", fc="#F0E442" if kept else "none", ec="0.3" if kept else "none"))
    for node in latents:
        j = int(g.latents[node - n])
        x, y = where[node]
        story = g.explanations.get(j, "")
        story = story if len(story) <= max_label else story[:max_label - 1] + "…"
        ax.text(x, y, f"L{j}", ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.25", fc="#CCE5F5", ec="0.3"))
        ax.text(x + 0.9, y, f"z={float(g.activations[node - n]):.2f}, →logit {float(g.adjacency[-1, node]):+.2f}"
                + (f"\n{story}" if story else ""), ha="left", va="center", fontsize=7.5)
    ax.text(*where[g.logit_node], f"logit '{_VISIBLE.get(g.target, g.target)}' = {g.logit:+.2f}", ha="center",
            va="center", fontsize=10, bbox=dict(boxstyle="round,pad=0.3", fc="#E8E8E8", ec="0.2"))
    ax.text(*where[g.error_node], f"error →logit {float(g.adjacency[-1, g.error_node]):+.2f}\n"
            f"bias →logit {float(g.adjacency[-1, g.bias_node]):+.2f}", ha="center", va="center", fontsize=8,
            color="0.25", bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="0.5", ls="--"))
    ax.set(xlim=(-1, n + 12), ylim=(-0.7, top + 0.6))
    ax.axis("off")
    return ax


def _edit_last(model: CharTransformer, fn) -> torch.utils.hooks.RemovableHandle:
    """A forward hook on fc_out that rewrites the MLP output at the last position only."""
    def hook(module, args, out):
        out = out.clone()
        out[:, -1] = fn(out[:, -1])
        return out
    return model.blocks[0].fc_out.register_forward_hook(hook)


@torch.no_grad()
def ablate_latents(model: CharTransformer, transcoder: Transcoder, graph: AttributionGraph, latents: Sequence[int],
                   scale: float = 0.0) -> tuple[float, float]:
    """(predicted, actual) change of the centred logit when each of `latents` (active at the last position) is
    set to `scale` × its activation there (0: ablation; 2: doubled), the transcoder's error kept: the graph's
    prediction, −(1 − scale) × their edges into the logit summed, and the real model's."""
    nodes = [graph.latent_node(int(j)) for j in latents]
    predicted = predicted_latent_change(graph, latents, scale)
    rows = transcoder.W_dec[torch.as_tensor([int(j) for j in latents], dtype=torch.long)].double()
    z = graph.activations[[i - graph.n_chars for i in nodes]]
    change = ((scale - 1) * z) @ rows
    ids = encode(graph.prompt)
    handle = _edit_last(model, lambda out: out + change.to(out))
    try:
        edited = centred_logit(model, ids, VOCAB.index(graph.target))
    finally:
        handle.remove()
    return predicted, edited - graph.logit_model


@torch.no_grad()
def ablate_characters(model: CharTransformer, graph: AttributionGraph, positions: Sequence[int]) -> tuple[float, float]:
    """(predicted, actual) change of the centred logit when the characters at `positions` are replaced by the
    mean embedding (their node removed): the graph's prediction, minus their whole linear effects summed, and
    the real model's, where attention, LayerNorms and the MLP all respond."""
    positions = [int(p) for p in positions]
    if any(not 0 <= p < graph.n_chars for p in positions):
        raise ValueError(f"positions must be from 0 to {graph.n_chars - 1}, got {positions}")
    predicted = -float(graph.char_effects()[positions].sum())
    ids = encode(graph.prompt)
    mean_embed = model.embed.weight.mean(dim=0)

    def hook(module, args, out):
        out = out.clone()
        out[:, positions] = mean_embed
        return out

    handle = model.embed.register_forward_hook(hook)
    try:
        edited = centred_logit(model, ids, VOCAB.index(graph.target))
    finally:
        handle.remove()
    return predicted, edited - graph.logit_model


@dataclass
class Agreement:
    """What the graphs of many prompts predicted and what intervening on the real model did: per prompt, the
    change of the centred logit when the graph's top `n` latents (or characters) are ablated and when `n`
    random active latents (or random characters) are, each as (predicted, actual)."""

    top_latents: Tensor
    random_latents: Tensor
    top_chars: Tensor
    random_chars: Tensor

    @staticmethod
    def _corr(pairs: Tensor) -> float:
        """Pearson correlation of predicted and actual."""
        return float(torch.corrcoef(pairs.T.double())[0, 1])

    def summary(self) -> dict[str, float]:
        """Correlations of predicted and actual changes, and how often the graph's top choice moves the logit
        more than the random one (|actual change|), for latents and for characters."""
        return dict(
            n_prompts=float(len(self.top_latents)),
            latent_corr=self._corr(torch.cat([self.top_latents, self.random_latents])),
            latent_top_beats_random=float((self.top_latents[:, 1].abs() > self.random_latents[:, 1].abs())
                                          .float().mean()),
            latent_top_mean_abs=float(self.top_latents[:, 1].abs().mean()),
            latent_random_mean_abs=float(self.random_latents[:, 1].abs().mean()),
            char_corr=self._corr(torch.cat([self.top_chars, self.random_chars])),
            char_top_beats_random=float((self.top_chars[:, 1].abs() > self.random_chars[:, 1].abs()).float().mean()),
            char_top_mean_abs=float(self.top_chars[:, 1].abs().mean()),
            char_random_mean_abs=float(self.random_chars[:, 1].abs().mean()))


def intervention_agreement(model: CharTransformer, transcoder: Transcoder, prompts: Sequence[str],
                           targets: Sequence[str], n: int = 3, seed: int = 0) -> Agreement:
    """Test each prompt's graph by intervention: ablate its `n` latents with the largest |edge into the logit|
    and `n` other active latents drawn at random; ablate its `n` characters with the largest |whole effect|
    (`char_effects`) and `n` others drawn at random. Random draws are seeded."""
    if len(prompts) != len(targets) or not prompts:
        raise ValueError(f"need as many targets as prompts (at least one), got {len(prompts)} and {len(targets)}")
    generator = torch.Generator().manual_seed(seed)
    rows: dict[str, list] = {"top_latents": [], "random_latents": [], "top_chars": [], "random_chars": []}
    for prompt, target in zip(prompts, targets):
        g = attribution_graph(model, transcoder, prompt, target)
        top = g.top_latents(n)
        others = [int(j) for j in g.latents if int(j) not in top]
        if len(others) < n or g.n_chars < 2 * n:
            continue  # too few latents or characters to draw a control from
        picked = [others[i] for i in torch.randperm(len(others), generator=generator)[:n].tolist()]
        rows["top_latents"].append(ablate_latents(model, transcoder, g, top))
        rows["random_latents"].append(ablate_latents(model, transcoder, g, picked))
        effects = g.char_effects().abs()
        top_chars = effects.argsort(descending=True)[:n].tolist()
        rest = [p for p in range(g.n_chars) if p not in top_chars]
        random_chars = [rest[i] for i in torch.randperm(len(rest), generator=generator)[:n].tolist()]
        rows["top_chars"].append(ablate_characters(model, g, top_chars))
        rows["random_chars"].append(ablate_characters(model, g, random_chars))
    return Agreement(**{k: torch.tensor(v, dtype=torch.float64).reshape(-1, 2) for k, v in rows.items()})
