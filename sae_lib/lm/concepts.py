"""Exact concept labels for Python source, and the measures that test a latent (or a neuron) against them.

Python's own `tokenize` labels every character of the corpus exactly: inside a string, a docstring or a
comment, in a line's leading indentation, inside brackets, in a number, in the name after `def`/`class`,
in the attribute after `self.`, and which frequent keyword or identifier it belongs to. With labels,
"this latent is interpretable" becomes a number:

* `top_precision`: of a unit's k strongest activations, the share where each concept holds (specificity);
  compare it with the concept's base rate.
* `sparse_probe_f1`: how well the k units most different between a concept's characters and the rest
  predict the concept (a k-sparse logistic probe, as in Gurnee et al. 2023 and SAEBench): coverage.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import Tensor

__all__ = ["BestConcepts", "ConceptLabels", "SYNTAX", "best_concepts", "char_explained_precision", "coverage_table",
    "SparseFeatures", "frequent_names", "label_source", "one_character_share", "precision_of_top", "sparse_probe_f1",
    "top_precision"]

#: The syntactic concepts, in the order of ConceptLabels.matrix's first columns.
SYNTAX = ("string", "docstring", "comment", "indentation", "in brackets", "number", "def/class name",
          "attribute of self")
_OPEN, _CLOSE = set("([{"), set(")]}")


@dataclass
class ConceptLabels:
    """One row per character of a text, one boolean column per concept (`names`)."""

    names: list[str]
    matrix: Tensor  # [n_chars, n_concepts], bool

    def __getitem__(self, name: str) -> Tensor:
        """The [n_chars] labels of one concept."""
        if name not in self.names:
            raise KeyError(f"no concept {name!r}; known: {self.names}")
        return self.matrix[:, self.names.index(name)]

    def base_rates(self) -> Tensor:
        """[n_concepts]: the share of characters where each concept holds."""
        return self.matrix.float().mean(dim=0)


def _line_starts(text: str) -> list[int]:
    """Offset of the first character of each line (index 0 is line 1, as tokenize counts)."""
    starts = [0]
    for i, c in enumerate(text):
        if c == "\n":
            starts.append(i + 1)
    return starts


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    """`text`'s tokens; a file that tokenize cannot finish keeps the tokens read before the error."""
    tokens = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            tokens.append(token)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return tokens


_FSTRING_START, _FSTRING_END = getattr(tokenize, "FSTRING_START", None), getattr(tokenize, "FSTRING_END", None)


def _merge_fstrings(tokens: list[tokenize.TokenInfo]) -> list[tokenize.TokenInfo]:
    """From Python 3.12 on, tokenize splits an f-string into FSTRING_START, its parts and FSTRING_END; make it one
    STRING token again, as 3.11 gives it, so that labels do not depend on the Python version."""
    if _FSTRING_START is None:
        return tokens
    merged, depth, start = [], 0, None
    for t in tokens:
        if t.type == _FSTRING_START:
            depth, start = depth + 1, (start if depth else t)
        elif t.type == _FSTRING_END:
            depth -= 1
            if depth == 0:
                merged.append(tokenize.TokenInfo(tokenize.STRING, "", start.start, t.end, start.line))
        elif depth == 0:
            merged.append(t)
    return merged


