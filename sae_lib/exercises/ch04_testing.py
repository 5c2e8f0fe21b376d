"""Checkers and questions of notebook 04: testing."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..metrics import evaluate, l0, variance_explained
from ..model import SAEConfig
from ._checking import CheckResult, _codes, _compare, _number, _report, _short

__all__ = ["TUNE", "check_l0", "check_tuned_beta", "check_variance_explained", "report_tuned_beta_on_test"]


#: Common wrong forms of variance explained, each with the hint that names its mistake without giving the formula.
_VE_MISTAKES: dict[str, Callable] = {
    "your result counts the residual's constant offset: variance explained uses the residual's *variance* over the "
    "samples, which ignores its mean (normalised MSE is the measure that counts it)":
        lambda x, x_hat: 1 - ((x - x_hat) ** 2).mean() / x.var(),
    "your result is the share of the variance *left* in the residual; variance explained is the share the "
    "reconstruction captures": lambda x, x_hat: (x - x_hat).var(dim=0).sum() / x.var(dim=0).sum(),
    "take each pixel's variance over the samples (dim=0), not each sample's variance over its pixels":
        lambda x, x_hat: 1 - (x - x_hat).var(dim=1).sum() / x.var(dim=1).sum(),
    "sum the variances over the pixels before dividing: a mean of per-pixel ratios lets a pixel that hardly varies "
    "weigh as much as one that varies a lot": lambda x, x_hat: (1 - (x - x_hat).var(dim=0) / x.var(dim=0)).mean(),
}
#: Common wrong forms of L0, each with the hint that names its mistake.
_L0_MISTAKES: dict[str, Callable] = {
    "one case has negative codes: a unit whose |z| exceeds the threshold is active whatever its sign":
        lambda z, threshold: (z > threshold).sum(dim=1).float().mean(),
    "your result is the *fraction* of units active; L0 is their *number* per input":
        lambda z, threshold: (z.abs() > threshold).float().mean(),
    "count over the units of each input (one count per row), then average over the inputs":
        lambda z, threshold: (z.abs() > threshold).sum(dim=0).float().mean(),
}


def _named_mistake(fn: object, reference: Callable, cases: list[tuple], mistakes: dict[str, Callable]) -> str | None:
    """Where `fn` goes wrong and which common mistake it makes, when its result is that mistake's on every case;
    else None (then `_compare` judges)."""
    if not callable(fn):
        return None
    try:
        got = [_number(fn(*[a.clone() if isinstance(a, torch.Tensor) else a for a in args])) for args in cases]
    except Exception:  # unfinished or crashing: _compare reports it
        return None
    if any(g is None or not math.isfinite(g) for g in got):
        return None
    for hint, mistake in mistakes.items():
        if all(math.isclose(g, float(mistake(*args)), rel_tol=1e-6, abs_tol=1e-9) for g, args in zip(got, cases)):
            for g, args in zip(got, cases):  # every mistake differs from the reference on some case
                expected = float(reference(*args))
                if not math.isclose(g, expected, rel_tol=1e-6, abs_tol=1e-9):
                    return f"for inputs {_short(args)} expected {expected:.6g}, got {g:.6g}: {hint}"
    return None


def _check_with_mistakes(name: str, fn: object, reference: Callable, cases: list[tuple],
                         mistakes: dict[str, Callable], hint: str) -> None:
    """PASS/FAIL like `_compare`, but a result that matches a common mistake gets that mistake's own hint."""
    named = _named_mistake(fn, reference, cases, mistakes)
    if named is not None:
        return _report(name, False, named)
    return _compare(name, fn, reference, cases, hint)


def _ve_cases() -> list[tuple]:
    """Flat [samples, pixels] data with a scaled, a noisy and a perfect reconstruction."""
    g = torch.Generator().manual_seed(6)
    x = torch.rand(40, 12, generator=g, dtype=torch.float64)
    return [(x, x * 0.9), (x, x + torch.rand(40, 12, generator=g, dtype=torch.float64) * 0.3), (x, x)]


def check_variance_explained(fn: Callable) -> CheckResult:
    """fn(x, x_hat) → 1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d."""
    return _check_with_mistakes("variance explained", fn, variance_explained, _ve_cases(), _VE_MISTAKES,
                                "Compare the variance left in the residual x − x̂ with the variance of x, as defined "
                                "above")


#: The tuning exercise of notebook 04: a one-layer 784 → 64 sigmoid SAE, 1,000 Adam steps, target ρ = 0.1, scored on
#: a validation split of `n_validation` images carved from the training images (the test set is not touched).
TUNE = {"rho": 0.1, "latent_dim": 64, "steps": 1000, "rho_tolerance": 0.2, "min_variance_explained": 0.72,
        "n_validation": 500}

