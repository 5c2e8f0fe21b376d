"""Explanations scored, not stories told: a latent's explanation as a predicate over the text, checked on every firing.

A latent's top contexts are a biased sample (its strongest, rarest moments). An *explanation* here is a
predicate over the text, e.g. "the `e` after `th`", "inside a string", a `tokenize` label, evaluated once at
every character; `score_explanation` then compares it with *all* of the latent's firings and with a matched
sample of the places it does not fire (the idea of Bricken et al. 2023's activation-interval specificity and of
the detection score of automated interpretability: Bills et al. 2023, Paulo et al. 2024):

- precision: the share of firings where the explanation holds (is the story true of what the latent does?);
- recall: the share of places where it holds on which the latent fires (does the latent do all of the story?);
- precision per activation quantile, weakest first (does the weakest tenth still match, or only the top?);
- mass precision: the share of the latent's activation mass on places where it holds;
- detection: balanced accuracy of "fires iff the explanation holds" on the firings and as many random
  non-firings (0.5 is chance).

Position r of a text is its character r; a latent at row r has read the text up to and including it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from .concepts import ConceptLabels

__all__ = ["Explanation", "ExplanationScore", "char_in", "concept", "ends_with", "explain", "per_position",
           "score_explanation", "score_latent", "score_table", "suffix_explanation"]

#: A predicate over a whole text: a bool mask with one entry per character.
Holds = Callable[[str], Tensor]


@dataclass(frozen=True)
class Explanation:
    """A sentence and the predicate it stands for: `holds(text)` is a bool mask [len(text)]."""

    sentence: str
    holds: Holds

    def mask(self, text: str) -> Tensor:
        """Where the explanation holds in `text`, checked for shape and type."""
        mask = torch.as_tensor(self.holds(text))
        if mask.shape != (len(text),):
            raise ValueError(f"explanation {self.sentence!r} gave a mask of shape {tuple(mask.shape)} for a text of "
                             f"{len(text)} characters; it must give one bool per character")
        return mask.bool()


def explain(sentence: str, holds: Holds) -> Explanation:
    """An explanation from its sentence and a predicate over a whole text."""
    if not isinstance(sentence, str) or not sentence:
        raise ValueError(f"an explanation needs a non-empty sentence, got {sentence!r}")
    return Explanation(sentence, holds)


def ends_with(*suffixes: str) -> Holds:
    """Holds at r when the text up to and including r ends with one of `suffixes` (e.g. "th" + "e")."""
    if not suffixes or not all(isinstance(s, str) and s for s in suffixes):
        raise ValueError(f"suffixes must be non-empty strings, got {suffixes!r}")

    def holds(text: str) -> Tensor:
        mask = torch.zeros(len(text), dtype=torch.bool)
        for suffix in suffixes:
            ends = [m.start() + len(suffix) - 1 for m in re.finditer(f"(?={re.escape(suffix)})", text)]
            mask[torch.tensor(ends, dtype=torch.long)] = True
        return mask
    return holds


def char_in(chars: str) -> Holds:
    """Holds at r when character r is one of `chars`."""
    if not isinstance(chars, str) or not chars:
        raise ValueError(f"chars must be a non-empty string, got {chars!r}")
    return lambda text: torch.tensor([c in chars for c in text], dtype=torch.bool)


def concept(labels: ConceptLabels, name: str) -> Holds:
    """Holds where `tokenize`'s exact label `name` is on (labels of the same text the latent read)."""
    if name not in labels.names:
        raise ValueError(f"unknown concept {name!r}; the labels have {', '.join(labels.names)}")
    column = labels.matrix[:, labels.names.index(name)]

    def holds(text: str) -> Tensor:
        if len(text) > len(column):
            raise ValueError(f"the labels cover {len(column)} characters, the text has {len(text)}")
        return torch.as_tensor(column[:len(text)]).bool()
    return holds


def per_position(fn: Callable[[str, int], bool]) -> Holds:
    """A predicate from a plain function of (text, r): slow (one call per character) but anything goes."""
    return lambda text: torch.tensor([bool(fn(text, r)) for r in range(len(text))], dtype=torch.bool)


