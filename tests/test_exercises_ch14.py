"""Notebook 14's checkers: right answers in equivalent forms pass, the common mistakes fail with their own hint.

They open TransformerLens and SAELens (the [field] extra; skipped with the reason when it is missing), so the
module is in the slow tier: importing SAELens alone takes seconds.
"""

import pytest
import torch
from _checker_suite import checker_suite

from sae_lib import exercises as ex
from sae_lib.exercises._checking import reveal
from sae_lib.lm.export import missing_field_packages

MISSING = missing_field_packages()
pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(MISSING), reason=f"the [field] extra is missing: {MISSING}")]

_HOOKS = {"neurons": "mlp.hook_post", "resid_pre": "hook_resid_pre", "resid_mid": "hook_resid_mid",
          "resid_post": "hook_resid_post"}


def read_by_cache(bridge, tokens, name, layer):
    _, cache = bridge.run_with_cache(tokens)
    return cache[f"blocks.{layer}.{_HOOKS[name]}"]


def read_by_hook(bridge, tokens, name, layer):  # a hook that stores what passes, instead of a cache
    seen = []
    bridge.run_with_hooks(tokens, fwd_hooks=[(f"blocks.{layer}.{_HOOKS[name]}", lambda a, hook: seen.append(a))])
    return seen[0]


def read_before_gelu(bridge, tokens, name, layer):
    return read_by_cache(bridge, tokens, name, layer) if name != "neurons" else \
        bridge.run_with_cache(tokens)[1][f"blocks.{layer}.mlp.hook_pre"]


def read_mlp_out(bridge, tokens, name, layer):
    return read_by_cache(bridge, tokens, name, layer) if name != "neurons" else \
        bridge.run_with_cache(tokens)[1][f"blocks.{layer}.hook_mlp_out"]


def _losses(bridge, sae, tokens, ablate):
    hook = sae.cfg.metadata.hook_name
    clean = bridge(tokens, return_type="loss").item()
    spliced = bridge.run_with_hooks(tokens, return_type="loss", fwd_hooks=[(hook, lambda a, hook: sae(a))]).item()
    ablated = bridge.run_with_hooks(tokens, return_type="loss", fwd_hooks=[(hook, lambda a, hook: ablate(a))]).item()
    return clean, spliced, ablated


def recovered(bridge, sae, tokens):
    clean, spliced, zero = _losses(bridge, sae, tokens, torch.zeros_like)
    return (zero - spliced) / (zero - clean)


def recovered_tensor(bridge, sae, tokens):  # decode(encode(·)) and a tensor result are fine too
    hook = sae.cfg.metadata.hook_name
    losses = [bridge.run_with_hooks(tokens, return_type="loss", fwd_hooks=[(hook, f)])
              for f in (lambda a, hook: a, lambda a, hook: sae.decode(sae.encode(a)), lambda a, hook: 0 * a)]
    return 1 - (losses[1] - losses[0]) / (losses[2] - losses[0])


def recovered_mean_ablation(bridge, sae, tokens):
    _, cache = bridge.run_with_cache(tokens)
    mean = cache[sae.cfg.metadata.hook_name].mean(dim=(0, 1))
    clean, spliced, ablated = _losses(bridge, sae, tokens, lambda a: mean.expand_as(a))
    return (ablated - spliced) / (ablated - clean)


def lost(bridge, sae, tokens):
    clean, spliced, zero = _losses(bridge, sae, tokens, torch.zeros_like)
    return (spliced - clean) / (zero - clean)


RIGHT = {"check_read_hook": [read_by_cache, read_by_hook],
         "check_loss_recovered_by_hand": [recovered, recovered_tensor]}
WRONG = {"check_read_hook": [read_before_gelu, read_mlp_out],
         "check_loss_recovered_by_hand": [recovered_mean_ablation, lost]}
test_right, test_wrong, test_unfinished, test_crash = checker_suite(RIGHT, WRONG)


@pytest.mark.parametrize("fn, hint", [(read_before_gelu, "before the GELU"), (read_mlp_out, "shape (3, 16, 64)"),
                                      (recovered_mean_ablation, "ablated to the mean"), (lost, "1 minus")])
def test_each_mistake_gets_its_own_hint(fn, hint, capsys):
    checker = ex.check_read_hook if fn in WRONG["check_read_hook"] else ex.check_loss_recovered_by_hand
    checker(fn)
    assert hint in capsys.readouterr().out


def test_the_hook_question_has_a_hint_for_every_wrong_option(capsys):
    correct, options, _, hints = reveal("where the course's SAE reads in TransformerLens")
    assert set(hints) == set(options) - {correct}
    ex.check_prediction("where the course's SAE reads in TransformerLens", "blocks.0.hook_mlp_out")
    assert "down-projection" not in capsys.readouterr().out  # the why is shown only on the right answer
