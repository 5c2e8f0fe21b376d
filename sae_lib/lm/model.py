"""The course's own language model: a tiny character-level transformer trained on Python's source.

Chapters 10 onwards read it with sparse autoencoders, offline and on a CPU. The model (`CharTransformer`, one or
two pre-LayerNorm blocks, nanoGPT-style; its corpus and vocabulary are in `sae_lib.lm.corpus`), a way to read its
MLP neurons and residual stream (`cache=`)
and to replace the neurons with anything else (`edit_neurons=`, how an SAE's reconstruction is spliced
in), its cross-entropy (`next_char_loss`), sampling, training (`train_language_model`, called by
`scripts/train_language_model.py`) and the pretrained weights (`load_pretrained`, checksum-verified).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..checkpoint import asset_path, file_digest, verify_asset
from .corpus import VOCAB, decode, encode, random_windows, windows

__all__ = ["CharTransformer", "LMConfig", "LMTrainConfig", "PRETRAINED_FILE", "load_pretrained", "neuron_activations",
           "next_char_loss", "replace_neurons", "sample", "save_pretrained", "train_language_model"]

PRETRAINED_FILE = "char_transformer.pt"


def _positive_int(name: str, value: object) -> None:
    """Raise a one-line ValueError unless `value` is a positive integer (a bool is not one)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class LMConfig:
    """Shape of a CharTransformer (the default is the course's: 1 block, d_model 128, 4 heads, 512 neurons)."""

    n_layers: int = 1
    d_model: int = 128
    n_heads: int = 4
    d_mlp: int = 512
    context: int = 128
    vocab_size: int = len(VOCAB)

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            _positive_int(name, value)
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be a multiple of n_heads={self.n_heads}")


