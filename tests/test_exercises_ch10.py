"""Notebook 10's exercises: the splice hook and the top-context picker are checked against the library on the
shipped model and text, and their hints name the first difference; the predict-first answers are what the
shipped model and SAE do."""

import pytest
import torch
from _checker_suite import MISTAKES, checker_suite, todo

from sae_lib import checkpoint, lm
from sae_lib import exercises as ex
from sae_lib.lm import dashboards, explanations


def pick(acts, n, min_gap):
    chosen = []
    for p in torch.argsort(acts, descending=True).tolist():
        if acts[p] <= 0 or len(chosen) == n:
            break
        if all(abs(p - q) >= min_gap for q in chosen):
            chosen.append(p)
    return chosen


def pick_by_masking(acts, n, min_gap):  # an equivalent form: take the maximum, blank its window, repeat
    acts, out = acts.clone(), []
    while len(out) < n and acts.max() > 0:
        p = int(acts.argmax())
        out.append(p)
        acts[max(0, p - min_gap + 1):p + min_gap] = 0
    return torch.tensor(out)


PICKER_MISTAKES = {
    "overlaps": lambda acts, n, gap: acts.topk(min(n, int((acts > 0).sum()))).indices.tolist(),
    "gap to the last only": lambda acts, n, gap: _last_only(acts, n, gap),
    "keeps zeros": lambda acts, n, gap: pick(acts + 0, n, gap) + [0] * (n - len(pick(acts, n, gap))),
    "smallest first": lambda acts, n, gap: pick(acts, n, gap)[::-1],
    "gap one too wide": lambda acts, n, gap: pick(acts, n, gap + 1),
}


def _last_only(acts, n, gap):
    chosen = []
    for p in torch.argsort(acts, descending=True).tolist():
        if acts[p] <= 0 or len(chosen) == n:
            break
        if not chosen or abs(p - chosen[-1]) >= gap:
            chosen.append(p)
    return chosen


RIGHT = {"check_top_contexts": [pick, pick_by_masking, lambda a, n, g: torch.tensor(pick(a, n, g)).numpy()],
         "check_loss_recovered": [lambda c, s, a: (a - s) / (a - c), lambda c, s, a: 1 - (s - c) / (a - c)]}
WRONG = {"check_top_contexts": list(PICKER_MISTAKES.values()),
         "check_loss_recovered": [lambda c, s, a: (s - c) / (a - c), lambda c, s, a: (a - s) / a]}

(test_right_answers_pass_in_their_equivalent_forms, test_wrong_answers_fail_with_a_hint,
 test_unfinished_answers_say_not_implemented,
 test_a_learners_crash_or_odd_result_is_a_fail_never_an_exception) = checker_suite(RIGHT, WRONG)


def test_the_picker_hint_names_the_first_difference(capsys):
    expected = {"overlaps": "overlaps", "gap to the last only": "overlaps", "keeps zeros": "latent is off there",
                "smallest first": "context 1", "gap one too wide": "Measure the gap"}
    for named, fn in PICKER_MISTAKES.items():
        ex.check_top_contexts(fn)
        out = capsys.readouterr().out
        assert out.startswith("FAIL") and expected[named] in out, (named, out)


@pytest.fixture(scope="module")
def shipped():
    model, _ = lm.load_pretrained()
    sae = checkpoint.load_asset("lm_sae_topk_auxk.pt")
    return model, sae, lm.load_corpus().held_out_ids[:4096]


def splice(sae):
    def hook(layer, neurons):
        if layer != 0:
            return neurons
        return sae(neurons.flatten(0, 1))[0].reshape(neurons.shape)
    return hook


def splice_with_view(sae):  # an equivalent form: reshape by hand, decode the code explicitly
    def hook(layer, neurons):
        if layer:
            return neurons
        b, t, d = neurons.shape
        return sae.decode(sae.encode(neurons.reshape(b * t, d))).view(b, t, d)
    return hook


SPLICE_MISTAKES = {
    "flattened": lambda sae: lambda layer, h: sae(h.flatten(0, 1))[0],
    "code z": lambda sae: lambda layer, h: sae(h.flatten(0, 1))[1],
    "decoder's bias": lambda sae: lambda layer, h: (sae.encode(h.flatten(0, 1)) @ sae.dictionary).reshape(h.shape),
    "layer 1": lambda sae: lambda layer, h: sae(h.flatten(0, 1))[0].reshape(h.shape),
    "unchanged": lambda sae: lambda layer, h: h,
    "zeroes": lambda sae: lambda layer, h: torch.zeros_like(h),
    "differ most": lambda sae: lambda layer, h: 1.01 * sae(h.flatten(0, 1))[0].reshape(h.shape) if layer == 0 else h,
}


