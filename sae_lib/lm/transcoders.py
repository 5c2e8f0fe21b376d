"""Transcoders: a sparse, wider stand-in for the language model's MLP, whose latents read the MLP's input and
write its output (Dunefsky, Chlenski & Nanda 2024; Gemma Scope 2's transcoders add an affine skip connection).

An SAE reconstructs the neurons from themselves, so its latents say what the layer *holds*. A transcoder
predicts the MLP's output ``fc_out(GELU(fc_in(LN2(x))))`` from its input ``LN2(x)``:

    z = TopK(W_enc·m + b_enc),   ŷ = W_dec·z + b_dec (+ W_skip·m with the skip connection),

so each latent is a small piece of the MLP's *computation*: a direction it reads, a direction it writes, and
a non-linearity only through which latents are on. That is what makes attribution graphs possible
(`sae_lib.lm.attribution`): with the active latents fixed, everything from the input to the logits is
linear once attention patterns and LayerNorm scales are frozen.

The skip connection carries the part of the MLP that is linear in its input; the latents then only need to
account for the rest. It lowers the reconstruction error at equal sparsity, but the skip path is dense: in
an attribution graph it is not a latent anyone can read, only an edge from the input straight to the output.

Here: the transcoder (`Transcoder`, `TranscoderConfig`), its training (`train_transcoder`, called by
`scripts/train_transcoders.py`), the MLP's input and output over a text (`mlp_io`), the model's loss with
the MLP's output replaced (`mlp_replaced_loss`) and fidelity the field's way (`transcoder_fidelity`), its
codes as `dashboards.LatentCodes` (`encode_text`), each latent's effect on the logits, and the best of a
latent's candidate explanations, scored over all its firings (`best_explanation`).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import checkpoint
from ..metrics import dead_fraction, l0, loss_recovered, normalized_mse, variance_explained
from .concepts import ConceptLabels
from .corpus import VOCAB, windows
from .dashboards import LatentCodes
from .explanations import Explanation, ExplanationScore, char_in, concept, ends_with, explain, score_latent
from .model import CharTransformer, _positive_int

__all__ = ["Transcoder", "TranscoderConfig", "TranscoderTrainConfig", "best_explanation", "candidate_explanations",
           "encode_text", "latent_logit_weights", "load_transcoder", "mlp_io", "mlp_replaced_loss",
           "save_transcoder", "train_transcoder", "transcoder_fidelity"]

FORMAT = "sae_lib.transcoder"


@dataclass(frozen=True)
class TranscoderConfig:
    """Shape of a transcoder: d_in → n_latents (TopK, k on) → d_out, with or without the affine skip."""

    d_in: int = 128
    d_out: int = 128
    n_latents: int = 1024
    k: int = 16
    skip: bool = False

    def __post_init__(self) -> None:
        for name in ("d_in", "d_out", "n_latents", "k"):
            _positive_int(name, getattr(self, name))
        if self.k > self.n_latents:
            raise ValueError(f"k must be at most n_latents={self.n_latents}, got {self.k}")
        if not isinstance(self.skip, bool):
            raise ValueError(f"skip must be True or False, got {self.skip!r}")

    def to_dict(self) -> dict:
        """The configuration as a plain dict (what a checkpoint stores)."""
        return asdict(self)


class Transcoder(nn.Module):
    """z = TopK(m·W_enc + b_enc); ŷ = z·W_dec + b_dec (+ m·W_skip). Rows of W_dec have unit norm, so z_j is
    how much latent j writes."""

    def __init__(self, config: TranscoderConfig | None = None) -> None:
        super().__init__()
        self.config = config = config or TranscoderConfig()
        self.W_enc = nn.Parameter(torch.randn(config.d_in, config.n_latents) / math.sqrt(config.d_in))
        self.b_enc = nn.Parameter(torch.zeros(config.n_latents))
        self.W_dec = nn.Parameter(F.normalize(torch.randn(config.n_latents, config.d_out), dim=1))
        self.b_dec = nn.Parameter(torch.zeros(config.d_out))
        self.W_skip = nn.Parameter(torch.zeros(config.d_in, config.d_out)) if config.skip else None

    def pre_acts(self, m: Tensor) -> Tensor:
        """[..., n_latents]: every latent's pre-activation on the MLP input m."""
        return m @ self.W_enc + self.b_enc

    def encode(self, m: Tensor) -> Tensor:
        """[..., n_latents]: the k largest pre-activations, ReLU'd, the rest zero."""
        pre = self.pre_acts(m)
        top = pre.topk(self.config.k, dim=-1)
        return torch.zeros_like(pre).scatter(-1, top.indices, top.values.relu())

    def decode(self, z: Tensor, m: Tensor | None = None) -> Tensor:
        """[..., d_out]: the predicted MLP output from the codes z (and, with the skip, the input m)."""
        y = z @ self.W_dec + self.b_dec
        if self.W_skip is not None:
            if m is None:
                raise ValueError("a transcoder with a skip connection needs the MLP input m to decode")
            y = y + m @ self.W_skip
        return y

    def forward(self, m: Tensor) -> tuple[Tensor, Tensor]:
        """(predicted MLP output, codes)."""
        z = self.encode(m)
        return self.decode(z, m), z

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.config.to_dict().items())