#: The models check_tuned_beta trained, by (β, id of the data), so the one test-set report reuses the tuned model.
_TUNED: dict[tuple[float, int], object] = {}


def _tuning_beta(name: str, beta: object) -> float | CheckResult:
    """The learner's β as a float, or the FAIL result that says why it is not one."""
    if beta is None or beta is ...:
        return _report(name, False, "no answer yet: set beta to a number ≥ 0 (the sweep above is a good guide)")
    value = _number(beta)
    if value is None or not math.isfinite(value) or value < 0:
        return _report(name, False, f"beta must be a finite number ≥ 0, got {_short(beta)}")
    return value


def _tuned_model(beta: float, data: object, device: str | torch.device | None) -> object:
    """The exercise's model trained with β on the training images minus the validation split (cached)."""
    from ..data import validation_split  # imported here: only the tuning checkers need them
    from ..training import TrainConfig, train

    key = (beta, id(data))
    if key not in _TUNED:
        split = validation_split(data, TUNE["n_validation"])
        model, _ = train(split.train_images, None, SAEConfig(hidden_dims=(), latent_dim=TUNE["latent_dim"]),
                         TrainConfig(rho=TUNE["rho"], beta=beta, steps=TUNE["steps"]), device=device, progress=False)
        _TUNED.clear()  # keep one model: the learner's latest β
        _TUNED[key] = model
    return _TUNED[key]


def check_tuned_beta(beta: object, data: object, device: str | torch.device | None = None) -> CheckResult:
    """Train the notebook-04 model with the learner's β on the training images minus a validation split; PASS when,
    on that validation split, ρ̂ is within 20 % of ρ = 0.1 and the variance explained is ≥ 0.72."""
    from ..data import validation_split

    name = "tune β for ρ = 0.1 (scored on the validation split)"
    beta = _tuning_beta(name, beta)
    if isinstance(beta, CheckResult):
        return beta
    try:
        model = _tuned_model(beta, data, device)
    except FloatingPointError as error:  # a β so large that the run diverged is an answer to fix, not a crash
        return _report(name, False, f"β = {beta:g} made training fail ({error}): lower β")
    m = evaluate(model, validation_split(data, TUNE["n_validation"]).test_images, rho=TUNE["rho"])
    found = f"β = {beta:g}: validation mean ρ̂ {m['mean_rho_hat']:.3f}, variance explained {m['variance_explained']:.3f}"
    if abs(m["mean_rho_hat"] - TUNE["rho"]) > TUNE["rho_tolerance"] * TUNE["rho"]:
        side = "raise" if m["mean_rho_hat"] > TUNE["rho"] else "lower"
        return _report(name, False, f"{found}; ρ̂ is more than 20 % from ρ = 0.1: {side} β")
    if m["variance_explained"] < TUNE["min_variance_explained"]:
        return _report(name, False, f"{found}; variance explained is below 0.72: lower β")
    result = _report(name, True)
    print(f"      {found}")
    return result


def report_tuned_beta_on_test(beta: object, data: object,
                              device: str | torch.device | None = None) -> CheckResult | None:
    """The tuned model's score on the test set, measured once after tuning (the model check_tuned_beta trained)."""
    name = "the tuned β on the test set"
    beta = _tuning_beta(name, beta)
    if isinstance(beta, CheckResult):
        return beta
    try:
        model = _tuned_model(beta, data, device)
    except FloatingPointError as error:
        return _report(name, False, f"β = {beta:g} made training fail ({error}): tune β first")
    m = evaluate(model, data.test_images, rho=TUNE["rho"])
    print(f"β = {beta:g} on the {len(data.test_images):,} test digits: mean ρ̂ {m['mean_rho_hat']:.3f} "
          f"(ρ = {TUNE['rho']:g}), variance explained {m['variance_explained']:.3f}")


def _l0_cases() -> list[tuple]:
    """Codes in [0, 1] at two thresholds, and signed codes."""
    return [(_codes(7), 0.1), (_codes(8), 0.5), (_codes(9) - 0.5, 0.2)]


def check_l0(fn: Callable) -> CheckResult:
    """fn(z, threshold) → mean number of units per input whose |z| exceeds the threshold."""
    return _check_with_mistakes("L0", fn, l0, _l0_cases(), _L0_MISTAKES,
                                "L0 counts the active units of each input and averages the counts, as defined above")
