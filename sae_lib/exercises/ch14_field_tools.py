"""Checkers and questions of notebook 14: the field's tools (TransformerLens and SAELens).

Both checkers need the `[field]` extra; without it they FAIL with the install command, never crash. They build
their own small cases: a 2-block CharTransformer at random, exported and opened in TransformerLens (no
download), and the course's model with its shipped SAE in SAELens.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch

from ._checking import PREDICTIONS, CheckResult, _compare, _matches, _report

PREDICTIONS.update({
    "where the course's SAE reads in TransformerLens": (
        "blocks.0.mlp.hook_post", ("blocks.0.mlp.hook_pre", "blocks.0.mlp.hook_post", "blocks.0.hook_mlp_out",
                                   "blocks.0.hook_resid_mid"),
        "The course's neurons are the MLP's 512 values after the GELU: TransformerLens calls that hook_post "
        "(hook_pre is before the GELU, hook_mlp_out is after the down-projection, 128 wide).",
        {"blocks.0.mlp.hook_pre": "hook_pre is before the GELU: it can be negative anywhere, the neurons cannot go "
                                  "below −0.17.",
         "blocks.0.hook_mlp_out": "hook_mlp_out is what the MLP writes to the residual stream: 128 numbers, after "
                                  "fc_out, not the 512 neurons.",
         "blocks.0.hook_resid_mid": "hook_resid_mid is the residual stream between attention and MLP: 128 wide, the "
                                    "MLP's input, not its neurons."}),
})

__all__ = ["check_loss_recovered_by_hand", "check_read_hook"]

#: The course's names (`CharTransformer(..., cache=)`) the hook checker asks for, with the layer.
_ASKED = [("neurons", 0), ("resid_mid", 1), ("neurons", 1), ("resid_post", 0), ("resid_pre", 1)]


def _missing() -> str | None:
    """The install sentence when the `[field]` extra is missing, else None."""
    from ..lm.export import missing_field_message, missing_field_packages
    missing = missing_field_packages()
    return missing_field_message(missing) if missing else None


@functools.cache
def _small_bridge() -> tuple:
    """A random 2-block CharTransformer and its TransformerLens bridge (built once; no download)."""
    import os
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import transformers
    from transformer_lens.model_bridge import TransformerBridge

    from ..lm.export import export_model
    from ..lm.model import CharTransformer, LMConfig
    torch.manual_seed(14)
    model = CharTransformer(LMConfig(n_layers=2, d_model=32, n_heads=2, d_mlp=64, context=16)).eval()
    folder = export_model(Path(tempfile.mkdtemp(prefix="sae_course_ch14_")) / "model", model)
    hf = transformers.AutoModelForCausalLM.from_pretrained(folder)
    tok = transformers.AutoTokenizer.from_pretrained(folder)
    bridge = TransformerBridge.boot_transformers(str(folder), hf_model=hf, tokenizer=tok, device="cpu")
    tokens = torch.randint(0, model.config.vocab_size, (3, 16), generator=torch.Generator().manual_seed(1))
    return model, bridge, tokens


def _diagnose_hook(name: str, layer: int, got: object) -> str | None:
    """Name the neighbouring hook a wrong reading matches."""
    model, bridge, tokens = _small_bridge()
    with torch.no_grad():
        _, cache = bridge.run_with_cache(tokens)
    for hook, why in [(f"blocks.{layer}.mlp.hook_pre", "that is before the GELU; the course's neurons are after it"),
                      (f"blocks.{layer}.hook_mlp_out", "that is what the MLP writes (after fc_out), not its neurons"),
                      (f"blocks.{1 - layer}.mlp.hook_post", "those are the other block's neurons: check the layer"),
                      (f"blocks.{layer}.hook_resid_post", "that is the residual stream after the block"),
                      (f"blocks.{layer}.hook_resid_pre", "that is the residual stream before the block")]:
        if _matches(got, cache[hook], rtol=1e-4, atol=1e-4):
            return f"you read {hook}: {why}"
    return None


def check_read_hook(fn: Callable) -> CheckResult:
    """fn(bridge, tokens, name, layer) → the course's tensor `name` ("neurons", "resid_pre", "resid_mid",
    "resid_post") of block `layer`, read from a TransformerLens bridge, shape [batch, positions, width]."""
    name = "reading a course tensor through its TransformerLens hook"
    missing = _missing()
    if missing is not None:
        return _report(name, False, missing)
    model, bridge, tokens = _small_bridge()

    def reference(course_name: str, layer: int) -> torch.Tensor:
        cache: dict = {}
        with torch.no_grad():
            model(tokens, cache=cache)
        return cache[f"{course_name}.{layer}"]

    def learner(course_name: str, layer: int):
        with torch.no_grad():
            return fn(bridge, tokens.clone(), course_name, layer)

    return _compare(name, learner if callable(fn) else fn, reference, _ASKED,
                    "run the bridge with run_with_cache and look at the cache's keys: each course tensor has one "
                    "whose values equal it; build that key from the name and the layer.",
                    rtol=1e-4, atol=1e-4, diagnose=_diagnose_hook)


@functools.cache
def _course_run() -> tuple:
    """The course's model and shipped SAE in TransformerLens and SAELens, 16 held-out windows, and run_evals' score."""
    from ..lm import field
    from ..lm.corpus import load_corpus
    run = field.open_run("course", load_corpus().held_out_text[:16 * 128 + 1], n_windows=16)
    return run, field.evaluate_run(run)["ce_loss_score"]


def _diagnose_recovered(bridge, sae, tokens, got: object) -> str | None:
    """Name the common variant (mean-ablation, the ratio turned over) a wrong answer matches."""
    from ..lm.field import FieldRun, spliced_loss
    run = FieldRun("course", bridge, sae, sae.cfg.metadata.hook_name, tokens, "")
    clean, spliced = spliced_loss(run, False), spliced_loss(run)
    zero = spliced_loss(run, torch.zeros_like)
    with torch.no_grad():
        _, cache = bridge.run_with_cache(tokens, names_filter=run.hook_name)
    mean = cache[run.hook_name].mean(dim=(0, 1))
    mean_ablated = spliced_loss(run, lambda acts: mean.expand_as(acts))
    for value, why in [((mean_ablated - spliced) / (mean_ablated - clean),
                        "you ablated to the mean; run_evals ablates to zero"),
                       ((spliced - clean) / (zero - clean), "that is the share of the loss *lost*, 1 minus the answer"),
                       ((zero - spliced) / zero, "divide by how much ablation raises the loss (minus the clean loss)")]:
        if _matches(got, value, rtol=1e-3, atol=1e-4):
            return why
    return None


def check_loss_recovered_by_hand(fn: Callable) -> CheckResult:
    """fn(bridge, sae, tokens) → loss recovered computed with TransformerLens hooks (clean, SAE spliced in at the
    SAE's hook, zero-ablated), which must equal SAELens's `run_evals` CE-loss score on the same windows."""
    name = "loss recovered by hand, against run_evals"
    missing = _missing()
    if missing is not None:
        return _report(name, False, missing)
    run, score = _course_run()

    def learner(_: int):
        with torch.no_grad():
            return fn(run.bridge, run.sae, run.tokens.clone())

    def diagnose(_: int, got: object) -> str | None:
        return _diagnose_recovered(run.bridge, run.sae, run.tokens, got)

    return _compare(name, learner if callable(fn) else fn, lambda _: score, [(0,)],
                    "three losses with bridge.run_with_hooks(tokens, return_type='loss', fwd_hooks=[(hook, f)]): "
                    "none, f giving the SAE's reconstruction, f giving zeros; then how much of the ablation's rise "
                    "the SAE wins back.", rtol=1e-4, atol=5e-4, diagnose=diagnose)