def _label_file(text: str, names: dict[str, int], matrix: np.ndarray, offset: int) -> Counter:
    """Write one file's labels into matrix rows offset … offset + len(text); return its NAME token counts."""
    starts = _line_starts(text)

    def span(token: tokenize.TokenInfo) -> slice:
        (r0, c0), (r1, c1) = token.start, token.end
        return slice(offset + starts[r0 - 1] + c0, offset + starts[r1 - 1] + c1)

    col = names.__getitem__
    significant = _merge_fstrings([t for t in _tokens(text)
                                   if t.type not in (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING)])
    counts: Counter = Counter()
    depth_changes = np.zeros(len(text) + 1, dtype=np.int64)
    for i, t in enumerate(significant):
        before = significant[i - 1] if i else None
        after = significant[i + 1] if i + 1 < len(significant) else None
        if t.type == tokenize.STRING:
            # a string alone on its logical line is an expression statement: in the stdlib, a docstring
            alone = (before is None or before.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)) and (
                after is None or after.type == tokenize.NEWLINE)
            matrix[span(t), col("docstring" if alone else "string")] = True
        elif t.type == tokenize.NUMBER:
            matrix[span(t), col("number")] = True
        elif t.type == tokenize.NAME:
            counts[t.string] += 1
            if before is not None and before.type == tokenize.NAME and before.string in ("def", "class"):
                matrix[span(t), col("def/class name")] = True
            two_before = significant[i - 2] if i >= 2 else None
            if before is not None and before.string == "." and two_before is not None and two_before.string == "self":
                matrix[span(t), col("attribute of self")] = True
            if f"token:{t.string}" in names:
                matrix[span(t), col(f"token:{t.string}")] = True
        elif t.type == tokenize.OP and t.string in _OPEN | _CLOSE:
            s = span(t)
            # depth ≥ 1 from the character after an opening bracket to its closing bracket, inclusive
            if t.string in _OPEN:
                depth_changes[s.start - offset + 1] += 1
            else:
                depth_changes[s.stop - offset] -= 1
    for t in _tokens(text):
        if t.type == tokenize.COMMENT:
            matrix[span(t), col("comment")] = True
    matrix[offset:offset + len(text), col("in brackets")] = np.cumsum(depth_changes[:len(text)]) > 0
    line_start = 0
    for i, c in enumerate(text + "\n"):
        if c == "\n":
            line = text[line_start:i]
            indent = len(line) - len(line.lstrip(" "))
            if line.strip():
                matrix[offset + line_start:offset + line_start + indent, col("indentation")] = True
            line_start = i + 1
    return counts


def label_source(text: str, tokens: list[str] | tuple[str, ...] = (), file_mark: str = "# ---- Lib/") -> ConceptLabels:
    """Concept labels for every character of `text`: the SYNTAX concepts, then "token:NAME" for each name in
    `tokens` (the characters of that keyword or identifier). Files (split at `file_mark`) are tokenized
    one at a time, so an error in one file loses only the rest of that file's token-based labels."""
    names = [*SYNTAX, *[f"token:{t}" for t in tokens]]
    bad = [t for t in tokens if not (t.isidentifier() or keyword.iskeyword(t))]
    if bad:
        raise ValueError(f"tokens must be Python keywords or identifiers, got {bad!r}")
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(text), len(names)), dtype=bool)
    parts = text.split(file_mark)
    offset = 0
    for i, part in enumerate(parts):
        piece = part if i == 0 else file_mark + part
        _label_file(piece, index, matrix, offset)
        offset += len(piece)
    return ConceptLabels(names, torch.from_numpy(matrix))


def frequent_names(text: str, n: int, file_mark: str = "# ---- Lib/") -> list[str]:
    """The n most frequent NAME tokens (keywords and identifiers) of `text`, most frequent first."""
    counts: Counter = Counter()
    for i, part in enumerate(text.split(file_mark)):
        counts.update(t.string for t in _tokens(part if i == 0 else file_mark + part) if t.type == tokenize.NAME)
    return [name for name, _ in counts.most_common(n)]


def precision_of_top(values: Tensor, positions: Tensor, labels: Tensor) -> Tensor:
    """[units, concepts]: the share of each unit's top activations (`values`, `positions`, each [k, units], as
    from `Tensor.topk(k, dim=0)` or `LatentCodes.top(k)`) where each concept holds. Only entries with a
    value > 0 count; a unit with none gets NaN."""
    active = (values > 0).float()
    hits = labels.float()[positions] * active[..., None]  # [k, units, concepts]
    count = active.sum(dim=0)[:, None]
    return torch.where(count > 0, hits.sum(dim=0) / count.clamp_min(1), torch.nan)