@dataclass(frozen=True)
class ExplanationScore:
    """How well one explanation describes one latent, over all of its firings."""

    sentence: str
    n_firings: int
    precision: float
    recall: float
    mass_precision: float
    quantile_precision: tuple[float, ...]
    detection: float

    @property
    def weakest_precision(self) -> float:
        """Precision on the weakest activation quantile."""
        return self.quantile_precision[0]

    def __str__(self) -> str:
        return (f"“{self.sentence}”: precision {self.precision:.2f} (weakest tenth {self.weakest_precision:.2f}), "
                f"recall {self.recall:.2f}, detection {self.detection:.2f} over {self.n_firings:,} firings")


def score_explanation(acts: Tensor, holds: Tensor, sentence: str = "", n_quantiles: int = 10,
                      seed: int = 0) -> ExplanationScore:
    """Score `holds` (bool [n]) as an explanation of a latent whose activations on the same n characters are `acts`."""
    acts, holds = torch.as_tensor(acts).float().flatten(), torch.as_tensor(holds).bool().flatten()
    if acts.shape != holds.shape:
        raise ValueError(f"acts and holds must cover the same characters, got {len(acts)} and {len(holds)}")
    if isinstance(n_quantiles, bool) or not isinstance(n_quantiles, int) or n_quantiles < 1:
        raise ValueError(f"n_quantiles must be a positive integer, got {n_quantiles!r}")
    fires = acts > 0
    n_firings = int(fires.sum())
    if n_firings == 0:
        nan = float("nan")
        return ExplanationScore(sentence, 0, nan, nan, nan, (nan,) * n_quantiles, nan)
    precision = holds[fires].float().mean().item()
    recall = fires[holds].float().mean().item() if holds.any() else float("nan")
    mass = acts[fires]
    mass_precision = (mass * holds[fires]).sum().item() / mass.sum().item()
    # Quantiles by rank, weakest first, so equal activations cannot leave a quantile empty.
    order = torch.argsort(mass, stable=True)
    matched = holds[fires][order].float()
    quantiles = tuple(chunk.mean().item() for chunk in torch.tensor_split(matched, n_quantiles) if len(chunk)) \
        if n_firings >= n_quantiles else (precision,) * n_quantiles
    silent = (~fires).nonzero().flatten()
    generator = torch.Generator().manual_seed(seed)
    sample = silent[torch.randperm(len(silent), generator=generator)[:n_firings]]
    specificity = (~holds[sample]).float().mean().item() if len(sample) else float("nan")
    return ExplanationScore(sentence, n_firings, precision, recall, mass_precision, quantiles,
                            (precision + specificity) / 2)


def score_latent(acts: Tensor, text: str, explanation: Explanation, n_quantiles: int = 10,
                 seed: int = 0) -> ExplanationScore:
    """Score `explanation` for a latent whose activations at each character of `text` are `acts`."""
    if len(acts) != len(text):
        raise ValueError(f"acts has {len(acts)} rows but the text has {len(text)} characters")
    return score_explanation(acts, explanation.mask(text), explanation.sentence, n_quantiles, seed)


def score_table(acts: Tensor, text: str, explanations: Sequence[Explanation]) -> list[ExplanationScore]:
    """Several explanations of one latent, best precision × recall first (the story and its rivals side by side)."""
    scores = [score_latent(acts, text, e) for e in explanations]
    return sorted(scores, key=lambda s: -(s.precision * (s.recall if s.recall == s.recall else 0.0)))


def suffix_explanation(acts: Tensor, text: str, length: int = 2) -> Explanation:
    """The simplest rival story: "ends with S", for the `length`-character suffix S most common among the latent's
    firings (what a lookup of the last `length` characters would guess the latent is about)."""
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a positive integer, got {length!r}")
    if len(acts) != len(text):
        raise ValueError(f"acts has {len(acts)} rows but the text has {len(text)} characters")
    firings = [r for r in (torch.as_tensor(acts) > 0).nonzero().flatten().tolist() if r >= length - 1]
    if not firings:
        raise ValueError("the latent never fires on this text: there is no suffix to guess")
    suffix = Counter(text[r - length + 1:r + 1] for r in firings).most_common(1)[0][0]
    return explain(f"ends with {suffix!r}", ends_with(suffix))
