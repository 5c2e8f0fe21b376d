"""Feature absorption on the language model, with exact labels (Chanin et al. 2024, "A is for Absorption").

A *general* concept A (inside a string) has a *sub-case* B ⊂ A (inside a docstring). An SAE absorbs B into
another latent when its latent for A, which fires on most of A, goes silent on B while a different latent,
one whose decoder direction points partly along A, fires there instead. The A latent then looks like a clean
"string" detector but misses every docstring: not reliable as a classifier, although its top contexts are.

Following Chanin et al., on the SAE's input (the MLP neurons):

1. a logistic-regression **probe** for A gives A's direction p̂ in neuron space (the truth about where the
   model represents A, independent of the SAE);
2. the **main latent** for A is the one that best classifies A by firing (highest F1 on a balanced sample);
3. on B's characters that the probe gets right, the main latent's **false-negative rate**;
4. at each such false negative, the active latent that contributes most along p̂ (activation × d_j · p̂):
   if its decoder has cosine ≥ `cos_threshold` with p̂ and it carries at least `share` of the reconstruction's
   projection on p̂, B was **absorbed** there. Where the main latent does fire but another latent contributes
   more along p̂, the absorption is **partial**.

The same rates on A's other characters (A ∖ B) are the control: absorption is specific to B when B's
false-negative rate is far above A ∖ B's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
from sklearn.linear_model import LogisticRegression
from torch import Tensor

from ..model import SparseAutoencoder
from .concepts import ConceptLabels

__all__ = ["PAIRS", "Absorption", "absorption_at", "concept_mask", "main_latent", "measure_absorption",
           "probe_direction"]

#: Concept pairs (general, sub-case) with exact labels: every docstring is a string, every `self` and every name
#: after `def`/`class` is a name. "any string" and "a name" are built by `concept_mask` from `label_source`'s labels.
PAIRS = (("any string", "docstring"), ("a name", "token:self"), ("a name", "def/class name"))
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def concept_mask(labels: ConceptLabels, name: str, text: str | None = None) -> Tensor:
    """[n] bool: a label of `labels`; "char:c", the character c; "any string" (string or docstring); "a name" (the
    characters of an identifier or keyword outside strings, comments and numbers); or several joined by " & "
    (all hold). "char:" and "a name" need the `text` the labels are of."""
    if " & " in name:
        masks = [concept_mask(labels, part, text) for part in name.split(" & ")]
        return torch.stack(masks).all(dim=0)
    if name.startswith("char:") or name == "a name":
        if text is None or len(text) != len(labels.matrix):
            raise ValueError(f"{name!r} needs the text the labels were made from (as many characters as labels)")
    if name.startswith("char:"):
        char = name[len("char:"):]
        if len(char) != 1:
            raise ValueError(f"'char:' takes one character, got {name!r}")
        return torch.tensor([c == char for c in text], dtype=torch.bool)
    if name == "any string":
        return labels["string"] | labels["docstring"]
    if name == "a name":
        mask = torch.zeros(len(text), dtype=torch.bool)
        for match in _IDENTIFIER.finditer(text):
            mask[match.start():match.end()] = True
        return mask & ~(labels["string"] | labels["docstring"] | labels["comment"] | labels["number"])
    return labels[name].bool()


def _balanced(general: Tensor, n_per_class: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Rows of a balanced sample (up to n_per_class positives and as many negatives) and their labels."""
    positives, negatives = torch.nonzero(general)[:, 0], torch.nonzero(~general)[:, 0]
    per_class = min(n_per_class, len(positives), len(negatives))
    if per_class < 10:
        raise ValueError(f"need at least 10 positives and 10 negatives, got {len(positives)} and {len(negatives)}")
    rows = torch.cat([g[torch.randperm(len(g), generator=generator)[:per_class]] for g in (positives, negatives)])
    return rows, general[rows]


@dataclass(frozen=True)
class Probe:
    """A linear probe in neuron space: `direction` p̂ (unit), `weight` and `bias` of the logistic regression,
    and its held-out accuracy on a balanced sample."""

    direction: Tensor
    weight: Tensor
    bias: float
    accuracy: float

    def predict(self, neurons: Tensor) -> Tensor:
        """[n] bool: the probe says the concept holds."""
        return neurons.float() @ self.weight + self.bias > 0


def probe_direction(neurons: Tensor, general: Tensor, n_per_class: int = 2000, seed: int = 0) -> Probe:
    """A logistic-regression probe for the concept `general` (bool [n]) on `neurons` [n, d], fitted on half of a
    balanced sample and scored on the other half."""
    if len(neurons) != len(general):
        raise ValueError(f"neurons and labels must cover the same characters, got {len(neurons)} and {len(general)}")
    rows, y = _balanced(general.bool(), n_per_class, torch.Generator().manual_seed(seed))
    order = torch.randperm(len(rows), generator=torch.Generator().manual_seed(seed + 1))
    rows, y = rows[order], y[order]
    half = len(rows) // 2
    x = neurons[rows].double().numpy()
    probe = LogisticRegression(max_iter=2000).fit(x[:half], y[:half].numpy())
    accuracy = float(probe.score(x[half:], y[half:].numpy()))
    weight = torch.from_numpy(probe.coef_[0]).float()
    return Probe(weight / weight.norm(), weight, float(probe.intercept_[0]), accuracy)


