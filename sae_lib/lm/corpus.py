"""The course's corpus: a fixed excerpt of Python's standard library, as characters.

The text ships in `sae_lib/assets/` (built by scripts/build_python_corpus.py) and is split by whole files, so
the held-out text is code the model never saw. A character vocabulary (`encode`, `decode`), the windows a
model reads, and the n-gram losses that are the honest baselines for a character model.
"""

from __future__ import annotations

import gzip
import string
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from ..checkpoint import asset_path

__all__ = ["CORPUS_FILE", "Corpus", "HELD_OUT_EVERY", "UNKNOWN", "VOCAB", "decode", "encode", "load_corpus",
           "ngram_loss", "random_windows", "windows"]

#: Newline, the 95 printable ASCII characters, and UNKNOWN (DEL) standing for everything else.
UNKNOWN = "\x7f"
VOCAB = "\n" + "".join(chr(c) for c in range(32, 127)) + UNKNOWN
_INDEX = {c: i for i, c in enumerate(VOCAB)}
CORPUS_FILE = "python_stdlib.txt.gz"
#: Every `HELD_OUT_EVERY`-th file of the corpus is held out (never trained on).
HELD_OUT_EVERY = 10
_FILE_MARK = "# ---- Lib/"
assert len(VOCAB) == 97 and set(string.printable) - set("\t\r\x0b\x0c") <= set(VOCAB)


def encode(text: str) -> Tensor:
    """Character ids (int64) of `text`; characters outside the vocabulary become UNKNOWN."""
    unknown = _INDEX[UNKNOWN]
    return torch.tensor([_INDEX.get(c, unknown) for c in text], dtype=torch.long)


def decode(ids: Tensor | list[int]) -> str:
    """The text of a sequence of character ids."""
    return "".join(VOCAB[int(i)] for i in ids)


@dataclass(frozen=True)
class Corpus:
    """The corpus as text, split by whole files: every HELD_OUT_EVERY-th file is held out."""

    train_text: str
    held_out_text: str

    @property
    def train_ids(self) -> Tensor:
        """The training text as character ids."""
        return encode(self.train_text)

    @property
    def held_out_ids(self) -> Tensor:
        """The held-out text as character ids."""
        return encode(self.held_out_text)


def load_corpus(path: str | Path | None = None) -> Corpus:
    """The shipped Python-source corpus (or another built by scripts/build_python_corpus.py), split by file."""
    path = Path(path) if path is not None else asset_path(CORPUS_FILE)
    text = gzip.decompress(path.read_bytes()).decode("ascii")
    files = [_FILE_MARK + part for part in text.split(_FILE_MARK)[1:]]
    if not files:
        raise ValueError(f"{path} holds no files marked {_FILE_MARK!r}: not a corpus built by build_python_corpus.py")
    held_out = "".join(f for i, f in enumerate(files) if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1)
    train = "".join(f for i, f in enumerate(files) if i % HELD_OUT_EVERY != HELD_OUT_EVERY - 1)
    return Corpus(train, held_out)


def windows(ids: Tensor, context: int) -> Tensor:
    """Non-overlapping windows [n, context + 1] (inputs and their next characters); the ragged end is dropped."""
    n = (len(ids) - 1) // context
    if n < 1:
        raise ValueError(f"need more than context={context} characters, got {len(ids)}")
    starts = torch.arange(n) * context
    return ids[starts[:, None] + torch.arange(context + 1)]


def random_windows(ids: Tensor, batch_size: int, context: int, generator: torch.Generator) -> Tensor:
    """A batch [batch_size, context + 1] of windows starting at random positions."""
    starts = torch.randint(0, len(ids) - context - 1, (batch_size,), generator=generator)
    return ids[starts[:, None] + torch.arange(context + 1)]


def ngram_loss(train_ids: Tensor, test_ids: Tensor, order: int) -> float:
    """Held-out cross-entropy (nats/char) of add-one-smoothed character counts: unigram (order 1) or bigram
    (order 2, the next character given the current one). The honest baselines for a character model."""
    v = len(VOCAB)
    if order == 1:
        p = (torch.bincount(train_ids, minlength=v) + 1.0) / (len(train_ids) + v)
        return -p.log()[test_ids].mean().item()
    if order != 2:
        raise ValueError(f"order must be 1 or 2, got {order!r}")
    counts = torch.bincount(train_ids[:-1] * v + train_ids[1:], minlength=v * v).view(v, v) + 1.0
    p = counts / counts.sum(dim=1, keepdim=True)
    return -p.log()[test_ids[:-1], test_ids[1:]].mean().item()
