"""Checkers and questions of notebook 13: from features to circuits."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import torch

from ._checking import PREDICTIONS, CheckResult, _compare, _matches, _report

PREDICTIONS.update({
    "which characters close the string": (  # notebook 13; an evidence cell checks the graph's answer
        "the opening quote",
        ("the indentation", "the opening quote", "the word name"),
        "Whether a quote comes next depends on whether a string is open, and of the characters far back only "
        "the opening quote says so. Attention carries it to the last position; the graph shows that edge.",
        {"the indentation": "indentation says where a statement starts, not whether a string is open; ask which "
                            "character alone tells the model it is inside a string",
         "the word name": "a variable's name says an assignment is under way, not that a string is open; ask "
                          "which character alone tells the model it is inside a string"}),
    "ablating a latent in a one-block model": (
        "about its edge",
        ("about its edge", "much more than its edge", "nothing: the error absorbs it"),
        "In one block, a latent at the last position reaches the logit only through the final LayerNorm: no later "
        "layer can compensate. The only gap is that LayerNorm's denominator, which moves a little.",
        {"much more than its edge": "more than its edge would need a later layer to amplify it, or other latents "
                                    "to respond; in one block nothing reads the MLP's output except the unembedding",
         "nothing: the error absorbs it": "the error node is held fixed: it is the true MLP output minus the "
                                          "transcoder's, computed once, so it cannot absorb a change"}),
})

__all__ = ["check_latent_logit_edge", "check_steering_prediction"]

_EPS = 1e-5


def _edge_cases() -> list[tuple]:
    """(z, w_dec, resid, gain, unembed, target) cases with random pieces of a small model."""
    g = torch.Generator().manual_seed(13)
    cases = []
    for d, vocab, target in [(8, 5, 2), (16, 11, 0), (12, 7, 6)]:
        cases.append((float(torch.rand(1, generator=g)) * 3 + 0.5, torch.randn(d, generator=g, dtype=torch.float64),
                      torch.randn(d, generator=g, dtype=torch.float64) * 2 + 0.7,
                      1 + 0.3 * torch.randn(d, generator=g, dtype=torch.float64),
                      torch.randn(vocab, d, generator=g, dtype=torch.float64), target))
    return cases


def _edge(z, w_dec, resid, gain, unembed, target, *, centre_write=True, centre_vocab=True, scale=True,
          unbiased=False) -> torch.Tensor:
    """The latent's edge into the centred logit, or one of the common mistakes (a keyword switched off)."""
    write = w_dec - w_dec.mean() if centre_write else w_dec
    sigma = (resid.var(unbiased=unbiased) + _EPS).sqrt() if scale else torch.tensor(1.0, dtype=resid.dtype)
    u = unembed[target] - unembed.mean(dim=0) if centre_vocab else unembed[target]
    return torch.as_tensor(z * (write / sigma * gain) @ u, dtype=torch.float64)


def check_latent_logit_edge(fn: Callable) -> CheckResult:
    """fn(z, w_dec, resid, gain, unembed, target) → latent's edge into the centred logit through the final
    LayerNorm (denominator frozen at `resid`'s, eps 1e-5) and the unembedding."""
    from ..lm.attribution import logit_edge

    def reference(z, w_dec, resid, gain, unembed, target):
        return torch.tensor(logit_edge(z, w_dec, resid, gain, unembed, target, _EPS), dtype=torch.float64)

    def diagnose(z, w_dec, resid, gain, unembed, target, got):
        args = (z, w_dec, resid, gain, unembed, target)
        mistakes = {
            "the LayerNorm subtracts the mean over d_model before it divides: centre the latent's write first":
                dict(centre_write=False),
            "the target is the logit minus the mean logit: subtract the mean row of the unembedding (or the mean "
            "of all logits)": dict(centre_vocab=False),
            "the frozen LayerNorm still divides by the residual stream's standard deviation": dict(scale=False),
            "LayerNorm's variance divides by d_model, not d_model − 1": dict(unbiased=True),
        }
        for hint, switch in mistakes.items():
            if _matches(got, _edge(*args, **switch), rtol=1e-4):
                return hint
        if _matches(got, -_edge(*args), rtol=1e-4):
            return "the sign is flipped: a write along the target's unembedding row raises the logit"
        if _matches(got, _edge(*args) / z, rtol=1e-4):
            return "that is the edge per unit of activation: the latent writes z times its decoder row"
        return None

    return _compare("a latent's edge into the logit", fn, reference, _edge_cases(),
                    "the latent writes z·w_dec into the residual stream; follow that vector through the final "
                    "LayerNorm with its denominator frozen (centre, divide, gain; its bias is a constant, not part "
                    "of this edge) and then through the target's row of the unembedding, centred over the vocabulary",
                    rtol=1e-4, atol=1e-9, diagnose=diagnose)


@lru_cache(maxsize=1)
def _tiny_graphs() -> tuple:
    """Attribution graphs of a small random one-block model and transcoder (seeded), for the steering checker."""
    from ..lm import model as lm_model
    from ..lm import transcoders
    from ..lm.attribution import attribution_graph

    graphs = []
    for seed, prompt, target in [(0, "def f(x):\n  return x", ")"), (1, "self.name = 'a", "'")]:
        torch.manual_seed(seed)
        model = lm_model.CharTransformer(lm_model.LMConfig(d_model=16, n_heads=2, d_mlp=32, context=32)).eval()
        tc = transcoders.Transcoder(transcoders.TranscoderConfig(d_in=16, d_out=16, n_latents=40, k=5)).eval()
        with torch.no_grad():
            for p in [*model.parameters(), *tc.parameters()]:
                p.add_(0.2 * torch.randn_like(p))
        graphs.append(attribution_graph(model, tc, prompt, target))
    return tuple(graphs)


def check_steering_prediction(fn: Callable) -> CheckResult:
    """fn(graph, latents, scale) → the graph's prediction of how much the centred logit changes when each latent
    in `latents` (active at the last position) is set to `scale` times its activation."""
    from ..lm.attribution import predicted_latent_change

    name = "the graph's prediction of a steering"
    try:
        graphs = _tiny_graphs()
    except Exception as error:  # the library itself failed: say so rather than blame the learner
        return _report(name, False, f"could not build the test graphs ({type(error).__name__}: {error})")
    cases = []
    for g in graphs:
        top = g.top_latents(3)
        cases += [(g, top[:1], 0.0), (g, top, 0.0), (g, top[1:], 2.5), (g, top[:2], -1.0)]

    def reference(graph, latents, scale):
        return torch.tensor(predicted_latent_change(graph, latents, scale), dtype=torch.float64)

    def diagnose(graph, latents, scale, got):
        edges = float(sum(graph.adjacency[graph.logit_node, graph.latent_node(j)] for j in latents))
        if _matches(got, (1 - scale) * edges, rtol=1e-6):
            return "the sign is flipped: switching a latent down removes part of its own edge"
        if _matches(got, scale * edges, rtol=1e-6) or _matches(got, -scale * edges, rtol=1e-6):
            return "the new edge is scale × the old one, so the change is the difference of the two, not the new edge"
        if _matches(got, -edges, rtol=1e-6):
            return "that is an ablation (scale 0); with another scale, only part of each edge goes (or more is added)"
        return None

    return _compare(name, fn, reference, cases,
                    "each latent's edge into the logit is proportional to its activation and nothing else in the "
                    "graph moves when it changes; read the edges from graph.adjacency[graph.logit_node, "
                    "graph.latent_node(j)]", rtol=1e-6, atol=1e-9, diagnose=diagnose)