def main_latent(codes: Tensor, general: Tensor) -> tuple[int, float]:
    """(latent, F1): the latent whose firing (> 0) best classifies `general`, on codes [n, latents] of a sample."""
    fires = (codes > 0).float()
    y = general.float()[:, None]
    hits = (fires * y).sum(dim=0)
    f1 = 2 * hits / (fires.sum(dim=0) + y.sum()).clamp_min(1)
    best = int(f1.argmax())
    return best, float(f1[best])


def absorption_at(codes: Tensor, decoder: Tensor, direction: Tensor, main: int, cos_threshold: float = 0.1,
                  share: float = 0.5) -> tuple[Tensor, Tensor, Tensor]:
    """At each row of codes [n, latents]: (main latent silent, absorbed, partially absorbed), each bool [n].

    Absorbed: the main latent is silent and the active latent contributing most along `direction` (activation ×
    d_j · p̂, decoder rows [latents, d]) has cosine ≥ cos_threshold with p̂ and at least `share` of the summed
    positive contributions. Partially absorbed: the main latent fires but another latent contributes more.
    """
    unit = decoder / decoder.norm(dim=1, keepdim=True).clamp_min(1e-8)
    cos = unit @ direction  # [latents]
    contribution = codes * (decoder @ direction)  # [n, latents]
    others = contribution.clone()
    others[:, main] = -torch.inf
    top_value, top = others.max(dim=1)
    total = contribution.clamp_min(0).sum(dim=1)
    silent = codes[:, main] <= 0
    strong = (cos[top] >= cos_threshold) & (top_value > 0) & (top_value >= share * total)
    partial = ~silent & (top_value > contribution[:, main]) & (cos[top] >= cos_threshold)
    return silent, silent & strong, partial


@dataclass(frozen=True)
class Absorption:
    """One SAE on one concept pair (general ⊃ specific); rates are over characters the probe classifies right."""

    general: str
    specific: str
    probe_accuracy: float
    main_latent: int
    main_f1: float
    false_negative_specific: float
    false_negative_rest: float
    absorption_rate: float
    absorption_rest: float
    partial_rate: float
    n_specific: int
    absorbers: tuple[int, ...]

    def __str__(self) -> str:
        return (f"{self.general} ⊃ {self.specific}: latent {self.main_latent} (F1 {self.main_f1:.2f}) misses "
                f"{self.false_negative_specific:.0%} of {self.specific} (rest of {self.general}: "
                f"{self.false_negative_rest:.0%}); absorbed {self.absorption_rate:.0%}, partly "
                f"{self.partial_rate:.0%} (n = {self.n_specific:,})")


@torch.no_grad()
def measure_absorption(sae: SparseAutoencoder, neurons: Tensor, general: Tensor, specific: Tensor,
                       names: tuple[str, str] = ("general", "specific"), n_per_class: int = 2000, seed: int = 0,
                       cos_threshold: float = 0.1, share: float = 0.5, probe: Probe | None = None) -> Absorption:
    """Absorption of `specific` (bool [n], a subset of `general`) by `sae`'s main latent for `general`, on
    `neurons` [n, d] (see the module docstring). Pass a `probe` to reuse one across SAEs."""
    general, specific = general.bool(), specific.bool()
    if not (len(neurons) == len(general) == len(specific)):
        raise ValueError(f"neurons and both labels must cover the same characters, got {len(neurons)}, "
                         f"{len(general)} and {len(specific)}")
    if (specific & ~general).any():
        raise ValueError(f"{names[1]!r} must be a sub-case of {names[0]!r}: "
                         f"{int((specific & ~general).sum())} characters are in it but not in the general concept")
    sae.eval()
    probe = probe if probe is not None else probe_direction(neurons, general, n_per_class, seed)
    rows, y = _balanced(general, n_per_class, torch.Generator().manual_seed(seed + 2))
    main, f1 = main_latent(sae.encode(neurons[rows]), y)
    correct = probe.predict(neurons)
    decoder = sae.dictionary
    rates = {}
    absorbers: list[int] = []
    for part, mask in (("specific", specific), ("rest", general & ~specific)):
        where = torch.nonzero(mask & correct)[:, 0]
        if len(where) == 0:
            rates[part] = (float("nan"),) * 3
            continue
        codes = sae.encode(neurons[where])
        silent, absorbed, partial = absorption_at(codes, decoder, probe.direction, main, cos_threshold, share)
        rates[part] = (silent.float().mean().item(), absorbed.float().mean().item(), partial.float().mean().item())
        if part == "specific" and absorbed.any():
            others = codes * (decoder @ probe.direction)
            others[:, main] = -torch.inf
            top = others.argmax(dim=1)[absorbed]
            absorbers = torch.bincount(top).argsort(descending=True)[:3].tolist()
            absorbers = [a for a in absorbers if int((top == a).sum()) > 0]
    return Absorption(names[0], names[1], probe.accuracy, main, f1, rates["specific"][0], rates["rest"][0],
                      rates["specific"][1], rates["rest"][1], rates["specific"][2], int((specific & correct).sum()),
                      tuple(absorbers))
