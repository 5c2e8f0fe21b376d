"""Notebook 11's tools written by the learner: the steering edit, a latent's logit effect and the explanation
scorer pass right answers in equivalent forms, fail wrong ones with a hint that names the mistake, and never crash."""

import numpy as np
import pytest
import torch
from _checker_suite import checker_suite

from sae_lib import exercises as ex
from sae_lib.exercises._checking import reveal


def edit(h, sae, j, value):
    z = sae.encode(h)[:, j]
    return h + (value - z)[:, None] * sae.dictionary[j]


def edit_by_decoding(h, sae, j, value):  # an equivalent form: add the decoded change of the code
    z = sae.encode(h)
    changed = z.clone()
    changed[:, j] = value
    return h + sae.decode(changed) - sae.decode(z)


def logit_effect(model, sae, j):
    w = model.blocks[0].fc_out.weight.T
    w = w - w.mean(dim=1, keepdim=True)
    return (sae.dictionary[j] @ w) * model.ln_final.weight @ model.unembed.weight.T


def logit_effect_uncentred_numpy(model, sae, j):  # no centring over the vocabulary (softmax ignores it), NumPy out
    d = sae.dictionary[j].detach().numpy()
    w = model.blocks[0].fc_out.weight.detach().numpy()  # [d_model, d_mlp]
    r = w @ d
    r = (r - r.mean()) * model.ln_final.weight.detach().numpy()
    return model.unembed.weight.detach().numpy() @ r + 3.0


def score(acts, holds, q):
    fires = acts > 0
    precision = holds[fires].double().mean()
    recall = fires[holds].double().mean()
    ranked = holds[fires][acts[fires].argsort()]
    return precision, recall, torch.stack([c.double().mean() for c in ranked.chunk(q)])


def score_numpy(acts, holds, q):  # plain NumPy and floats, quantiles as a list
    a, h = acts.numpy(), holds.numpy()
    on = a > 0
    ranked = h[on][np.argsort(a[on])]
    return float(h[on].mean()), float(on[h].mean()), [float(c.mean()) for c in np.array_split(ranked, q)]


EDIT_MISTAKES = {
    "without taking away": lambda h, sae, j, v: h + v * sae.dictionary[j],
    "sign is flipped": lambda h, sae, j, v: h - (v - sae.encode(h)[:, j])[:, None] * sae.dictionary[j],
    "reconstruction": lambda h, sae, j, v: sae.decode(sae.encode(h)) + (v - sae.encode(h)[:, j:j + 1]) * sae.dictionary[j],
    "encoder": lambda h, sae, j, v: h + (v - sae.encode(h)[:, j:j + 1]) * sae.encoder[0].weight[j],
}


def _effect_without_gain(model, sae, j):
    w = model.blocks[0].fc_out.weight.T
    return (sae.dictionary[j] @ (w - w.mean(dim=1, keepdim=True))) @ model.unembed.weight.T


EFFECT_MISTAKES = {
    "centring": lambda model, sae, j: (sae.dictionary[j] @ model.blocks[0].fc_out.weight.T) * model.ln_final.weight
    @ model.unembed.weight.T,
    "gain": _effect_without_gain,
    "encoder": lambda model, sae, j: logit_effect(model, type("S", (), {"dictionary": sae.encoder[0].weight})(), j),
    "weights": lambda model, sae, j: sae.dictionary[j] @ model.neuron_logit_weights(0),  # the library's map
}
SCORE_MISTAKES = {
    "all characters": lambda a, h, q: (h.double().mean(), *score(a, h, q)[1:]),
    "swapped": lambda a, h, q: (score(a, h, q)[1], score(a, h, q)[0], score(a, h, q)[2]),
    "strongest first": lambda a, h, q: (*score(a, h, q)[:2], score(a, h, q)[2].flip(0)),
    "the quantiles": lambda a, h, q: (*score(a, h, q)[:2],
                                      torch.stack([c.double().mean() for c in h[a.argsort()].chunk(q)])),
}
RIGHT = {"check_latent_edit": [edit, edit_by_decoding],
         "check_logit_effect": [logit_effect, logit_effect_uncentred_numpy],
         "check_explanation_score": [score, score_numpy]}
WRONG = {"check_latent_edit": list(EDIT_MISTAKES.values()), "check_logit_effect": list(EFFECT_MISTAKES.values()),
         "check_explanation_score": list(SCORE_MISTAKES.values())}

(test_right_answers_pass_in_their_equivalent_forms, test_wrong_answers_fail_with_a_hint,
 test_unfinished_answers_say_not_implemented,
 test_a_learners_crash_or_odd_result_is_a_fail_never_an_exception) = checker_suite(RIGHT, WRONG)


@pytest.mark.parametrize("checker, mistakes", [("check_latent_edit", EDIT_MISTAKES),
                                               ("check_logit_effect", EFFECT_MISTAKES),
                                               ("check_explanation_score", SCORE_MISTAKES)])
def test_the_hint_names_the_mistake(checker, mistakes, capsys):
    for named, fn in mistakes.items():
        getattr(ex, checker)(fn)
        out = capsys.readouterr().out
        assert named in out, (named, out)


def test_the_library_answers_are_refused_as_the_learners_own(capsys):
    """The library's own functions are refused as answers (the learner writes them), by name, not as wrong results."""
    from sae_lib.lm import explanations, interventions

    ex.check_latent_edit(lambda h, sae, j, v: interventions.latent_edit(sae, j, v)(0, h[None])[0])
    s = explanations.score_explanation
    ex.check_explanation_score(lambda a, h, q: (s(a, h, n_quantiles=q).precision, s(a, h, n_quantiles=q).recall,
                                                list(s(a, h, n_quantiles=q).quantile_precision)))
    out = capsys.readouterr().out
    assert out.count("calls `sae_lib`'s own") == 2 and "differ" not in out, out


def test_the_os_prediction_has_a_hint_for_each_wrong_option():
    correct, options, why, hints = reveal("clamping the os latent")
    assert set(hints) == set(options) - {correct} and correct not in " ".join(hints.values())