def char_explained_precision(values: Tensor, positions: Tensor, ids: Tensor, labels: Tensor,
                             n_chars: int = 1) -> Tensor:
    """[units, concepts]: the precision that the *characters* at each unit's top positions explain on their own:
    the mean over those positions of P(concept | the last `n_chars` characters up to it), estimated on the whole
    labelled text.

    A unit that fires on `#` scores high for "comment" without knowing anything a character lookup does not;
    its precision minus this is what it adds from context. With n_chars = 2 the lookup also knows the previous
    character, so a unit that only tracks a two-character pattern (the `y` of `sy`) adds nothing.
    """
    if isinstance(n_chars, bool) or not isinstance(n_chars, int) or n_chars < 1:
        raise ValueError(f"n_chars must be a positive integer, got {n_chars!r}")
    n = len(labels)
    ids = ids[:n].long()
    vocab = int(ids.max()) + 1
    key = torch.zeros_like(ids)
    for back in range(n_chars):  # the key of position r is its last n_chars characters (0 before the text starts)
        shifted = torch.cat([torch.zeros(back, dtype=ids.dtype), ids[:n - back]]) if back else ids
        key = key * vocab + shifted
    _, key = torch.unique(key, return_inverse=True)  # compact keys: vocab ** n_chars would not fit for n_chars = 3
    counts = torch.zeros(int(key.max()) + 1, labels.shape[1]).index_add_(0, key, labels.float())
    p_concept = counts / torch.bincount(key, minlength=len(counts)).clamp_min(1)[:, None].float()
    active = (values > 0).float()
    explained = p_concept[key[positions]] * active[..., None]  # [k, units, concepts]
    count = active.sum(dim=0)[:, None]
    return torch.where(count > 0, explained.sum(dim=0) / count.clamp_min(1), torch.nan)


@dataclass
class BestConcepts:
    """Each unit's best concept by top-k precision: `concept` (index into the labels' names), `precision`, and
    `explained`, the part of that precision the characters alone explain (`char_explained_precision`);
    NaN precision for a unit never active."""

    concept: Tensor
    precision: Tensor
    explained: Tensor

    @property
    def beyond_char(self) -> Tensor:
        """precision − explained: what a unit's specificity owes to context rather than to its characters."""
        return self.precision - self.explained

    def shares(self, thresholds: Tensor, beyond_char: bool = False) -> Tensor:
        """The share of live units whose (beyond-character) precision is at least each threshold: the tail curve."""
        score = self.beyond_char if beyond_char else self.precision
        live = score[~self.precision.isnan()]
        return (live[None, :] >= torch.as_tensor(thresholds, dtype=live.dtype)[:, None]).float().mean(dim=1)

    def share(self, threshold: float, beyond_char: bool = False) -> float:
        """The share of live units whose (beyond-character) precision is at least `threshold`."""
        score = self.beyond_char if beyond_char else self.precision
        live = ~self.precision.isnan()
        return float((score[live] >= threshold).float().mean())


def best_concepts(values: Tensor, positions: Tensor, ids: Tensor, labels: Tensor, n_chars: int = 1) -> BestConcepts:
    """Every unit's best concept and its top-k precision, from its top activations (`values`, `positions`);
    `explained` is for that best concept, with P(concept | the last `n_chars` characters) estimated on the
    labelled text itself (`char_explained_precision`)."""
    precision = precision_of_top(values, positions, labels)
    best = precision.nan_to_num(-1.0).max(dim=1)
    explained = char_explained_precision(values, positions, ids, labels, n_chars).gather(1, best.indices[:, None])[:, 0]
    live = ~precision.isnan().all(dim=1)
    nan = torch.full_like(best.values, torch.nan)
    return BestConcepts(best.indices, torch.where(live, best.values, nan), torch.where(live, explained, nan))


def one_character_share(positions: Tensor, values: Tensor, ids: Tensor) -> Tensor:
    """[units]: the share of each unit's top activations (`positions`, `values` [k, units]; only values > 0 count)
    that fall on its most common character: 1.0 for a unit whose strongest moments are all one character."""
    chars = ids.long()[positions].T  # [units, k]
    active = (values > 0).T.float()
    counts = torch.zeros(chars.shape[0], int(ids.max()) + 1).scatter_add_(1, chars, active)  # [units, vocab]
    count = active.sum(dim=1)
    return torch.where(count > 0, counts.max(dim=1).values / count.clamp_min(1), torch.nan)


