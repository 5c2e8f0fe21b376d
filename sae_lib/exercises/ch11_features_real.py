"""Checkers and questions of notebook 11: are the features real?."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ._checking import PREDICTIONS, CheckResult, _compare, _report

PREDICTIONS.update({
    "clamping the os latent": (  # notebook 11 (latent 70 of lm_sae_topk_auxk.pt; a test checks its effect)
        "next", ("os", "next", "newlines"),
        "The latent *reads* `os`; what it *writes* is its decoder direction, and that pushes up what usually "
        "follows `os`: a dot. Clamped on at every position, it makes the model write dots over and over, not `os`."),
})


__all__ = ["check_comment_labels", "check_measured_failure", "check_top_precision"]


_COMMENT_CASES = [
    "x = 1  # one\n",
    "# a comment line\ny = '# not a comment'\n",
    'def f():\n    """# still a docstring"""\n    return 2  # two # three\n',
]


def check_comment_labels(fn: Callable) -> CheckResult:
    """fn(text) → one boolean per character of `text`: True inside a comment (tokenize's COMMENT tokens)."""
    from ..lm.concepts import label_source

    def reference(text: str) -> torch.Tensor:
        return label_source(text)["comment"]

    def as_bool_tensor(text: str) -> torch.Tensor | object:
        got = fn(text)
        if isinstance(got, (list, tuple, np.ndarray)):  # a list or array of booleans is a fine answer too
            try:
                return torch.as_tensor(np.asarray(got, dtype=bool))
            except (TypeError, ValueError):
                return got
        return got.bool() if isinstance(got, torch.Tensor) and got.dtype != torch.bool else got

    return _compare("comment labels", as_bool_tensor if callable(fn) else fn, reference,
                    [(text,) for text in _COMMENT_CASES],
                    "tokenize.generate_tokens(io.StringIO(text).readline) gives each token's type and its "
                    "(row, column) start and end; mark the characters of the COMMENT tokens. A # inside a string "
                    "is part of a STRING token, not a comment.")


def _precision_at_k(acts: torch.Tensor, labels: torch.Tensor, k: int) -> float:
    """The library's specificity of one unit: the share of its k largest (positive) activations that are labelled."""
    from ..lm.concepts import top_precision

    return float(top_precision(acts[:, None], labels[:, None], k)[0, 0])


def check_top_precision(fn: Callable) -> CheckResult:
    """fn(acts, labels, k) → the share of the k largest activations (only those > 0) where labels is True."""
    g = torch.Generator().manual_seed(21)
    cases = []
    for n, k in [(50, 5), (200, 20), (30, 10)]:
        acts = torch.relu(torch.randn(n, generator=g, dtype=torch.float64))
        cases.append((acts, torch.rand(n, generator=g) < 0.3, k))
    acts = torch.zeros(40, dtype=torch.float64)
    acts[:3] = torch.tensor([3.0, 2.0, 1.0])  # active on only 3 characters: k = 10 counts those 3
    cases.append((acts, torch.arange(40) < 2, 10))
    return _compare("top-k precision", fn, _precision_at_k, cases,
                    "Look at the k characters where the unit is most active, count only those where it is active at "
                    "all (> 0), and give the share of them that are labelled, as a float.")


def check_measured_failure(latent: object, precisions: torch.Tensor, reason: object) -> CheckResult:
    """The learner's latent whose dashboard shows a clear pattern but whose best concept holds in under half of its
    top activations (`precisions`: every latent's best precision), with a sentence on why the measurement misses
    it or why the pattern is not real."""
    name = "a latent the measurement misses"
    if latent is None:
        return _report(name, False, "no answer yet: pick a latent in the picker")
    if isinstance(latent, bool) or not isinstance(latent, (int, np.integer)) or not 0 <= latent < len(precisions):
        return _report(name, False, f"latent must be an integer from 0 to {len(precisions) - 1}, got {latent!r}")
    precision = float(precisions[int(latent)])
    if math.isnan(precision):
        return _report(name, False, f"latent {latent} never fires on this text: it is dead, not misleading")
    if precision >= 0.5:
        return _report(name, False,
                       f"latent {latent}'s best concept holds in {precision:.0%} of its top activations: it passes. "
                       "Look for one whose dashboard shows a clear pattern but whose best precision is below 50 %")
    if not isinstance(reason, str) or len(reason.split()) < 4:
        return _report(name, False, "say in a sentence why the measurement misses it (what it tracks that no label "
                       "names, or labels that split it), or why its pattern is not real")
    result = _report(name, True)
    print(f"      latent {latent}: best concept holds in only {precision:.0%} of its top activations. Your reason: "
          f"{reason}")
    return result