@torch.no_grad()
def mlp_io(model: CharTransformer, ids: Tensor, layer: int = 0, batch_size: int = 64) -> tuple[Tensor, Tensor]:
    """(MLP input, MLP output), each [n, d_model], of block `layer` at every character of the whole
    context windows of `ids` (rows aligned as in `neuron_activations`)."""
    model.eval()
    ins, outs = [], []
    for chunk in windows(ids, model.config.context)[:, :-1].split(batch_size):
        cache: dict = {}
        model(chunk, cache=cache)
        ins.append(cache[f"mlp_in.{layer}"].flatten(0, 1))
        outs.append(cache[f"mlp_out.{layer}"].flatten(0, 1))
    return torch.cat(ins), torch.cat(outs)


@contextlib.contextmanager
def _mlp_output(model: CharTransformer, layer: int, fn: Callable[[Tensor], Tensor]) -> Iterator[None]:
    """Inside the block, block `layer`'s MLP output is replaced by fn(its output) (a forward hook on fc_out)."""
    handle = model.blocks[layer].fc_out.register_forward_hook(lambda module, args, out: fn(out))
    try:
        yield
    finally:
        handle.remove()


@torch.no_grad()
def mlp_replaced_loss(model: CharTransformer, ids: Tensor, replacement: Tensor | Callable[[Tensor], Tensor],
                      layer: int = 0, batch_size: int = 64) -> float:
    """Next-character loss (nats/char) over the whole windows of `ids` with block `layer`'s MLP output replaced:
    by `replacement` rows [n, d_model] aligned with `mlp_io` (e.g. a transcoder's prediction, computed once:
    an MLP's input never depends on its own output), or by `replacement(output)` (zeros, the mean)."""
    model.eval()
    context = model.config.context
    data = windows(ids, context)
    if isinstance(replacement, Tensor) and len(replacement) != len(data) * context:
        raise ValueError(f"replacement must have {len(data) * context} rows (one per character of the whole windows "
                         f"of ids), got {len(replacement)}")
    total = 0.0
    for k, chunk in enumerate(data.split(batch_size)):
        if isinstance(replacement, Tensor):
            rows = replacement[k * batch_size * context:(k * batch_size + len(chunk)) * context]
            fn = lambda out, rows=rows: rows.reshape(out.shape).to(out)  # noqa: E731
        else:
            fn = replacement
        with _mlp_output(model, layer, fn):
            logits = model(chunk[:, :-1])
        total += F.cross_entropy(logits.flatten(0, 1), chunk[:, 1:].flatten(), reduction="sum").item()
    return total / (len(data) * context)


@torch.no_grad()
def _predict(transcoder: Transcoder, mlp_in: Tensor, batch_size: int = 8192) -> tuple[Tensor, Tensor]:
    """(ŷ, z) for every row of mlp_in, in batches."""
    transcoder.eval()
    pairs = [transcoder(chunk) for chunk in mlp_in.split(batch_size)]
    return torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs])


@torch.no_grad()
def transcoder_fidelity(model: CharTransformer, transcoder: Transcoder, ids: Tensor, layer: int = 0,
                        io: tuple[Tensor, Tensor] | None = None,
                        anchors: dict[str, float] | None = None) -> dict[str, float]:
    """How faithfully `transcoder` stands in for block `layer`'s MLP on the text `ids`, the field's way.

    Loss (nats/char) clean, with the MLP's output replaced by the transcoder's prediction, zero-ablated and
    mean-ablated (its mean over `ids`); loss recovered against each ablation; normalised MSE and variance
    explained of the MLP output; L0 and the share of dead latents (never on in `ids`). Pass `io` (from
    `mlp_io`) and `anchors` (this function's own loss_* anchors from an earlier call) to reuse them.
    """
    mlp_in, mlp_out = mlp_io(model, ids, layer) if io is None else io
    if anchors is None:
        mean = mlp_out.mean(dim=0)
        anchors = dict(loss_clean=mlp_replaced_loss(model, ids, lambda out: out, layer),
                       loss_zero_ablated=mlp_replaced_loss(model, ids, torch.zeros_like, layer),
                       loss_mean_ablated=mlp_replaced_loss(model, ids, lambda out: mean.to(out).expand_as(out), layer))
    y_hat, z = _predict(transcoder, mlp_in)
    spliced = mlp_replaced_loss(model, ids, y_hat, layer)
    clean, zero, mean_ablated = anchors["loss_clean"], anchors["loss_zero_ablated"], anchors["loss_mean_ablated"]
    return dict(loss_clean=clean, loss_transcoder=spliced, loss_zero_ablated=zero, loss_mean_ablated=mean_ablated,
                loss_recovered=loss_recovered(clean, spliced, zero),
                loss_recovered_mean=loss_recovered(clean, spliced, mean_ablated),
                normalized_mse=normalized_mse(mlp_out, y_hat), variance_explained=variance_explained(mlp_out, y_hat),
                l0=l0(z, 0.0), dead_fraction=dead_fraction(z, 0.0))


