"""Checkers and questions of notebook 11: are the features real?."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ._checking import PREDICTIONS, CheckResult, _compare, _matches, _report

PREDICTIONS.update({
    "the os latent's firings": (  # notebook 11 (latent 70 of lm_sae_topk_auxk.pt; its evidence cell measures it)
        "under a quarter", ("over 80 %", "about half", "under a quarter"),
        "Its strongest firings are the `s` of `os`, but a dashboard shows only the strongest. Over all "
        "of them the latent fires on many other characters (other `s`, capitals, quotes), mostly weakly: the story "
        "is true of its top, not of the latent.",
        {"over 80 %": "the contexts shown are the strongest firings, a biased sample; most firings are weak, and "
                      "nothing says the weak ones look like the strong ones.",
         "about half": "closer, but you are still reading the weak firings as if they were like the strong ones; "
                       "think about how few of any latent's firings a dashboard shows."}),
    "clamping the os latent": (  # notebook 11 (latent 70 of lm_sae_topk_auxk.pt; a test checks its effect)
        "dots", ("os", "dots", "newlines"),
        "What a latent *reads* (its contexts) and what it *writes* (its decoder direction) are different halves. "
        "Its decoder direction pushes up a dot, the character that follows `os`; clamped on at every "
        "position, it makes the model write dots over and over, not `os`.",
        {"os": "the contexts say what makes the latent fire; clamping it changes what the model *writes*, and "
               "that is set by its decoder direction through the unembedding. Look at what it promotes.",
         "newlines": "a newline is not among what this latent's decoder direction promotes; look at its logit "
                     "effects before you answer."}),
})


__all__ = ["check_comment_labels", "check_explanation_score", "check_latent_edit", "check_logit_effect",
           "check_measured_failure", "check_top_precision"]


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


def _small_topk_sae(seed: int = 11) -> object:
    """A small TopK SAE with a non-zero pre-encoder bias, for checking an edit of its latents."""
    from ..model import SAEConfig, SparseAutoencoder

    torch.manual_seed(seed)
    sae = SparseAutoencoder(SAEConfig(input_dim=12, hidden_dims=(), latent_dim=20, latent_activation="topk",
                                      output_activation="none", k=4, unit_norm_decoder=True, pre_encoder_bias=True))
    with torch.no_grad():  # a bias, and an encoder that is not the decoder's transpose, as after training
        sae.decoder[0].bias.normal_(0, 0.3)
    return sae.eval()


def _edit_cases() -> tuple[object, list[tuple]]:
    """The small SAE and (h, j, value) cases: ablation and clamping of a latent that fires on some rows."""
    sae = _small_topk_sae()
    h = torch.randn(30, 12, generator=torch.Generator().manual_seed(12))
    with torch.no_grad():
        fires = (sae.encode(h) > 0).float().mean(dim=0)
    j = int(((fires - 0.4).abs()).argmin())  # a latent on for some rows and off for others
    return sae, [(h, j, 0.0), (h, j, 3.0), (h, (j + 1) % 20, 1.5)]


def check_latent_edit(fn: Callable) -> CheckResult:
    """fn(h, sae, j, value) → the neurons h [n, d] with latent j of `sae` set to `value` on every row, keeping
    everything else (interventions.latent_edit's edit)."""
    from ..lm.interventions import latent_edit

    sae, cases = _edit_cases()

    def reference(h: torch.Tensor, j: int, value: float) -> torch.Tensor:
        with torch.no_grad():
            return latent_edit(sae, j, value)(0, h[None])[0]

    def diagnose(h: torch.Tensor, j: int, value: float, got: object) -> str | None:
        with torch.no_grad():
            z, d = sae.encode(h)[:, j:j + 1], sae.dictionary[j]
            if _matches(got, h + value * d):
                return "you added value · d_j without taking away what latent j already writes (z_j · d_j)"
            if _matches(got, h + (z - value) * d):
                return "the sign is flipped: the neurons should move by (value − z_j) · d_j"
            if _matches(got, sae.decode(sae.encode(h)) + (value - z) * d):
                return ("you started from the SAE's reconstruction, which drops its error; start from h itself so "
                        "everything the SAE does not capture passes through")
            if _matches(got, h + (value - z) * sae.encoder[0].weight[j]):
                return "that moves h along latent j's *encoder* row; what the latent writes is its decoder direction"
        return None

    def run(h: torch.Tensor, j: int, value: float) -> object:
        with torch.no_grad():
            got = fn(h, sae, j, value)
        return got.detach() if isinstance(got, torch.Tensor) else got

    return _compare("steering edit", run if callable(fn) else fn, reference, cases,
                    "Compute z_j = sae.encode(h)[:, j] on every row and move h along latent j's decoder direction "
                    "(sae.dictionary[j]) by value − z_j.", rtol=1e-5, atol=1e-6, diagnose=diagnose)


def _forbidding_copy(model: object) -> object:
    """A shallow copy of the model whose ready-made neuron-to-logit map raises: the learner writes it from weights."""
    import copy

    def forbidden(*args: object, **kwargs: object) -> None:
        raise RuntimeError("write the effect from the model's weights, not with model.neuron_logit_weights")

    proxy = copy.copy(model)
    object.__setattr__(proxy, "neuron_logit_weights", forbidden)
    return proxy


def check_logit_effect(fn: Callable, model: object = None, sae: object = None) -> CheckResult:
    """fn(model, sae, j) → [vocab]: latent j's direct effect on the next-character logits (its decoder direction
    through fc_out, the final LayerNorm's centring and gain, and the unembedding), up to a shift shared by every
    character (softmax ignores it); checked against dashboards.logit_effects' map on the given model and SAE
    (by default the course's model and notebook 10's SAE)."""
    if model is None or sae is None:
        from ..checkpoint import load_asset
        from ..lm.model import load_pretrained

        model = load_pretrained()[0] if model is None else model
        sae = load_asset("lm_sae_topk_auxk.pt") if sae is None else sae
    def reference(j: int) -> torch.Tensor:
        with torch.no_grad():
            effect = sae.dictionary[j] @ model.neuron_logit_weights(0)
        return effect.double()

    def centred(got: object) -> object:
        if isinstance(got, np.ndarray) and got.dtype.kind in "iuf":  # a NumPy answer is a fine answer too
            got = torch.from_numpy(got.astype(np.float64))
        if isinstance(got, torch.Tensor) and got.dim() == 1 and got.is_floating_point():
            got = got.detach().double()
            return got - got.mean()
        return got

    def diagnose(j: int, got: object) -> str | None:
        with torch.no_grad():
            w = model.blocks[0].fc_out.weight.T  # [d_mlp, d_model]
            d = sae.dictionary[j]
            gain, unembed = model.ln_final.weight, model.unembed.weight.T
            wrong = {
                "you skipped the LayerNorm's centring: it removes the mean over d_model before the gain":
                    (d @ w) * gain @ unembed,
                "you left out the final LayerNorm's gain (ln_final.weight), which scales each residual dimension":
                    (d @ (w - w.mean(dim=1, keepdim=True))) @ unembed,
                "that is the latent's *encoder* row; what it writes is its decoder direction (sae.dictionary[j])":
                    (sae.encoder[0].weight[j] @ (w - w.mean(dim=1, keepdim=True))) * gain @ unembed,
            }
        for sentence, value in wrong.items():
            if _matches(got, centred(value.double()), rtol=1e-4, atol=1e-6):
                return sentence
        return None

    def run(j: int) -> object:
        with torch.no_grad():
            return centred(fn(_forbidding_copy(model), sae, j))

    try:
        latent_dim = int(sae.config.latent_dim)
        cases = [(j,) for j in sorted({0, latent_dim // 3, latent_dim - 1})]
    except AttributeError:
        return _report("logit effect", False, "pass the notebook's model and SAE after your function")
    return _compare("logit effect", run if callable(fn) else fn, lambda j: centred(reference(j)), cases,
                    "Send the decoder direction d_j through fc_out's weight (no bias: it does not depend on the "
                    "latent), centre it over d_model and scale by the final LayerNorm's gain as the LayerNorm does, "
                    "then through the unembedding.", rtol=1e-4, atol=1e-6, diagnose=diagnose)


def _score_cases() -> list[tuple]:
    """(acts, holds, n_quantiles) with distinct activations and a number of firings divisible by n_quantiles, so
    that every way of cutting ranks into equal quantiles agrees."""
    g = torch.Generator().manual_seed(31)
    cases = []
    for n, firings, q in [(300, 60, 10), (200, 40, 4), (500, 50, 5)]:
        acts = torch.zeros(n, dtype=torch.float64)
        where = torch.randperm(n, generator=g)[:firings]
        acts[where] = torch.rand(firings, generator=g, dtype=torch.float64) * 3 + 0.01
        strength = acts / acts.max()  # the explanation holds more often on strong firings, and sometimes off them
        holds = torch.rand(n, generator=g, dtype=torch.float64) < torch.where(acts > 0, 0.2 + 0.7 * strength, 0.1)
        cases.append((acts, holds, q))
    return cases


def check_explanation_score(fn: Callable) -> CheckResult:
    """fn(acts, holds, n_quantiles) → (precision, recall, quantile precisions weakest first): the explanation
    scorer of explanations.score_explanation over all firings (acts > 0)."""
    from ..lm.explanations import score_explanation

    def reference(acts: torch.Tensor, holds: torch.Tensor, q: int) -> tuple:
        score = score_explanation(acts, holds, n_quantiles=q)
        return (torch.tensor(score.precision, dtype=torch.float64), torch.tensor(score.recall, dtype=torch.float64),
                torch.tensor(score.quantile_precision, dtype=torch.float64))

    def diagnose(acts: torch.Tensor, holds: torch.Tensor, q: int, got: object) -> str | None:
        precision, recall, quantiles = reference(acts, holds, q)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            return None
        if _matches(got[0], torch.tensor(float(holds.double().mean()), dtype=torch.float64)):
            return "your precision is the explanation's rate over all characters; count only where the latent fires"
        if _matches(got[0], recall) and _matches(got[1], precision):
            return ("precision and recall are swapped: precision is the share of *firings* where the explanation "
                    "holds, recall the share of places where it holds on which the latent fires")
        if _matches(got[2], quantiles.flip(0)):
            return "your quantiles run strongest first; the first should be the weakest firings"
        if _matches(got[0], precision) and _matches(got[1], recall):
            return ("precision and recall are right; the quantiles differ: sort the *firings* by activation and cut "
                    "them into n_quantiles groups of equal size, weakest first")
        return None

    return _compare("explanation score", fn, reference, _score_cases(),
                    "Firings are the characters where acts > 0. Precision: the share of firings where holds is "
                    "True; recall: the share of the places where holds is True on which the latent fires; then "
                    "sort the firings by activation and give the precision of each of n_quantiles equal groups, "
                    "weakest first.", rtol=1e-6, atol=1e-9, diagnose=diagnose)
