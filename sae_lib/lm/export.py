"""The course's model and SAEs in the field's formats: a Hugging Face GPT-2 folder and a SAELens folder.

`CharTransformer` is GPT-2's architecture at toy size (pre-LayerNorm, learned positions, exact GELU, an untied
unembedding), so its weights copy one-to-one into `transformers.GPT2LMHeadModel`: `export_model` writes the
folder (config.json, model.safetensors and a character tokenizer that keeps newlines) that `transformers`,
TransformerLens and SAELens open like any Hugging Face model. `export_sae` writes a one-layer SAE (ReLU, TopK,
BatchTopK or JumpReLU) as SAELens's cfg.json + sae_weights.safetensors, and `load_saelens` reads such a folder
back into a `SparseAutoencoder`. Writing needs only `safetensors` (and `tokenizers` for the tokenizer): the
`[field]` extra; nothing here imports `transformers` or `sae_lens`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

from ..checkpoint import asset_path, load, load_asset
from ..model import SAEConfig, SparseAutoencoder
from .corpus import UNKNOWN, VOCAB
from .model import PRETRAINED_FILE, CharTransformer, load_pretrained

__all__ = ["DEFAULT_HOOK", "FIELD_HOOKS", "FIELD_PACKAGES", "MODEL_NAME", "export_model", "export_sae",
           "gpt2_config", "gpt2_state_dict", "load_saelens", "missing_field_message", "missing_field_packages",
           "resolve_sae"]

#: What the course calls a tensor of block L (`CharTransformer(..., cache=)`) → TransformerLens's hook name.
FIELD_HOOKS = {"resid_pre": "blocks.{layer}.hook_resid_pre", "resid_mid": "blocks.{layer}.hook_resid_mid",
               "neurons": "blocks.{layer}.mlp.hook_post", "resid_post": "blocks.{layer}.hook_resid_post"}
#: Where the course's SAEs read: block 0's MLP neurons after the GELU.
DEFAULT_HOOK = FIELD_HOOKS["neurons"].format(layer=0)
#: The name the exported model carries in its SAE's metadata (SAELens records which model an SAE belongs to).
MODEL_NAME = "sae-course/char-transformer"
#: The `[field]` extra's import names, in the order a missing one is reported.
FIELD_PACKAGES = ("safetensors", "tokenizers", "transformers", "transformer_lens", "sae_lens")
#: sae_lib's latent activation → SAELens's architecture (BatchTopK infers with one threshold: a JumpReLU).
_SAELENS_FORMAT = "6.0.0"  # the cfg.json layout written here (SAELens ≥ 6 reads it)
_TINY = 1e-30  # the threshold that stands for SAELens's θ ≤ 0 (sae_lib stores log θ)
_ARCHITECTURES = {"relu": "standard", "topk": "topk", "batchtopk": "jumprelu", "jumprelu": "jumprelu"}


def missing_field_packages(packages: tuple[str, ...] = FIELD_PACKAGES) -> list[str]:
    """The names in `packages` that cannot be imported (empty when the `[field]` extra is installed)."""
    from importlib.util import find_spec
    return [name for name in packages if find_spec(name) is None]


def missing_field_message(missing: list[str]) -> str:
    """One sentence telling a learner how to install what chapter 14 needs."""
    return (f"chapter 14 needs the [field] extra ({', '.join(missing)} missing): "
            f"pip install -e \".[field]\" from the course folder (about 1 GB), then restart the kernel")


def _require(*packages: str) -> None:
    """Raise a one-line ImportError naming the `[field]` extra when any of `packages` is missing."""
    missing = missing_field_packages(packages)
    if missing:
        raise ImportError(missing_field_message(missing))


def gpt2_config(model: CharTransformer) -> dict:
    """The Hugging Face `GPT2Config` (as a dict) whose GPT-2 computes what `model` computes."""
    c = model.config
    return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": c.vocab_size,
            "n_positions": c.context, "n_embd": c.d_model, "n_layer": c.n_layers, "n_head": c.n_heads,
            "n_inner": c.d_mlp,
            # exact GELU (GPT-2's own "gelu_new" is the tanh approximation: ~1e-3 off) and PyTorch's LN epsilon
            "activation_function": "gelu", "layer_norm_epsilon": 1e-5,
            "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "tie_word_embeddings": False,
            "scale_attn_weights": True, "bos_token_id": None, "eos_token_id": None, "pad_token_id": None,
            "torch_dtype": "float32"}


def gpt2_state_dict(model: CharTransformer) -> dict[str, Tensor]:
    """`model`'s weights under GPT2LMHeadModel's names (GPT-2's Conv1D stores Linear weights transposed)."""
    sd = {"transformer.wte.weight": model.embed.weight, "transformer.wpe.weight": model.pos.weight,
          "transformer.ln_f.weight": model.ln_final.weight, "transformer.ln_f.bias": model.ln_final.bias,
          "lm_head.weight": model.unembed.weight}
    for i, block in enumerate(model.blocks):
        h = f"transformer.h.{i}."
        for ours, theirs in [(block.ln1, "ln_1"), (block.ln2, "ln_2")]:
            sd[h + theirs + ".weight"], sd[h + theirs + ".bias"] = ours.weight, ours.bias
        for ours, theirs in [(block.attn.qkv, "attn.c_attn"), (block.attn.out, "attn.c_proj"),
                             (block.fc_in, "mlp.c_fc"), (block.fc_out, "mlp.c_proj")]:
            sd[h + theirs + ".weight"], sd[h + theirs + ".bias"] = ours.weight.T, ours.bias
    return {name: t.detach().cpu().float().contiguous() for name, t in sd.items()}


def _tokenizer_json() -> str:
    """A `tokenizers` tokenizer: one token per character of the course's VOCAB, newline included."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    tok = Tokenizer(models.WordLevel({c: i for i, c in enumerate(VOCAB)}, unk_token=UNKNOWN))
    # every character, newline and space included, is its own token (the default splitters drop whitespace)
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    tok.decoder = decoders.Fuse()  # join characters without spaces
    return tok.to_str()


def _write_folder(out: str | Path, write: Callable[[Path], None]) -> Path:
    """Fill a fresh temporary folder beside `out` with `write`, then put it in place of `out` (never half a folder)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        write(tmp)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def export_model(out: str | Path, model: CharTransformer | None = None) -> Path:
    """Write `model` (default: the shipped one) as a Hugging Face GPT-2 folder at `out`; return the folder."""
    _require("safetensors", "tokenizers")
    from safetensors.torch import save_file
    model = model if model is not None else load_pretrained()[0]

    def write(folder: Path) -> None:
        (folder / "config.json").write_text(json.dumps(gpt2_config(model), indent=2) + "\n")
        save_file(gpt2_state_dict(model), str(folder / "model.safetensors"), metadata={"format": "pt"})
        (folder / "tokenizer.json").write_text(_tokenizer_json())
        (folder / "tokenizer_config.json").write_text(json.dumps(
            {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": model.config.context,
             "unk_token": UNKNOWN, "clean_up_tokenization_spaces": False}, indent=2) + "\n")
    return _write_folder(out, write)


def resolve_sae(name_or_path: str | Path) -> SparseAutoencoder:
    """A shipped SAE by file name ("lm_sae_topk_auxk.pt", checksum-verified) or a saved checkpoint's path."""
    path = Path(name_or_path)
    if path.is_file():
        return load(path)
    if asset_path(str(name_or_path)).is_file() and str(name_or_path) != PRETRAINED_FILE:
        return load_asset(str(name_or_path))
    shipped = sorted(p.name for p in asset_path(".").glob("lm_sae_*.pt"))
    raise ValueError(f"{name_or_path!r} is neither a checkpoint file nor a shipped SAE; shipped: {shipped}")


def _saelens_cfg(sae: SparseAutoencoder, hook_name: str, model_name: str) -> dict:
    """SAELens's cfg.json for `sae` (inference architecture, metadata naming the model and hook)."""
    c = sae.config
    cfg = {"architecture": _ARCHITECTURES[c.latent_activation], "d_in": c.input_dim, "d_sae": c.latent_dim,
           "dtype": "float32", "device": "cpu", "apply_b_dec_to_input": c.pre_encoder_bias,
           "normalize_activations": "none", "reshape_activations": "none",
           # a 6.x version marker: without one SAELens reads the file as pre-6.0 and drops the metadata
           "metadata": {"sae_lens_version": _SAELENS_FORMAT, "model_name": model_name, "hook_name": hook_name,
                        "hook_head_index": None,
                        "prepend_bos": False, "context_size": None, "exported_by": "sae_lib",
                        "sae_lib_config": c.to_dict()}}
    if c.latent_activation == "topk":
        cfg["k"] = c.k
    return cfg


def _check_exportable(sae: SparseAutoencoder) -> None:
    """ValueError unless `sae` is one linear encoder and decoder with an activation SAELens has."""
    c = sae.config
    if c.hidden_dims or c.output_activation != "none" or c.latent_activation not in _ARCHITECTURES:
        raise ValueError(f"only one-layer SAEs with latent_activation in {sorted(_ARCHITECTURES)} and "
                         f"output_activation 'none' have a SAELens form; got hidden_dims={c.hidden_dims}, "
                         f"latent_activation={c.latent_activation!r}, output_activation={c.output_activation!r}")
    if c.latent_activation == "batchtopk" and not bool(sae.activation.initialized):
        raise ValueError("this BatchTopK SAE was never trained, so it has no inference threshold to export")


def _saelens_weights(sae: SparseAutoencoder) -> dict[str, Tensor]:
    """W_enc [d_in, d_sae], b_enc, W_dec [d_sae, d_in], b_dec (and threshold) as SAELens names them."""
    c = sae.config
    w = {"W_enc": sae.encoder[0].weight.T, "b_enc": sae.encoder[0].bias,
         "W_dec": sae.decoder[0].weight.T, "b_dec": sae.decoder[0].bias}
    if c.latent_activation == "jumprelu":
        w["threshold"] = sae.activation.threshold
    elif c.latent_activation == "batchtopk":
        # sae_lib's eval rule pre·(pre > θ) with one θ ≥ 0 is SAELens's JumpReLU with θ for every latent
        w["threshold"] = sae.activation.threshold.clamp_min(0).expand(c.latent_dim)
    return {name: t.detach().cpu().float().contiguous() for name, t in w.items()}


def export_sae(sae: SparseAutoencoder | str | Path, out: str | Path, hook_name: str = DEFAULT_HOOK,
               model_name: str = MODEL_NAME) -> Path:
    """Write `sae` (a model, a shipped SAE's name or a checkpoint's path) as a SAELens folder at `out`."""
    _require("safetensors")
    from safetensors.torch import save_file
    sae = sae if isinstance(sae, SparseAutoencoder) else resolve_sae(sae)
    _check_exportable(sae)
    cfg, weights = _saelens_cfg(sae, hook_name, model_name), _saelens_weights(sae)

    def write(folder: Path) -> None:
        (folder / "cfg.json").write_text(json.dumps(cfg, indent=2) + "\n")
        save_file(weights, str(folder / "sae_weights.safetensors"))
    return _write_folder(out, write)


def load_saelens(folder: str | Path) -> SparseAutoencoder:
    """A SAELens folder (cfg.json + sae_weights.safetensors; standard, topk or jumprelu) as a SparseAutoencoder."""
    _require("safetensors")
    from safetensors.torch import load_file
    folder = Path(folder)
    if not (folder / "cfg.json").is_file() or not (folder / "sae_weights.safetensors").is_file():
        raise FileNotFoundError(f"{folder} is not a SAELens folder (needs cfg.json and sae_weights.safetensors)")
    cfg = json.loads((folder / "cfg.json").read_text())
    w = load_file(str(folder / "sae_weights.safetensors"))
    arch = cfg.get("architecture", "standard")
    if arch not in ("standard", "topk", "jumprelu"):
        raise ValueError(f"{folder}: architecture {arch!r} has no sae_lib form; allowed: standard, topk, jumprelu")
    if cfg.get("normalize_activations", "none") != "none":
        raise ValueError(f"{folder}: input normalisation {cfg['normalize_activations']!r} has no sae_lib form; "
                         f"allowed: normalize_activations 'none'")
    w = {name: t.float() for name, t in w.items()}
    if cfg.get("rescale_acts_by_decoder_norm"):
        # SAELens ranks pre·‖d_j‖ and decodes z_j·d_j/‖d_j‖: the same SAE with ‖d_j‖ folded into the encoder
        norm = w["W_dec"].norm(dim=1)
        w["W_enc"], w["b_enc"], w["W_dec"] = w["W_enc"] * norm, w["b_enc"] * norm, w["W_dec"] / norm[:, None]
    activation = {"standard": "relu", "topk": "topk", "jumprelu": "jumprelu"}[arch]
    config = SAEConfig(input_dim=int(cfg["d_in"]), hidden_dims=(), latent_dim=int(cfg["d_sae"]),
                       latent_activation=activation, output_activation="none",
                       pre_encoder_bias=bool(cfg.get("apply_b_dec_to_input", True)),
                       k=int(cfg["k"]) if arch == "topk" else None)
    sae = SparseAutoencoder(config)
    with torch.no_grad():
        sae.encoder[0].weight.copy_(w["W_enc"].float().T)
        sae.encoder[0].bias.copy_(w["b_enc"].float())
        sae.decoder[0].weight.copy_(w["W_dec"].float().T)
        sae.decoder[0].bias.copy_(w["b_dec"].float())
        if arch == "jumprelu":
            threshold = w["threshold"].float()
            # sae_lib learns log θ, so θ must be positive; SAELens's θ ≤ 0 (its ReLU still zeroes pre ≤ 0) is 0⁺ here
            sae.activation.log_threshold.copy_(threshold.clamp_min(_TINY).log())
    return sae.eval()