@pytest.mark.parametrize("make_hook", [splice, splice_with_view])
def test_a_right_splice_hook_passes_and_agrees_with_lm_fidelity(shipped, make_hook, capsys):
    result = ex.check_splice_hook(make_hook, *shipped)
    out = capsys.readouterr().out
    assert result.passed and out.startswith("PASS") and "from lm_fidelity" in out, out


@pytest.mark.parametrize("named", sorted(SPLICE_MISTAKES))
def test_a_wrong_splice_hook_fails_naming_its_mistake(shipped, named, capsys):
    result = ex.check_splice_hook(SPLICE_MISTAKES[named], *shipped)
    out = capsys.readouterr().out
    assert not result.passed and out.startswith("FAIL") and len(out.strip().splitlines()) == 1
    assert named in out, (named, out)


@pytest.mark.parametrize("mistake", [todo, lambda sae: todo, *MISTAKES, *[lambda sae, m=m: m for m in MISTAKES]])
def test_an_unfinished_or_crashing_splice_hook_is_a_one_line_fail(shipped, mistake, capsys):
    result = ex.check_splice_hook(mistake, *shipped)
    out = capsys.readouterr().out
    assert not result.passed and out.startswith("FAIL") and len(out.strip().splitlines()) == 1, out


@pytest.fixture(scope="module")
def notebook_codes():
    """The codes notebook 10 reads: the shipped SAE on the first 50,000 held-out characters."""
    model, _ = lm.load_pretrained()
    sae = checkpoint.load_asset("lm_sae_topk_auxk.pt")
    ids = lm.load_corpus().held_out_ids[:50_000]
    return model, sae, dashboards.encode_text(model, sae, ids)


@pytest.mark.slow
def test_notebook_10_predictions_are_what_the_shipped_sae_does(notebook_codes, capsys):
    from sae_lib.exercises._checking import reveal

    model, sae, codes = notebook_codes
    promoted, suppressed = dashboards.logit_effects(model, sae, 950, n=6)
    assert reveal("what latent 950 promotes")[0] == "A"  # option A is `_` and capital letters
    assert all(c == "_" or c.isupper() for c, _ in promoted) and all(c.islower() for c, _ in suppressed)
    capitals = explanations.explain("a capital letter or _", explanations.char_in("ABCDEFGHIJKLMNOPQRSTUVWXYZ_"))
    score = explanations.score_latent(codes.latent(950), lm.decode(codes.ids), capitals)
    assert 0.4 < score.precision < 0.9
    assert reveal("how many of latent 950's firings are capitals")[0] == "between 40% and 90%"
    # the picker in the notebook agrees with the library on the real latents too
    assert ex.check_top_contexts(pick, codes).passed
    capsys.readouterr()


def test_lm_fidelity_in_chunks_equals_the_whole_set_metrics(shipped, monkeypatch):
    """lm_fidelity encodes in chunks (so a notebook's kernel stays small); its numbers are the whole set's."""
    from sae_lib import metrics
    from sae_lib.lm import fidelity

    model, sae, ids = shipped
    neurons = lm.neuron_activations(model, ids)
    monkeypatch.setattr(fidelity, "_CHUNK", 700)  # chunks that do not divide the rows
    row = lm.lm_fidelity(model, sae, ids, neurons=neurons)
    whole = metrics.evaluate(sae, neurons)
    for key in ("normalized_mse", "variance_explained", "l0", "dead_fraction", "dense_fraction"):
        assert row[key] == pytest.approx(whole[key], rel=1e-4, abs=1e-6), key
    x_hat, _ = metrics.reconstruct(sae, neurons)
    assert row["loss_sae"] == pytest.approx(lm.next_char_loss(model, ids, replacement=x_hat), abs=1e-6)


def test_unit_codes_show_any_unit_and_refuse_a_longer_one():
    acts = torch.tensor([0.0, 2.0, -1.0, 3.0])
    codes = dashboards.unit_codes(torch.arange(4), acts)
    assert dashboards.top_contexts(codes, 0, n=5, min_gap=1) == [3, 1]  # negative values do not fire
    with pytest.raises(ValueError, match="5 values"):
        dashboards.unit_codes(torch.arange(4), torch.ones(5))
