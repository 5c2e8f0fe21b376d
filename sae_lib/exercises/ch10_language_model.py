"""Checkers and questions of notebook 10: reading a language model."""

from __future__ import annotations

from collections.abc import Callable

from ._checking import PREDICTIONS, CheckResult, _compare

PREDICTIONS.update({
    "what latent 950 promotes": (  # notebook 10 (the shipped SAE lm_sae_topk_auxk.pt; a test checks it)
        "capitals", ("capitals", "lowercase", "bracket"),
        "It fires on the letters of ALL-CAPS names (the E and Y of KEY in MATCH_KEYS and BUILD_CONST_KEY_MAP, the "
        "Y of UNARY), where an underscore or another capital comes next: its decoder direction pushes `_` and "
        "capital letters up about equally, and lower-case letters down."),
})


__all__ = ["check_loss_recovered"]


def check_loss_recovered(fn: Callable) -> CheckResult:
    """fn(loss_clean, loss_sae, loss_ablated) → the fraction of the ablation's loss increase the SAE wins back."""
    from ..metrics import loss_recovered

    cases = [(1.2, 1.3, 2.2), (1.0, 1.0, 3.0), (1.5, 2.5, 2.0), (0.8, 3.0, 2.8)]  # perfect, worse than ablating
    return _compare("loss recovered", fn, loss_recovered, cases,
                    "Compare how far the SAE's loss is below the ablated loss with how far the clean loss is: "
                    "1 is as good as the real neurons, 0 no better than ablating them, below 0 worse.")
