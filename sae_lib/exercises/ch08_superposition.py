"""Checkers and questions of notebook 08: superposition."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..training import resampled_weights
from ._checking import CheckResult, _compare, _matches, _report, _short

__all__ = ["broken_resampled_weights", "check_dropped_feature", "check_resampled_weights",
           "check_shared_direction"]


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


def broken_resampled_weights(w_enc: torch.Tensor, b_enc: torch.Tensor, w_dec: torch.Tensor, dead: torch.Tensor,
                             directions: torch.Tensor, encoder_norm: float) -> tuple:
    """A colleague's resampler for notebook 08 to diagnose: it runs, and returns tensors of the right shapes."""
    u = directions / directions.norm()
    w_dec[:, dead] = u.T
    w_enc[dead] = u * encoder_norm
    return w_enc, b_enc, w_dec


def _unit(directions: torch.Tensor) -> torch.Tensor:
    """Each row of `directions` scaled to length 1."""
    return directions / directions.norm(dim=1, keepdim=True)


def _resample_mistake(w_enc: torch.Tensor, b_enc: torch.Tensor, w_dec: torch.Tensor, dead: torch.Tensor,
                      directions: torch.Tensor, encoder_norm: float, got: object) -> str | None:
    """The property a wrong resampling breaks, in words (never the code that fixes it), or None."""
    right = resampled_weights(w_enc, b_enc, w_dec, dead, directions, encoder_norm)
    whole = directions / directions.norm()  # one length for the whole matrix
    scaled_twice = resampled_weights(w_enc, b_enc, w_dec, dead, directions, 0.2 * encoder_norm)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return None
    new_enc, new_bias, new_dec = got
    if _matches(new_dec, w_dec) and bool(dead.any()):
        return "the dead latents' decoder columns did not change: a revived latent must write its new direction"
    if bool(dead.any()) and _matches(new_dec[:, dead], whole.T):
        return ("the revived decoder columns are not of length 1 each: dividing by one norm for the whole matrix "
                "shrinks every column when several latents are revived at once")
    if bool(dead.any()) and _matches(new_dec[:, dead], directions.T):
        return "the revived decoder columns are the raw directions, not of length 1"
    if _matches(new_dec, right[2]) and bool(dead.any()) and _matches(new_bias, b_enc):
        return "the dead latents keep their old encoder biases: a large negative one keeps the revived latent silent"
    if _matches(new_dec, right[2]) and _matches(new_bias, right[1]) and bool(dead.any()):
        if _matches(new_enc[dead], _unit(directions)):
            return ("the revived encoder rows have length 1: they must have length encoder_norm "
                    "(small, so they start gently)")
        if _matches(new_enc, scaled_twice[0]):
            return "encoder_norm is already the rows' length (0.2 × the living rows' mean norm): do not scale it again"
        if _matches(new_enc[dead], directions * encoder_norm):
            return "the revived encoder rows are the raw directions times encoder_norm: use the unit directions"
    living = ~dead
    if bool(living.any()) and not (_matches(new_enc[living], w_enc[living])
                                   and _matches(new_dec[:, living], w_dec[:, living])):
        return "a living latent changed: only the dead latents (dead[j] True) may change"
    return None


def check_resampled_weights(fn: Callable) -> CheckResult:
    """fn(w_enc, b_enc, w_dec, dead, directions, encoder_norm) → (w_enc, b_enc, w_dec) with dead latents resampled,
    leaving its input tensors as they were."""
    g = torch.Generator().manual_seed(17)
    hint = ("Test each property the text asks for on the small case above (lengths of the revived columns and rows, "
            "their biases, the living latents, the inputs after the call) to find what is still wrong.")

    def case(latents: int, inputs: int, dead_ids: list[int]) -> tuple:
        dead = torch.zeros(latents, dtype=torch.bool)
        dead[dead_ids] = True
        return (torch.randn(latents, inputs, generator=g, dtype=torch.float64),
                torch.randn(latents, generator=g, dtype=torch.float64) - 2.0,  # negative: a kept bias stays silent
                torch.randn(inputs, latents, generator=g, dtype=torch.float64), dead,
                torch.randn(len(dead_ids), inputs, generator=g, dtype=torch.float64) * 3, 0.4)

    def untouched(*args: object) -> object:
        """The learner's function, failing when it changes the tensors it was given."""
        before = [a.clone() if isinstance(a, torch.Tensor) else a for a in args]
        result = fn(*args)
        names = ("w_enc", "b_enc", "w_dec", "dead", "directions")
        changed = [n for n, a, b in zip(names, args, before) if isinstance(a, torch.Tensor) and not torch.equal(a, b)]
        if changed:
            raise ValueError(f"it changed {', '.join(changed)} in place, the model's own weights in training: "
                                  "work on copies")
        return result

    if not callable(fn):
        return _compare("resampled weights", fn, resampled_weights, [], hint)
    return _compare("resampled weights", untouched, resampled_weights,
                    [case(6, 4, [1, 4]), case(5, 3, [0, 1, 2, 3, 4]), case(4, 4, [])], hint,
                    diagnose=_resample_mistake)