def top_precision(acts: Tensor, labels: Tensor, k: int = 50, either_sign: bool = False) -> Tensor:
    """[units, concepts]: for each unit (a column of `acts` [n, units]), the share of its k largest activations
    where each concept holds (`precision_of_top`). `either_sign`: a unit is scored on its k largest or its k
    most negative values, whichever gives the better best concept (for neurons, whose sign is arbitrary:
    there every value counts, not only positive ones)."""
    if not either_sign:
        return precision_of_top(*acts.topk(min(k, len(acts)), dim=0), labels)
    scores = []
    for sign in (1.0, -1.0):
        _, positions = (sign * acts).topk(min(k, len(acts)), dim=0)
        scores.append(precision_of_top(torch.ones(positions.shape), positions, labels))
    better = scores[1].max(dim=1).values > scores[0].max(dim=1).values
    return torch.where(better[:, None], scores[1], scores[0])


def sparse_probe_f1(features: Tensor, y: Tensor, k: int | tuple[int, ...], n_per_class: int = 2000,
                    seed: int = 0) -> float | list[float]:
    """Test F1 of a k-sparse logistic probe for the labels y [n] on `features` [n, units] (a list, one per k,
    when k is a tuple: the sample and the ranking of units are then shared).

    As SAEBench does: a balanced sample (up to n_per_class positives and as many negatives, drawn with
    `seed`) is split in halves; on the training half the k units whose means differ most between the
    classes are chosen and a logistic regression is fitted on them (standardised, so that units on different
    scales, latents and neurons, are treated alike); F1 is measured on the other half.
    Balancing makes a rare concept and a common one comparable (on the raw text a rare concept's F1 is
    dominated by its many negatives).
    """
    ks = k if isinstance(k, tuple) else (k,)
    for one in ks:
        if isinstance(one, bool) or not isinstance(one, int) or not 1 <= one <= features.shape[1]:
            raise ValueError(f"k must be an integer from 1 to {features.shape[1]}, got {one!r}")
    y = y.bool()
    generator = torch.Generator().manual_seed(seed)
    positives, negatives = torch.nonzero(y)[:, 0], torch.nonzero(~y)[:, 0]
    per_class = min(n_per_class, len(positives), len(negatives))
    if per_class < 10:
        raise ValueError(f"need at least 10 positives and 10 negatives, got {len(positives)} and {len(negatives)}")
    picks = [group[torch.randperm(len(group), generator=generator)[:per_class]]
             for group in (positives, negatives)]
    half = per_class // 2
    train = torch.cat([p[:half] for p in picks])
    test = torch.cat([p[half:] for p in picks])
    x_train, y_train = features[train].float(), y[train]
    x_test, y_test = features[test].float(), y[test].numpy()
    gap = (x_train[y_train].mean(dim=0) - x_train[~y_train].mean(dim=0)).abs()
    ranked = gap.argsort(descending=True)
    scores = []
    for one in ks:
        chosen = ranked[:one]
        probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        probe.fit(x_train[:, chosen].numpy(), y_train.numpy())
        scores.append(float(f1_score(y_test, probe.predict(x_test[:, chosen].numpy()), zero_division=0.0)))
    return scores if isinstance(k, tuple) else scores[0]


class SparseFeatures:
    """Sparse codes (each row's `indices` and `values`, as an SAE's TopK keeps them) that turn dense only for the
    rows indexed: what `sparse_probe_f1` and `coverage_table` need, without the whole [n, dim] matrix in memory."""

    def __init__(self, indices: Tensor, values: Tensor, dim: int) -> None:
        if indices.shape != values.shape or indices.dim() != 2:
            raise ValueError(f"indices and values must be [n, k] alike, got {tuple(indices.shape)} and "
                             f"{tuple(values.shape)}")
        self.indices, self.values, self.shape = indices.long(), values, (len(indices), int(dim))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Tensor) -> Tensor:
        indices, values = self.indices[rows], self.values[rows]
        return torch.zeros(*indices.shape[:-1], self.shape[1], dtype=values.dtype).scatter_(-1, indices, values)


def coverage_table(features: Tensor, labels: ConceptLabels, names: list[str], ks: tuple[int, ...] = (1, 2, 5),
                   seed: int = 0) -> Tensor:
    """[len(names), len(ks)]: `sparse_probe_f1` of each named concept with each k, on `features` [n, units]
    (labels beyond row n are ignored)."""
    n = len(features)
    return torch.tensor([sparse_probe_f1(features, labels[name][:n], tuple(ks), seed=seed) for name in names])
