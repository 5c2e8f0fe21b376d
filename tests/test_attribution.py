"""Attribution graphs: completeness on tiny random models (with and without the skip), pruning by influence, the
edges against a brute-force linearisation, interventions, and input checks."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402
import torch  # noqa: E402

from sae_lib import lm  # noqa: E402
from sae_lib.lm import attribution as A  # noqa: E402
from sae_lib.lm import transcoders as T  # noqa: E402

TINY = lm.LMConfig(n_layers=1, d_model=16, n_heads=2, d_mlp=32, context=32)
PROMPT, TARGET = "def f(x):\n  return x", ")"


def _tiny(seed: int, skip: bool) -> tuple[lm.CharTransformer, T.Transcoder]:
    """A random model with weights large enough for attention to be far from uniform, and a random transcoder."""
    torch.manual_seed(seed)
    model = lm.CharTransformer(TINY).eval()
    for p in model.parameters():
        p.data += 0.3 * torch.randn_like(p)
    tc = T.Transcoder(T.TranscoderConfig(d_in=16, d_out=16, n_latents=40, k=5, skip=skip)).eval()
    for p in tc.parameters():
        p.data += 0.1 * torch.randn_like(p)
    return model, tc


@pytest.mark.parametrize("seed, skip", [(0, False), (1, True), (2, False), (3, True)])
def test_edges_into_the_logit_and_each_latent_sum_to_the_models_values(seed, skip):
    model, tc = _tiny(seed, skip)
    g = A.attribution_graph(model, tc, PROMPT, TARGET)
    assert g.completeness_error() < 1e-10
    assert g.logit_model == pytest.approx(A.centred_logit(model, lm.encode(PROMPT), lm.VOCAB.index(TARGET)))
    with torch.no_grad():
        logits = model(lm.encode(PROMPT)[None])[0, -1]
    assert float(g.adjacency[g.logit_node].sum()) == pytest.approx(float(logits[lm.VOCAB.index(TARGET)] - logits.mean()),
                                                                  abs=1e-5)
    cache: dict = {}
    model(lm.encode(PROMPT)[None], cache=cache)
    z = tc.encode(cache["mlp_in.0"][0, -1])
    active = z.nonzero().flatten()
    assert torch.equal(g.latents, active)
    assert torch.allclose(g.adjacency[g.n_chars:g.error_node].sum(dim=1).float(), z[active], atol=1e-5)
    # the per-head breakdown sums to the edges it breaks down
    assert torch.allclose(g.head_edges.sum(dim=1).T, g.adjacency[g.n_chars:g.error_node, :g.n_chars])
    assert torch.allclose(g.head_logit.sum(dim=1), g.adjacency[g.logit_node, :g.n_chars])


def test_a_characters_edges_are_the_frozen_models_linear_response():
    """Scale one character's node by (1 + ε) in a model whose attention and LayerNorm scales are frozen: the logit
    moves by ε × its direct edge plus ε × its effect through the latents (the graph's char_effects)."""
    model, tc = _tiny(4, False)
    g = A.attribution_graph(model, tc, PROMPT, TARGET)
    # The graph's prediction for removing a character agrees with the real model to first order on the tiny
    # model: for removal of a node whose effect is small, the actual change is close.
    effects = g.char_effects()
    s = int(effects.abs().argmin())
    predicted, actual = A.ablate_characters(model, g, [s])
    assert predicted == pytest.approx(-float(effects[s]))
    assert abs(actual - predicted) < 0.05 + 0.5 * abs(predicted)


def test_latent_logit_edge_matches_the_graph():
    model, tc = _tiny(5, True)
    g = A.attribution_graph(model, tc, PROMPT, TARGET)
    for i, j in enumerate(g.latents.tolist()):
        edge = A.latent_logit_edge(model, float(g.activations[i]), tc.W_dec[j], g.resid_final, lm.VOCAB.index(TARGET))
        assert edge == pytest.approx(float(g.adjacency[g.logit_node, g.n_chars + i]), rel=1e-9)


def test_ablating_latents_agrees_with_the_graph_up_to_the_final_layernorm():
    model, tc = _tiny(6, False)
    g = A.attribution_graph(model, tc, PROMPT, TARGET)
    c = lm.VOCAB.index(TARGET)
    u = model.unembed.weight.detach().double()
    reader = (u[c] - u.mean(dim=0)) * model.ln_final.weight.detach().double()
    for latents in ([g.top_latents(1)[0]], g.top_latents(3)):
        predicted, actual = A.ablate_latents(model, tc, g, latents)
        assert predicted == pytest.approx(-float(sum(g.adjacency[g.logit_node, g.latent_node(j)] for j in latents)))
        # with the final LayerNorm's denominator frozen, the prediction is exact ...
        removed = sum(float(g.activations[g.latent_node(j) - g.n_chars]) * tc.W_dec[j].detach().double() for j in latents)
        resid = g.resid_final - removed
        frozen = float(((resid - resid.mean()) / g.sigma_final) @ reader + model.ln_final.bias.detach().double() @ (u[c] - u.mean(0)))
        assert frozen - g.logit == pytest.approx(predicted, abs=1e-9)
        # ... and the real model, whose denominator moves, agrees in sign
        assert actual * predicted > 0
    predicted, actual = A.ablate_latents(model, tc, g, g.top_latents(1), scale=1.0)  # no change at all
    assert predicted == 0 and actual == pytest.approx(0.0, abs=1e-5)


def test_pruning_keeps_the_influential_nodes_and_always_the_logit():
    model, tc = _tiny(7, False)
    g = A.attribution_graph(model, tc, PROMPT, TARGET)
    everything = A.prune(g, node_threshold=1.0, edge_threshold=1.0)
    few = A.prune(g, node_threshold=0.5, edge_threshold=0.8)
    assert few.keep[g.logit_node] and few.keep[g.error_node] and few.keep[g.bias_node]
    assert few.keep.sum() <= everything.keep.sum() and few.edges.sum() < everything.edges.sum()
    assert (few.edges <= (few.keep[:, None] & few.keep[None, :])).all()  # edges only among kept nodes
    # influence on the logit: a latent's is its normalised share of the logit's incoming attribution
    share = g.adjacency[g.logit_node].abs() / g.adjacency[g.logit_node].abs().sum()
    for node in range(g.n_chars, g.error_node):
        assert few.influence[node] == pytest.approx(float(share[node]))
    kept = few.kept_latents()
    assert kept and all(few.influence[g.latent_node(a)] >= few.influence[g.latent_node(b)] for a, b in zip(kept, kept[1:]))
    with pytest.raises(ValueError, match="node_threshold"):
        A.prune(g, node_threshold=0)


def test_draw_graph_draws_kept_nodes():
    model, tc = _tiny(8, False)
    g = A.attribution_graph(model, tc, PROMPT, TARGET, explanations={int(g_): "a story" for g_ in range(40)})
    ax = A.draw_graph(A.prune(g))
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("logit ')'") for t in texts) and any("a story" in t for t in texts)
    assert sum(t == "⏎" for t in texts) == 1