class _Attention(nn.Module):
    """Causal multi-head self-attention."""

    def __init__(self, config: LMConfig) -> None:
        super().__init__()
        self.n_heads = config.n_heads
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)
        self.out = nn.Linear(config.d_model, config.d_model)

    def forward(self, x: Tensor) -> Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (y.view(b, t, self.n_heads, d // self.n_heads).transpose(1, 2) for y in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


class _Block(nn.Module):
    """x + attention(LN(x)), then + MLP(LN(x)); the MLP's GELU outputs are its neurons."""

    def __init__(self, config: LMConfig) -> None:
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(config.d_model), nn.LayerNorm(config.d_model)
        self.attn = _Attention(config)
        self.fc_in = nn.Linear(config.d_model, config.d_mlp)
        self.fc_out = nn.Linear(config.d_mlp, config.d_model)

    def forward(self, x: Tensor, layer: int, cache: dict | None, edit_neurons: Callable | None) -> Tensor:
        x = x + self.attn(self.ln1(x))
        mlp_in = self.ln2(x)
        neurons = F.gelu(self.fc_in(mlp_in))
        if cache is not None:
            cache[f"resid_mid.{layer}"], cache[f"neurons.{layer}"] = x, neurons
            cache[f"mlp_in.{layer}"] = mlp_in  # what a transcoder reads
        if edit_neurons is not None:
            neurons = edit_neurons(layer, neurons)
        mlp_out = self.fc_out(neurons)
        if cache is not None:
            cache[f"mlp_out.{layer}"] = mlp_out  # what a transcoder predicts
        return x + mlp_out


class CharTransformer(nn.Module):
    """A GPT-style character model: ids [B, T] → next-character logits [B, T, vocab]."""

    def __init__(self, config: LMConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or LMConfig()
        self.embed = nn.Embedding(config.vocab_size, config.d_model)
        self.pos = nn.Embedding(config.context, config.d_model)
        self.blocks = nn.ModuleList(_Block(config) for _ in range(config.n_layers))
        self.ln_final = nn.LayerNorm(config.d_model)
        self.unembed = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.apply(_init_weights)

    def forward(self, ids: Tensor, cache: dict | None = None,
                edit_neurons: Callable[[int, Tensor], Tensor] | None = None) -> Tensor:
        """Logits for every position. `cache`, a dict, receives the residual stream ("resid_pre.L",
        "resid_mid.L", "resid_post.L"), the MLP's input ("mlp_in.L", LN2's output), neurons ("neurons.L", after
        the GELU) and output ("mlp_out.L") of each block L;
        `edit_neurons(layer, neurons)` returns what the block uses in place of its neurons."""
        if ids.dim() != 2 or ids.shape[1] > self.config.context:
            raise ValueError(f"ids must have shape [batch, ≤ {self.config.context}], got {tuple(ids.shape)}")
        x = self.embed(ids) + self.pos(torch.arange(ids.shape[1], device=ids.device))
        for layer, block in enumerate(self.blocks):
            if cache is not None:
                cache[f"resid_pre.{layer}"] = x
            x = block(x, layer, cache, edit_neurons)
            if cache is not None:
                cache[f"resid_post.{layer}"] = x
        return self.unembed(self.ln_final(x))

    def neuron_logit_weights(self, layer: int = -1) -> Tensor:
        """[d_mlp, vocab]: each neuron's effect on the logits through fc_out, the final LN's gain and the
        unembedding (the LN's centring included, its division by the residual's norm left out), centred over
        the vocabulary: softmax ignores a shift shared by every character. In a one-block model this is the
        only path from the MLP to the logits."""
        block = self.blocks[layer]
        w = block.fc_out.weight.T  # [d_mlp, d_model]: what each neuron writes to the residual stream
        w = w - w.mean(dim=1, keepdim=True)  # LayerNorm removes the mean over d_model
        logits = (w * self.ln_final.weight) @ self.unembed.weight.T
        return logits - logits.mean(dim=1, keepdim=True)  # softmax ignores a shift shared by every character

    def extra_repr(self) -> str:
        return f"n_params={sum(p.numel() for p in self.parameters()):,}"


def _init_weights(module: nn.Module) -> None:
    """GPT-2's initialisation: normal(0, 0.02) weights, zero biases."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)


@torch.no_grad()
def next_char_loss(model: CharTransformer, ids: Tensor, edit_neurons: Callable | None = None,
                   batch_size: int = 64, replacement: Tensor | None = None, layer: int = 0) -> float:
    """Mean next-character cross-entropy (nats/char) over non-overlapping windows of `ids`.

    `replacement` [n, d_mlp], rows aligned with `neuron_activations(model, ids, layer)`, is what block `layer`
    uses in place of its neurons: e.g. an SAE's reconstruction x̂ of those rows, computed once. (A block's
    neurons depend only on what comes before them, so rows computed from the clean run are the ones it would
    see.) Give it or `edit_neurons`, not both.
    """
    if replacement is not None and edit_neurons is not None:
        raise ValueError("give edit_neurons or replacement, not both")
    model.eval()
    data = windows(ids, model.config.context).to(next(model.parameters()).device)
    context = model.config.context
    if replacement is not None and len(replacement) != len(data) * context:
        raise ValueError(f"replacement must have {len(data) * context} rows (one per character of the whole windows "
                         f"of ids), got {len(replacement)}")
    total = 0.0
    for k, chunk in enumerate(data.split(batch_size)):
        if replacement is not None:
            rows = replacement[k * batch_size * context:(k * batch_size + len(chunk)) * context]
            edit_neurons = replace_neurons(layer, lambda h, rows=rows: rows.to(h.device, h.dtype))
        logits = model(chunk[:, :-1], edit_neurons=edit_neurons)
        total += F.cross_entropy(logits.flatten(0, 1), chunk[:, 1:].flatten(), reduction="sum").item()
    return total / (len(data) * model.config.context)


@torch.no_grad()
def neuron_activations(model: CharTransformer, ids: Tensor, layer: int = 0, batch_size: int = 64) -> Tensor:
    """The MLP neurons of block `layer` [n, d_mlp], row r at character ids[r] (reading ids[:r + 1] within its
    window), over the non-overlapping windows of `ids` (n = whole windows × context)."""
    model.eval()
    device = next(model.parameters()).device
    rows = []
    for chunk in windows(ids, model.config.context)[:, :-1].split(batch_size):
        cache: dict = {}
        model(chunk.to(device), cache=cache)
        rows.append(cache[f"neurons.{layer}"].flatten(0, 1).cpu())
    return torch.cat(rows)


def replace_neurons(layer: int, fn: Callable[[Tensor], Tensor]) -> Callable[[int, Tensor], Tensor]:
    """An `edit_neurons` hook that passes block `layer`'s neurons, flattened to [B·T, d_mlp], through `fn`
    (an SAE's reconstruction, a constant, ...) and leaves every other block alone."""
    def edit(at: int, neurons: Tensor) -> Tensor:
        if at != layer:
            return neurons
        return fn(neurons.flatten(0, 1)).reshape(neurons.shape)
    return edit


@torch.no_grad()
def sample(model: CharTransformer, prompt: str, n_chars: int, temperature: float = 0.8, seed: int = 0,
           edit_neurons: Callable | None = None) -> str:
    """`prompt` continued by `n_chars` sampled characters (temperature-scaled, seeded)."""
    if not prompt:
        raise ValueError("prompt must hold at least one character")
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    ids = encode(prompt).tolist()
    for _ in range(n_chars):
        window = torch.tensor([ids[-model.config.context:]], device=device)
        logits = model(window, edit_neurons=edit_neurons)[0, -1].float().cpu() / temperature
        ids.append(int(torch.multinomial(logits.softmax(-1), 1, generator=generator)))
    return decode(ids)


@dataclass(frozen=True)
class LMTrainConfig:
    """AdamW with linear warm-up and cosine decay to a tenth; batches of random windows of the training text."""

    steps: int = 4000
    batch_size: int = 64
    lr: float = 3e-3
    warmup: int = 100
    weight_decay: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "warmup"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if name == "warmup" else 1):
                raise ValueError(f"{name} must be a {'non-negative' if name == 'warmup' else 'positive'} integer, "
                                 f"got {value!r}")
        if not isinstance(self.lr, (int, float)) or isinstance(self.lr, bool) or not 0 < self.lr < math.inf:
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")

    def lr_at(self, step: int) -> float:
        """The learning rate at optimiser step `step` (0-based)."""
        if step < self.warmup:
            return self.lr * (step + 1) / self.warmup
        progress = (step - self.warmup) / max(1, self.steps - self.warmup)
        return self.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train_language_model(train_ids: Tensor, config: LMTrainConfig | None = None, model_config: LMConfig | None = None,
                         log_every: int = 0, log: Callable[[str], None] = print) -> CharTransformer:
    """Train a CharTransformer from scratch under `config.seed` and return it (in eval mode)."""
    config = config or LMTrainConfig()
    torch.manual_seed(config.seed)
    model = CharTransformer(model_config)
    decay = [p for p in model.parameters() if p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.dim() <= 1]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=config.lr, betas=(0.9, 0.99))
    generator = torch.Generator().manual_seed(config.seed)
    start = time.perf_counter()
    model.train()
    for step in range(config.steps):
        for group in optimizer.param_groups:
            group["lr"] = config.lr_at(step)
        batch = random_windows(train_ids, config.batch_size, model.config.context, generator)
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {loss.item()} at step {step}; try a lower lr (now {config.lr})")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if log_every and (step + 1) % log_every == 0:
            log(f"step {step + 1:>5}/{config.steps}  train loss {loss.item():.3f}  {time.perf_counter() - start:.0f} s")
    return model.eval()


def save_pretrained(model: CharTransformer, path: str | Path, meta: dict) -> str:
    """Write weights (float32), config and `meta` to `path` (a temp file, then a rename); return its SHA-256."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"config": asdict(model.config), "state_dict": model.state_dict(), "meta": meta}, tmp)
    tmp.replace(path)  # a failed write never replaces a good file
    return file_digest(path)


def load_pretrained(path: str | Path | None = None, verify: bool = True) -> tuple[CharTransformer, dict]:
    """A saved CharTransformer and its metadata (held-out loss, steps, time, seed, as its script reported);
    by default the shipped one, checked against the SHA-256 in assets/checksums.json."""
    if path is None:
        path = verify_asset(PRETRAINED_FILE) if verify else asset_path(PRETRAINED_FILE)
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = CharTransformer(LMConfig(**blob["config"]))
    model.load_state_dict(blob["state_dict"])
    return model.eval(), dict(blob["meta"])