@dataclass(frozen=True)
class TranscoderTrainConfig:
    """Adam on normalised MSE, with the AuxK loss (Gao et al. 2024) for latents off for `dead_after` rows."""

    steps: int = 2000
    batch_size: int = 256
    lr: float = 2e-3
    aux_k: int = 128
    aux_coef: float = 1 / 32
    dead_after: int = 50_000
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "aux_k", "dead_after"):
            _positive_int(name, getattr(self, name))
        for name in ("lr", "aux_coef"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
                raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")


def train_transcoder(mlp_in: Tensor, mlp_out: Tensor, config: TranscoderConfig | None = None,
                     train: TranscoderTrainConfig | None = None, log_every: int = 0,
                     log: Callable[[str], None] = print) -> tuple[Transcoder, dict]:
    """A transcoder built and trained under `train.seed` to predict `mlp_out` from `mlp_in` (rows [n, d]);
    returns it (eval mode) and a history (final normalised MSE on the training rows, dead latents, seconds)."""
    config, train = config or TranscoderConfig(), train or TranscoderTrainConfig()
    if mlp_in.shape[0] != mlp_out.shape[0] or mlp_in.shape[1] != config.d_in or mlp_out.shape[1] != config.d_out:
        raise ValueError(f"need mlp_in [n, {config.d_in}] and mlp_out [n, {config.d_out}], got "
                         f"{tuple(mlp_in.shape)} and {tuple(mlp_out.shape)}")
    torch.manual_seed(train.seed)
    tc = Transcoder(config)
    with torch.no_grad():
        tc.b_dec.copy_(mlp_out.mean(dim=0))  # start at the mean output: the latents then explain the rest
    variance = (mlp_out - mlp_out.mean(dim=0)).pow(2).sum(dim=1).mean()
    optimizer = torch.optim.Adam(tc.parameters(), lr=train.lr)
    generator = torch.Generator().manual_seed(train.seed)
    since_fired = torch.zeros(config.n_latents)
    start = time.perf_counter()
    tc.train()
    for step in range(train.steps):
        for group in optimizer.param_groups:  # constant, then linear decay over the last fifth
            group["lr"] = train.lr * min(1.0, (train.steps - step) / (0.2 * train.steps))
        rows = torch.randint(len(mlp_in), (train.batch_size,), generator=generator)
        m, y = mlp_in[rows], mlp_out[rows]
        pre = tc.pre_acts(m)
        top = pre.topk(config.k, dim=-1)
        z = torch.zeros_like(pre).scatter(-1, top.indices, top.values.relu())
        y_hat = tc.decode(z, m)
        error = y - y_hat
        loss = error.pow(2).sum(dim=1).mean() / variance
        fired = (z > 0).any(dim=0)
        since_fired = torch.where(fired, torch.zeros_like(since_fired), since_fired + train.batch_size)
        dead = since_fired > train.dead_after
        if dead.any() and train.aux_coef > 0:
            # AuxK: the dead latents' largest pre-activations try to explain what the live ones missed
            dead_pre = pre.masked_fill(~dead, -math.inf)
            aux = dead_pre.topk(min(train.aux_k, int(dead.sum())), dim=-1)
            z_aux = torch.zeros_like(pre).scatter(-1, aux.indices, aux.values.relu())
            residual = error.detach()
            aux_loss = (residual - z_aux @ tc.W_dec).pow(2).sum(dim=1).mean() / residual.pow(2).sum(dim=1).mean()
            loss = loss + train.aux_coef * aux_loss.nan_to_num(0.0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        with torch.no_grad():  # keep only the gradient that does not change a decoder row's norm
            tc.W_dec.grad -= (tc.W_dec.grad * tc.W_dec).sum(dim=1, keepdim=True) * tc.W_dec
        optimizer.step()
        with torch.no_grad():
            tc.W_dec.copy_(F.normalize(tc.W_dec, dim=1))
        if log_every and (step + 1) % log_every == 0:
            log(f"step {step + 1:>5}/{train.steps}  loss {loss.item():.4f}  dead {int(dead.sum())}  "
                f"{time.perf_counter() - start:.0f} s")
    tc.eval()
    y_hat, z = _predict(tc, mlp_in[:50_000])
    history = dict(normalized_mse=normalized_mse(mlp_out[:50_000], y_hat), dead_at_end=int(dead.sum()),
                   seconds=time.perf_counter() - start, steps=train.steps)
    return tc, history


def save_transcoder(transcoder: Transcoder, path: str | Path, metadata: dict | None = None) -> Path:
    """Write the transcoder's float16 weights, configuration and `metadata` atomically (`checkpoint.save`)."""
    return checkpoint.save(transcoder, path, {**(metadata or {}), "kind": FORMAT}, dtype=torch.float16)


def load_transcoder(name_or_path: str | Path) -> tuple[Transcoder, dict]:
    """(transcoder, metadata): a shipped asset by name (checksum-verified), or any saved file by path."""
    path = Path(name_or_path)
    if not path.is_file():
        path = checkpoint.verify_asset(str(name_or_path))
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("metadata", {}).get("kind") != FORMAT:
        raise ValueError(f"{path} is not a transcoder checkpoint (written by save_transcoder)")
    tc = Transcoder(TranscoderConfig(**payload["config"]))
    tc.load_state_dict({k: v.float() for k, v in payload["state_dict"].items()})
    return tc.eval(), dict(payload["metadata"])


@torch.no_grad()
def encode_text(model: CharTransformer, transcoder: Transcoder, ids: Tensor, layer: int = 0,
                mlp_in: Tensor | None = None) -> LatentCodes:
    """The transcoder's codes at every character of `ids` (whole windows), kept sparse, as `dashboards.LatentCodes`."""
    mlp_in = mlp_io(model, ids, layer)[0] if mlp_in is None else mlp_in
    transcoder.eval()
    kept = [transcoder.pre_acts(chunk).topk(transcoder.config.k, dim=1) for chunk in mlp_in.split(8192)]
    return LatentCodes(ids=ids[:len(mlp_in)], indices=torch.cat([k.indices for k in kept]).int(),
                       values=torch.cat([k.values for k in kept]).relu(), latent_dim=transcoder.config.n_latents)


@torch.no_grad()
def latent_logit_weights(model: CharTransformer, transcoder: Transcoder) -> Tensor:
    """[n_latents, vocab]: each latent's decoder row through the final LayerNorm's centring and gain and the
    unembedding, centred over the vocabulary (its direct effect per unit of activation, up to the LN's
    division by the residual's norm)."""
    w = transcoder.W_dec - transcoder.W_dec.mean(dim=1, keepdim=True)
    logits = (w * model.ln_final.weight) @ model.unembed.weight.T
    return logits - logits.mean(dim=1, keepdim=True)


def candidate_explanations(acts: Tensor, text: str, labels: ConceptLabels | None = None) -> list[Explanation]:
    """Explanations worth scoring for a latent with activations `acts` on `text`: its most frequent current
    character(s) and two-character endings among its firings, and every concept of `labels`."""
    fires = (acts > 0).nonzero().flatten().tolist()
    if not fires:
        return []
    chars = torch.bincount(torch.tensor([VOCAB.index(text[r]) if text[r] in VOCAB else 0 for r in fires]),
                           minlength=len(VOCAB))
    top = [VOCAB[i] for i in chars.argsort(descending=True)[:3].tolist() if chars[i] > 0]
    shown = [repr(c) for c in top]
    found = [explain(f"the character is {shown[0]}", char_in(top[0]))]
    if len(top) > 1:
        found.append(explain(f"the character is one of {', '.join(shown)}", char_in("".join(top))))
    pairs: dict[str, int] = {}
    for r in fires:
        if r:
            pairs[text[r - 1:r + 1]] = pairs.get(text[r - 1:r + 1], 0) + 1
    for pair, _ in sorted(pairs.items(), key=lambda kv: -kv[1])[:2]:
        found.append(explain(f"{pair!r} ends here", ends_with(pair)))
    for name in labels.names if labels is not None else ():
        found.append(explain(name.replace("token:", "inside the name ") if name.startswith("token:")
                             else f"inside a {name}" if name in ("string", "docstring", "comment", "number")
                             else name, concept(labels, name)))
    return found


def best_explanation(acts: Tensor, text: str, labels: ConceptLabels | None = None,
                     candidates: Sequence[Explanation] | None = None) -> ExplanationScore | None:
    """The candidate explanation with the best F1 of precision and recall over all of the latent's firings
    (`explanations.score_latent`), or None for a latent that never fires."""
    candidates = candidate_explanations(acts, text, labels) if candidates is None else candidates
    scores = [score_latent(acts, text, e) for e in candidates]
    scores = [s for s in scores if s.n_firings > 0 and s.recall == s.recall]
    if not scores:
        return None
    return max(scores, key=lambda s: 2 * s.precision * s.recall / max(s.precision + s.recall, 1e-12))
