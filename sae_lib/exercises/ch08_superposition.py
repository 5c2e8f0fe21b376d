"""Checkers and questions of notebook 08: superposition."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..training import resampled_weights
from ._checking import CheckResult, _compare, _report, _short

__all__ = ["check_dropped_feature", "check_resampled_weights", "check_shared_direction"]


def _index(answer: object) -> int | None:
    """`answer` as a Python int when it is one whole number of an integer type (int, NumPy integer, a one-element
    integer tensor such as argmin's), else None: a float or a bool is not a feature index."""
    if isinstance(answer, bool):
        return None
    if isinstance(answer, (int, np.integer)):
        return int(answer)
    if isinstance(answer, torch.Tensor) and answer.numel() == 1 and not answer.is_floating_point() \
            and not answer.is_complex() and answer.dtype != torch.bool:
        return int(answer.item())
    return None


def _feature_answer(name: str, answer: object, correct: int, n_features: int, why: str) -> None:
    """PASS when `answer` is the feature index `correct`; a hint otherwise (never raises)."""
    if answer is None or answer is ...:
        return _report(name, False, f"no answer yet: set it to a feature index from 0 to {n_features - 1}")
    index = _index(answer)
    if index is None or not 0 <= index < n_features:
        return _report(name, False, f"{_short(answer)} is not a feature index from 0 to {n_features - 1} "
                                    "(an int: int(...) turns a tensor's argmin into one)")
    answer = index
    if answer != correct:
        return _report(name, False, f"not feature {answer}. {why}")
    return _report(name, True)


def check_dropped_feature(answer: object, gram: torch.Tensor) -> CheckResult:
    """answer: the feature the toy model does not represent at all, read off the diagonal of WᵀW."""
    gram = torch.as_tensor(gram)
    correct = int(gram.diagonal().argmin())
    _feature_answer("dropped feature", answer, correct, len(gram),
                    "The diagonal of WᵀW holds ‖W_i‖²: the dropped feature's entry is (close to) 0.")


def check_shared_direction(answer: object, gram: torch.Tensor, feature: int = 0) -> CheckResult:
    """answer: the feature on the same line as `feature` but pointing the other way (most negative WᵀW entry)."""
    gram = torch.as_tensor(gram).clone()
    gram[feature, feature] = float("inf")
    correct = int(gram[feature].argmin())
    _feature_answer(f"feature sharing a direction with feature {feature}", answer, correct, len(gram),
                    f"Look along row {feature} of WᵀW for the most negative entry: W_i·W_j ≈ −‖W_i‖‖W_j‖ "
                    "means opposite arrows on one line (an antipodal pair).")


def check_resampled_weights(fn: Callable) -> CheckResult:
    """fn(w_enc, b_enc, w_dec, dead, directions, encoder_norm) → (w_enc, b_enc, w_dec) with dead latents resampled."""
    g = torch.Generator().manual_seed(17)

    def case(latents: int, inputs: int, dead_ids: list[int]) -> tuple:
        dead = torch.zeros(latents, dtype=torch.bool)
        dead[dead_ids] = True
        return (torch.randn(latents, inputs, generator=g, dtype=torch.float64),
                torch.randn(latents, generator=g, dtype=torch.float64),
                torch.randn(inputs, latents, generator=g, dtype=torch.float64), dead,
                torch.randn(len(dead_ids), inputs, generator=g, dtype=torch.float64) * 3, 0.4)

    return _compare("resampled weights", fn, resampled_weights, [case(6, 4, [1, 4]), case(5, 3, [0, 1, 2, 3, 4]),
                                                                  case(4, 4, [])],
                    "Only the dead latents change, by the three rules above (decoder column, encoder row, bias); "
                    "work on clones: the inputs must not change.")
