"""Chapter 14's glue to the field's tools: one analysis path for the course's model and for GPT-2.

`open_run` gives a `FieldRun` (a TransformerLens `TransformerBridge`, a SAELens SAE, a hook name and token
windows) for one of three models: "course" (the exported CharTransformer and SAE), "gpt2-small" (GPT-2 small
and a pretrained SAELens release: needs the internet, a GPU helps) and "gpt2-random" (a small GPT-2 built
from a config with a random SAELens SAE: no download, so CI runs the GPT-2 path offline). `evaluate_run` is
the analysis all three share: SAELens's `run_evals` (CE-loss score, KL score, L0, explained variance) and the
spliced loss with the SAE put in by a plain TransformerLens hook. Imports the `[field]` extra lazily.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from .export import DEFAULT_HOOK, _tokenizer_json, export_model, export_sae

__all__ = ["GPT2_RELEASE", "KINDS", "FieldRun", "evaluate_run", "open_run", "spliced_loss", "token_windows"]

KINDS = ("course", "gpt2-small", "gpt2-random")
#: The pretrained SAE that "gpt2-small" loads: OpenAI's TopK SAEs on GPT-2 small's MLP outputs (Gao et al. 2024),
#: 32,768 latents at layer 8 (the download: GPT-2 small 0.5 GB, this SAE about 0.2 GB).
GPT2_RELEASE = ("gpt2-small-mlp-out-v5-32k", "blocks.8.hook_mlp_out")
#: The offline stand-in: GPT-2's architecture at a size a CPU runs in a second, and an SAE at the same hook.
_RANDOM_GPT2 = dict(n_layer=2, n_embd=64, n_head=4, n_positions=128, activation_function="gelu_new",
                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=None, eos_token_id=None)
_RANDOM_HOOK = "blocks.1.hook_mlp_out"


@dataclass
class FieldRun:
    """A model in TransformerLens, an SAE in SAELens, where it reads, and the token windows to analyse."""

    kind: str
    bridge: Any
    sae: Any
    hook_name: str
    tokens: Tensor
    description: str
    costs: dict[str, float] = field(default_factory=dict)


def token_windows(ids: Tensor, context: int, n_windows: int) -> Tensor:
    """The first `n_windows` non-overlapping windows [n, context] of a token sequence (ValueError if too short)."""
    n = min(n_windows, len(ids) // context)
    if n < 1:
        raise ValueError(f"need at least context={context} tokens, got {len(ids)}")
    return ids[: n * context].reshape(n, context)


def _boot(hf_model: Any, tokenizer: Any, name: str, device: str) -> Any:
    """A TransformerLens bridge around an already built Hugging Face model (no download, no name lookup)."""
    from transformer_lens.model_bridge import TransformerBridge
    # a model built from a config starts in training mode, with dropout on: evaluate it in eval mode
    return TransformerBridge.boot_transformers(name, hf_model=hf_model.to(device).eval(), tokenizer=tokenizer,
                                               device=device)


def _open_course(text_ids: Tensor, n_windows: int, device: str, sae_name: str) -> FieldRun:
    """The course's model and SAE, exported to a temporary folder and opened by the field's own loaders."""
    import transformers
    from sae_lens import SAE
    folder = Path(tempfile.mkdtemp(prefix="sae_course_field_"))
    export_model(folder / "model")
    export_sae(sae_name, folder / "sae")
    hf = transformers.AutoModelForCausalLM.from_pretrained(folder / "model")
    tok = transformers.AutoTokenizer.from_pretrained(folder / "model")
    bridge = _boot(hf, tok, str(folder / "model"), device)
    sae = SAE.load_from_disk(folder / "sae", device=device)
    return FieldRun("course", bridge, sae, DEFAULT_HOOK, token_windows(text_ids, 128, n_windows),
                    f"the course's CharTransformer and {sae_name}, exported to {folder}")


def _open_gpt2_random(text: str, n_windows: int, device: str, seed: int = 0) -> FieldRun:
    """A small GPT-2 built from a config and a TopK SAE built from a config, both at random: no download."""
    import transformers
    from sae_lens import TopKSAE, TopKSAEConfig
    torch.manual_seed(seed)
    tok = transformers.PreTrainedTokenizerFast(tokenizer_object=_tokenizer_from_json(_tokenizer_json()))
    hf = transformers.GPT2LMHeadModel(transformers.GPT2Config(vocab_size=len(tok), **_RANDOM_GPT2))
    bridge = _boot(hf, tok, "gpt2", device)
    sae = TopKSAE(TopKSAEConfig(d_in=_RANDOM_GPT2["n_embd"], d_sae=256, k=8, device=device,
                                normalize_activations="layer_norm"))
    sae.cfg.metadata.hook_name, sae.cfg.metadata.prepend_bos = _RANDOM_HOOK, False
    ids = torch.tensor(tok(text)["input_ids"])
    return FieldRun("gpt2-random", bridge, sae, _RANDOM_HOOK, token_windows(ids, 128, n_windows),
                    "a randomly initialised 2-block GPT-2 built from a config, with a random TopK SAE "
                    "(offline stand-in: the numbers mean nothing, the code path is the real one)")


def _tokenizer_from_json(text: str) -> Any:
    """A `tokenizers.Tokenizer` from its JSON."""
    from tokenizers import Tokenizer
    return Tokenizer.from_str(text)


def _open_gpt2_small(text: str, n_windows: int, device: str) -> FieldRun:
    """GPT-2 small from the Hugging Face Hub and a pretrained SAELens SAE (needs the internet)."""
    import transformers
    from sae_lens import SAE
    release, sae_id = GPT2_RELEASE
    hf = transformers.AutoModelForCausalLM.from_pretrained("gpt2")
    tok = transformers.AutoTokenizer.from_pretrained("gpt2")
    bridge = _boot(hf, tok, "gpt2", device)
    sae = SAE.from_pretrained(release, sae_id, device=device)
    ids = torch.tensor(tok(text)["input_ids"])
    return FieldRun("gpt2-small", bridge, sae, sae.cfg.metadata.hook_name, token_windows(ids, 128, n_windows),
                    f"GPT-2 small with SAELens's pretrained {release} / {sae_id}")


def open_run(kind: str, text: str, n_windows: int = 32, device: str | None = None,
             sae_name: str = "lm_sae_topk_auxk.pt") -> FieldRun:
    """Open `kind` ("course", "gpt2-small" or "gpt2-random") on `text`, timing the load and noting the memory."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if kind != "gpt2-small":
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may reach for the Hub
    device = device or ("cuda" if torch.cuda.is_available() and kind == "gpt2-small" else "cpu")
    start = time.perf_counter()
    if kind == "course":
        from .corpus import encode
        run = _open_course(encode(text), n_windows, device, sae_name)
    elif kind == "gpt2-random":
        run = _open_gpt2_random(text, n_windows, device)
    else:
        run = _open_gpt2_small(text, n_windows, device)
    params = sum(p.numel() for p in run.bridge.parameters()) + sum(p.numel() for p in run.sae.parameters())
    run.costs = {"load_seconds": time.perf_counter() - start, "parameters": float(params),
                 "weights_megabytes": params * 4 / 2**20}
    return run


