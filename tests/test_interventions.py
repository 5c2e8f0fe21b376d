"""The exact direct-path ablation equals the whole model with the ablation hook, and the survey's control ablates
a different latent active at the same character."""

import pytest
import torch

from sae_lib import checkpoint, lm
from sae_lib.lm import dashboards, interventions


@pytest.fixture(scope="module")
def small():
    model, _ = lm.load_pretrained()
    sae = checkpoint.load_asset("lm_sae_topk_auxk.pt")
    ids = lm.load_corpus().held_out_ids[:3_000]
    neurons = lm.neuron_activations(model, ids)
    return model, sae, ids, neurons, interventions.final_residual(model, ids)


def test_direct_ablation_equals_the_hook_through_the_whole_model(small):
    model, sae, ids, neurons, resid = small
    rows, latents = torch.tensor([5, 300, 1_000, 2_000]), torch.tensor([70, 3, 758, 1])
    clean, ablated = interventions.direct_ablation(model, sae, resid, neurons, rows, latents)
    windows = lm.windows(ids, model.config.context)[:, :-1]
    with torch.no_grad():
        for row, j, p_clean, p_ablated in zip(rows.tolist(), latents.tolist(), clean, ablated):
            b, t = divmod(row, model.config.context)
            edited = model(windows[b:b + 1, :t + 1], edit_neurons=interventions.latent_edit(sae, j, 0.0))[0, -1]
            assert torch.allclose(edited.softmax(-1), p_ablated, atol=1e-5)
            assert torch.allclose(model(windows[b:b + 1, :t + 1])[0, -1].softmax(-1), p_clean, atol=1e-5)


def test_the_survey_ablates_each_latent_at_its_top_firings_against_another_active_latent(small):
    model, sae, ids, neurons, resid = small
    codes = dashboards.encode_text(model, sae, ids, neurons=neurons)
    survey = interventions.ablation_survey(model, sae, codes, resid, k=5)
    assert len(survey.latents) == int((codes.top(5)[0] > 0).sum())
    assert (survey.ablated <= survey.clean + 1e-6).float().mean() > 0.5  # a latent mostly helps what it promotes
    j = int(survey.latents[0])
    clean, ablated = interventions.direct_ablation(model, sae, resid, neurons, survey.rows[:1], survey.latents[:1])
    assert float(ablated[0, survey.chars[0]]) == pytest.approx(float(survey.ablated[0]), abs=1e-5)
    assert int(survey.chars[0]) == int((sae.dictionary[j] @ model.neuron_logit_weights()).argmax())
    chosen, own, control = survey.per_latent(expect=0.5, min_contexts=1)
    assert len(chosen) == len(own) == len(control) and (own <= 1 + 1e-6).all()


def test_bad_input_is_a_clear_value_error(small):
    model, sae, ids, neurons, resid = small
    with pytest.raises(ValueError, match="pair up"):
        interventions.direct_ablation(model, sae, resid, neurons, torch.tensor([1, 2]), torch.tensor([3]))
    with pytest.raises(ValueError, match="latents must be from 0 to 1023"):
        interventions.direct_ablation(model, sae, resid, neurons, torch.tensor([1]), torch.tensor([5_000]))
    deep = lm.CharTransformer(lm.LMConfig(n_layers=2))
    with pytest.raises(ValueError, match="one-block model only"):
        interventions.direct_ablation(deep, sae, resid, neurons, torch.tensor([1]), torch.tensor([3]))