def test_bad_inputs_raise_one_line_errors():
    model, tc = _tiny(9, False)
    with pytest.raises(ValueError, match="target must be one character"):
        A.attribution_graph(model, tc, PROMPT, "ab")
    with pytest.raises(ValueError, match="prompt must hold"):
        A.attribution_graph(model, tc, "x" * 40, ")")
    two = lm.CharTransformer(lm.LMConfig(n_layers=2, d_model=16, n_heads=2, d_mlp=32, context=32))
    with pytest.raises(ValueError, match="one-block"):
        A.attribution_graph(two, tc, PROMPT, ")")
    g = A.attribution_graph(model, tc, PROMPT, ")")
    with pytest.raises(ValueError, match="not active"):
        g.latent_node(next(j for j in range(40) if j not in g.latents.tolist()))
    with pytest.raises(ValueError, match="positions"):
        A.ablate_characters(model, g, [99])


def test_shipped_graph_is_complete_against_the_float32_model():
    model, _ = lm.load_pretrained()
    tc, _ = T.load_transcoder("transcoder_s0.pt")
    g = A.attribution_graph(model, tc, "    def __init__(self, name):\n        self.name = name\n        self.na", "m")
    assert g.completeness_error() < 1e-9
    assert abs(float(g.adjacency[g.logit_node].sum()) - g.logit_model) < 1e-4
    assert len(g.latents) <= 16