@torch.no_grad()
def spliced_loss(run: FieldRun, replace: Any = None) -> float:
    """Mean next-token loss on the run's windows with the hook's activations replaced by `replace(acts)` (default:
    the SAE's reconstruction; `False`: the clean model), through a plain TransformerLens hook."""
    tokens = run.tokens.to(run.sae.device)
    if replace is False:
        return run.bridge(tokens, return_type="loss").item()
    replace = replace or (lambda acts: run.sae(acts))
    return run.bridge.run_with_hooks(tokens, return_type="loss",
                                     fwd_hooks=[(run.hook_name, lambda acts, hook: replace(acts))]).item()


def evaluate_run(run: FieldRun, batch_prompts: int = 8) -> dict[str, float]:
    """SAELens's `run_evals` on the run's windows (each window once): CE-loss and KL scores, L0, variance; timed."""
    import datasets
    start = time.perf_counter()
    n = len(run.tokens) // batch_prompts * batch_prompts
    if n < batch_prompts:
        raise ValueError(f"need at least batch_prompts={batch_prompts} windows, got {len(run.tokens)}")
    dataset = datasets.Dataset.from_dict({"input_ids": run.tokens[:n].tolist()})
    with warnings.catch_warnings():  # SAELens warns that a small eval set is re-used, and about a tensor copy
        warnings.simplefilter("ignore", UserWarning)
        return _run_evals(run, dataset, n, batch_prompts, start)


def _run_evals(run: FieldRun, dataset: Any, n: int, batch_prompts: int, start: float) -> dict[str, float]:
    """`run_evals` on `dataset` (n windows) as one flat dict of numbers, with the seconds since `start`."""
    from sae_lens import ActivationsStore, run_evals
    from sae_lens.evals import EvalConfig
    from sae_lens.training.activation_scaler import ActivationScaler
    store = ActivationsStore.from_sae(run.bridge, run.sae, dataset=dataset, context_size=run.tokens.shape[1],
                                      streaming=False, store_batch_size_prompts=batch_prompts, n_batches_in_buffer=1,
                                      train_batch_size_tokens=batch_prompts * run.tokens.shape[1],
                                      device=str(run.sae.device))
    config = EvalConfig(batch_size_prompts=batch_prompts, n_eval_reconstruction_batches=n // batch_prompts,
                        n_eval_sparsity_variance_batches=n // batch_prompts, compute_kl=True, compute_ce_loss=True,
                        compute_l2_norms=True, compute_sparsity_metrics=True, compute_variance_metrics=True)
    metrics, _ = run_evals(run.sae, store, run.bridge, ActivationScaler(), config, exclude_special_tokens=False)
    flat = {}
    for group in metrics.values():
        for key, value in group.items():
            try:
                flat[key] = float(value)
            except (TypeError, ValueError):  # per-latent arrays: not summary numbers
                pass
    flat["seconds"] = time.perf_counter() - start
    return flat
