"""Notebook 13's exercises: a latent's edge into the logit and the graph's prediction of a steering name the mistake."""

import pytest
from _checker_suite import checker_suite

from sae_lib import exercises as ex
from sae_lib import lm
from sae_lib.exercises._checking import reveal
from sae_lib.lm import attribution


def edge(z, w_dec, resid, gain, unembed, target):
    sigma = (resid.var(unbiased=False) + 1e-5).sqrt()
    return z * ((w_dec - w_dec.mean()) / sigma * gain) @ (unembed[target] - unembed.mean(dim=0))


def edge_through_all_logits(z, w_dec, resid, gain, unembed, target):  # an equivalent form: every logit, then centre
    sigma = (resid - resid.mean()).pow(2).mean().add(1e-5).sqrt()
    logits = unembed @ (gain * (w_dec - w_dec.mean()) / sigma) * z
    return float(logits[target] - logits.mean())


def edge_without_eps(z, w_dec, resid, gain, unembed, target):  # eps is negligible: also right
    return z * ((w_dec - w_dec.mean()) / resid.std(unbiased=False) * gain) @ (unembed[target] - unembed.mean(dim=0))


def steer(graph, latents, scale):
    return (scale - 1) * sum(graph.adjacency[graph.logit_node, graph.latent_node(j)] for j in latents)


def steer_loop(graph, latents, scale):  # an equivalent form: new edge minus old edge, latent by latent
    change = 0.0
    for j in latents:
        old = float(graph.adjacency[graph.logit_node, graph.latent_node(j)])
        change += scale * old - old
    return change


RIGHT = {"check_latent_logit_edge": [edge, edge_through_all_logits, edge_without_eps],
         "check_steering_prediction": [steer, steer_loop]}

EDGE_MISTAKES = {
    "centre the latent's write": lambda z, w, r, g, u, t: z * (w / (r.var(unbiased=False) + 1e-5).sqrt() * g)
    @ (u[t] - u.mean(dim=0)),
    "mean row of the unembedding": lambda z, w, r, g, u, t: z * ((w - w.mean()) / (r.var(unbiased=False) + 1e-5).sqrt()
                                                                * g) @ u[t],
    "standard deviation": lambda z, w, r, g, u, t: z * ((w - w.mean()) * g) @ (u[t] - u.mean(dim=0)),
    "not d_model − 1": lambda z, w, r, g, u, t: z * ((w - w.mean()) / r.std() * g) @ (u[t] - u.mean(dim=0)),
    "sign is flipped": lambda *a: -edge(*a),
    "z times": lambda *a: edge(*a) / a[0],
}
STEER_MISTAKES = {
    "sign is flipped": lambda *a: -steer(*a),
    "not the new edge": lambda g, latents, s: s * sum(g.adjacency[g.logit_node, g.latent_node(j)] for j in latents),
    "that is an ablation": lambda g, latents, s: -sum(g.adjacency[g.logit_node, g.latent_node(j)] for j in latents),
    "activations, not edges": lambda g, latents, s: (s - 1) * sum(g.activations[g.latent_node(j) - g.n_chars]
                                                                  for j in latents),
}
WRONG = {"check_latent_logit_edge": list(EDGE_MISTAKES.values()),
         "check_steering_prediction": list(STEER_MISTAKES.values())}

(test_right_answers_pass_in_their_equivalent_forms, test_wrong_answers_fail_with_a_hint,
 test_unfinished_answers_say_not_implemented,
 test_a_learners_crash_or_odd_result_is_a_fail_never_an_exception) = checker_suite(RIGHT, WRONG)


@pytest.mark.parametrize("checker, mistakes", [("check_latent_logit_edge", EDGE_MISTAKES),
                                               ("check_steering_prediction", STEER_MISTAKES)])
def test_the_hint_names_the_mistake(checker, mistakes, capsys):
    for named, fn in mistakes.items():
        getattr(ex, checker)(fn)
        out = capsys.readouterr().out
        if named != "activations, not edges":  # no diagnosis for it: the general hint names the edges
            assert named in out, (named, out)
        else:
            assert "graph.adjacency" in out


def test_the_edge_checker_agrees_with_the_library_on_the_shipped_model():
    """The learner's formula, checked on random pieces, is the one the shipped graph's edges use."""
    from sae_lib.lm import transcoders
    model, _ = lm.load_pretrained()
    tc, _ = transcoders.load_transcoder("transcoder_s0.pt")
    g = attribution.attribution_graph(model, tc, "print('hello, world", "'")
    for i, j in enumerate(g.latents.tolist()[:4]):
        got = edge(float(g.activations[i]), tc.W_dec[j].detach().double(), g.resid_final,
                   model.ln_final.weight.detach().double(), model.unembed.weight.detach().double(), lm.VOCAB.index("'"))
        assert float(got) == pytest.approx(float(g.adjacency[g.logit_node, g.n_chars + i]), rel=1e-6)


def test_prediction_questions_have_a_hint_for_every_wrong_option():
    for title in ("which characters close the string", "ablating a latent in a one-block model"):
        correct, options, why, hints = reveal(title)
        assert correct in options and set(hints) == set(options) - {correct}
