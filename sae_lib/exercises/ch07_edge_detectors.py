"""Checkers and questions of notebook 07: edge detectors from natural images."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._checking import PREDICTIONS, CheckResult, _number, _report, _short, check_prediction

PREDICTIONS.update({
    "without whitening": (  # notebook 07
        "b", ("a", "b", "c"),
        "Raw patches keep most of their variance in a few smooth, low-frequency directions, so the "
        "reconstruction loss is mostly about those; the fine directions where sharp edges live hardly change it. "
        "The filters come out broader and less oriented, and stay so when the raw run gets its own best "
        "learning rate and β (the sweep below). The units do not die (the KL penalty only sets how often they "
        "fire), and no rescaling of the input undoes whitening, which treats each direction differently.",
        {"a": "whitening does not rescale the input as a whole: it divides each eigen-direction by its own "
              "√(λ + ε), so the raw patches' few large directions and many small ones count very differently "
              "in the squared error. Which directions will the loss be about, and where do edges live?",
         "c": "the KL penalty sets how often a unit fires (ρ̂ ≈ ρ), whatever the input's scale; it does not "
              "switch units off. Think instead about which directions of the raw patches the squared error "
              "rewards."}),
})


__all__ = ["check_epsilon", "check_without_whitening", "epsilon_spectra"]


def _spectrum(dim: int, signal_dims: int, scale: float, decay: float, floor: float, seed: int) -> tuple:
    """A covariance spectrum, largest first: a power-law signal on the first `signal_dims` directions, a noise
    floor near `floor` on all of them (±10 %), and one zero for the removed mean. Also the signal itself."""
    g = torch.Generator().manual_seed(seed)
    signal = torch.zeros(dim - 1, dtype=torch.float64)
    signal[:signal_dims] = scale * torch.arange(1, signal_dims + 1, dtype=torch.float64) ** -decay
    noise = floor * (0.9 + 0.2 * torch.rand(dim - 1, generator=g, dtype=torch.float64))
    order = (signal + noise).argsort(descending=True)
    eigenvalues = torch.cat([(signal + noise)[order], torch.zeros(1, dtype=torch.float64)])
    return eigenvalues, torch.cat([signal[order], torch.zeros(1, dtype=torch.float64)])


_CASES = [(64, 40, 14.0, 1.5, 0.05, 0), (64, 12, 3.0, 1.0, 0.002, 1), (100, 70, 200.0, 2.0, 0.5, 2),
          (36, 20, 1.0, 1.2, 0.01, 3)]  # (directions, carrying signal, scale, decay, noise floor, seed)


def epsilon_spectra() -> list[torch.Tensor]:
    """The four noisy spectra (eigenvalues, largest first, the last 0) that `check_epsilon` tries a rule on."""
    return [_spectrum(*case)[0] for case in _CASES]


def _judge(epsilon: float, eigenvalues: torch.Tensor, signal: torch.Tensor) -> str | None:
    """What is wrong with ε for this spectrum, in words, or None: the noise-only directions must keep at most about
    half their variance after whitening, and every direction whose signal reaches the noise at least half."""
    kept = eigenvalues[:-1] / (eigenvalues[:-1] + epsilon)
    noise_only, strong = signal[:-1] == 0, signal[:-1] >= (eigenvalues[:-1] - signal[:-1])
    if kept[noise_only].median() > 0.55:
        return (f"ε = {epsilon:.3g} leaves the directions that hold only noise (the flat tail) with "
                f"{kept[noise_only].median():.0%} of their variance after whitening: whitening would blow the "
                "noise up to the level of the signal. ε must reach the level of that tail")
    if kept[strong].min() < 0.5:
        return (f"ε = {epsilon:.3g} also damps directions whose signal is above the noise (one keeps only "
                f"{kept[strong].min():.0%} of its variance): they would not be whitened. Read ε off the flat tail "
                "only, not off the directions above it")
    return None


def check_epsilon(fn: Callable) -> CheckResult:
    """fn(eigenvalues) → ε, a rule read off a covariance spectrum (largest first, the last 0): it must damp the
    noise floor and keep every direction whose signal exceeds the noise, on every one of `epsilon_spectra()`."""
    name = "ε from the spectrum"
    hint = ("Look at the spectra from `exercises.epsilon_spectra()` on a log scale: where does the signal end and "
            "the noise begin, and what should whitening do to each part?")
    if not callable(fn):
        return _report(name, False, f"expected a function, got {_short(fn)}. {hint}")
    for i, case in enumerate(_CASES):
        eigenvalues, signal = _spectrum(*case)
        try:
            got = fn(eigenvalues.clone())
        except NotImplementedError:
            return _report(name, False, "not implemented yet. " + hint)
        except Exception as error:  # the learner's code may fail in any way: say how
            return _report(name, False, f"{type(error).__name__}: {error}. {hint}")
        epsilon = _number(got.detach() if isinstance(got, torch.Tensor) else got)
        where = f"on spectrum {i + 1} of {len(_CASES)} ({len(eigenvalues)} directions)"
        if epsilon is None:
            return _report(name, False, f"{where} your rule returned {_short(got)}: expected one number, ε. {hint}")
        if not epsilon > 0 or epsilon != epsilon or epsilon == float("inf"):
            return _report(name, False, f"{where} ε = {epsilon!r}: ε must be a finite number above 0, or the "
                                        "direction of the removed mean (eigenvalue 0) is divided by zero")
        problem = _judge(epsilon, eigenvalues, signal)
        if problem is not None:
            return _report(name, False, f"{where} {problem}")
    return _report(name, True)


def check_without_whitening(answer: object) -> CheckResult:
    """The prediction question of notebook 07: what changes when the same SAE is trained on unwhitened patches?"""
    return check_prediction("without whitening", answer)
