"""Checkers and questions of notebook 12: feature absorption, and the Matryoshka SAE."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._checking import PREDICTIONS, CheckResult, _compare, _matches, _report

PREDICTIONS.update({
    "the parent latent where a child fires": (  # notebook 12, the synthetic hierarchy's TopK SAE
        "silent", ("fires as usual", "silent", "fires twice as strongly"),
        "A child never fires without its parent, so one latent whose decoder direction is parent + child can stand "
        "for both at the cost of one active latent instead of two. The TopK SAE learns that for several children: "
        "where such a child is on, the parent's own latent goes silent and the child's latent has absorbed it (the "
        "figure shows which children, and that some are absorbed only part of the time or not at all).",
        {"fires as usual": "that would spend two of the k active latents on every input with a child, when one "
                           "latent pointing along parent + child reconstructs both: what does sparsity reward?",
         "fires twice as strongly": "a stronger parent latent would add the parent's direction twice; the child "
                                    "adds no parent direction of its own to make up for. Which latent could carry "
                                    "the parent's direction when the child is on?"}),
})

__all__ = ["check_absorption_measure", "check_matryoshka_prefixes"]


def _absorption_reference(codes: torch.Tensor, decoder: torch.Tensor, direction: torch.Tensor,
                          main: int) -> tuple[float, float]:
    """The library's (false-negative rate, absorption rate) over the rows of codes."""
    from ..lm.absorption import absorption_at

    silent, absorbed, _ = absorption_at(codes, decoder, direction, main)
    return float(silent.float().mean()), float(absorbed.float().mean())


def _absorption_cases() -> list[tuple]:
    """Codes on a sub-case's characters, decoder rows, a probe direction and the main latent."""
    cases = []
    for seed, (n, latents, dim) in enumerate([(40, 6, 5), (200, 12, 8), (100, 8, 4)]):
        g = torch.Generator().manual_seed(120 + seed)
        direction = torch.nn.functional.normalize(torch.randn(dim, generator=g, dtype=torch.float64), dim=0)
        decoder = torch.randn(latents, dim, generator=g, dtype=torch.float64)
        decoder[1] = direction + 0.3 * decoder[1] / decoder[1].norm()  # an absorber: mostly along the probe
        decoder[2] = -direction + 0.2 * decoder[2] / decoder[2].norm()  # points against the probe
        decoder = torch.nn.functional.normalize(decoder, dim=1)
        codes = torch.relu(torch.randn(n, latents, generator=g, dtype=torch.float64)) * (
            torch.rand(n, latents, generator=g) < 0.4)
        codes[: n // 3, 0] = 0.0  # the main latent (0) is silent on a third of the rows
        cases.append((codes, decoder, direction, 0))
    return cases


def _absorption_diagnosis(codes: torch.Tensor, decoder: torch.Tensor, direction: torch.Tensor, main: int,
                          got: object) -> str | None:
    """Name the common mistake a wrong (false-negative rate, absorption rate) matches."""
    from ..lm.absorption import absorption_at

    silent, absorbed, _ = absorption_at(codes, decoder, direction, main)
    fn = float(silent.float().mean())
    unit = torch.nn.functional.normalize(decoder, dim=1)
    contribution = codes * (decoder @ direction)
    others = contribution.clone()
    others[:, main] = -torch.inf
    top_value, top = others.max(dim=1)
    aligned = (codes > 0) & ((unit @ direction) >= 0.1)
    aligned[:, main] = False
    any_aligned = silent & aligned.any(dim=1)
    mistakes = {
        "an absorber must fire where the main latent is silent: count only rows where the main latent is 0":
            (fn, float(((top_value > 0) & ((unit @ direction)[top] >= 0.1)
                        & (top_value >= 0.5 * contribution.clamp_min(0).sum(dim=1))).float().mean())),
        "any active latent with a little cosine is not enough: the one that contributes most along the probe "
        "(activation × d_j · p̂) must carry at least half of the positive contributions":
            (fn, float(any_aligned.float().mean())),
        "the false-negative rate is the share of rows where the main latent is silent, not where it fires":
            (1 - fn, float(absorbed.float().mean())),
    }
    return next((why for why, value in mistakes.items() if _matches(got, value)), None)


def check_absorption_measure(fn: Callable) -> CheckResult:
    """fn(codes, decoder, direction, main) → (false-negative rate, absorption rate) over the rows of codes, as
    `sae_lib.lm.absorption.absorption_at` defines them (cosine threshold 0.1, share 0.5)."""
    return _compare("absorption measure", fn, _absorption_reference, _absorption_cases(),
                    "write it from steps 3 and 4 above, row by row: is the main latent silent, and if so, does the "
                    "other latent that contributes most along the probe absorb the row? Return the two shares as "
                    "floats.", rtol=1e-6, atol=1e-9, diagnose=_absorption_diagnosis)


#: The hierarchy the prefix question is about: 3 parents with 4 children each, one latent per feature.
_PREFIX_ROOTS, _PREFIX_LATENTS = 3, 15


def check_matryoshka_prefixes(prefixes: object, reason: object) -> CheckResult:
    """The learner's Matryoshka prefix sizes for a 15-latent SAE on 3 parents with 4 children each, and why."""
    name = "Matryoshka prefixes"
    if prefixes is None or prefixes is ...:
        return _report(name, False, "no answer yet: give the prefix sizes as a tuple of increasing integers")
    try:
        sizes = tuple(int(m) for m in prefixes)
        if any(float(m) != int(m) for m in prefixes):
            raise ValueError
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(float("inf"))
        return _report(name, False, f"prefixes must be a tuple of whole numbers, got {prefixes!r}")
    if not sizes or any(m < 1 for m in sizes) or any(a >= b for a, b in zip(sizes, sizes[1:])):
        return _report(name, False, f"prefix sizes must be positive and strictly increasing, got {sizes}")
    if sizes[-1] != _PREFIX_LATENTS:
        return _report(name, False, f"the last prefix is the whole SAE: it must be {_PREFIX_LATENTS}, got "
                                    f"{sizes[-1]}")
    if len(sizes) == 1:
        return _report(name, False, "one prefix, the whole SAE, is an ordinary SAE's loss: nothing forces any "
                                    "latent to stand for a parent on its own")
    if sizes[0] < _PREFIX_ROOTS:
        return _report(name, False, f"a first prefix of {sizes[0]} latents cannot reconstruct all "
                                    f"{_PREFIX_ROOTS} parents: one parent would have to wait for a later prefix, "
                                    "where a child can absorb it again")
    if sizes[0] > _PREFIX_ROOTS:
        return _report(name, False, f"a first prefix of {sizes[0]} latents has room for more than the "
                                    f"{_PREFIX_ROOTS} parents: a latent there can stand for parent + child "
                                    "and absorb as before. What, and only what, must the first prefix hold?")
    if not isinstance(reason, str) or len(reason.split()) < 4:
        return _report(name, False, "say in a sentence why the first prefix has that size")
    if "parent" not in reason.lower():
        return _report(name, False, "your reason does not say what the first prefix's latents stand for: which "
                                    "features must they reconstruct on their own?")
    result = _report(name, True)
    print(f"      {sizes}: the first {_PREFIX_ROOTS} latents must reconstruct every input alone, so each stands for "
          f"one parent whatever child is on; the children can only live further out. Your reason: {reason}")
    return result
