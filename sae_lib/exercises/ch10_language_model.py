"""Checkers and questions of notebook 10: reading a language model.

The learner writes the splice hook (an SAE's reconstruction in place of block 0's MLP neurons) and the
top-context picker; each checker runs the learner's tool and the library's on the same model and text
and names the first difference it finds. `sae_lib.lm` is imported inside the functions: importing the
exercises must not load the language-model half."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ._checking import PREDICTIONS, CheckResult, _compare, _problem, _report, _short

PREDICTIONS.update({
    "what latent 950 promotes": (  # notebook 10 (the shipped SAE lm_sae_topk_auxk.pt; a test checks it)
        "A", ("A", "B", "C"),
        "Its strongest firings are inside ALL-CAPS names (the E and Y of KEY in MATCH_KEYS and BUILD_CONST_KEY_MAP, "
        "the Y of UNARY), where an underscore or another capital comes next: its decoder direction pushes `_` and "
        "capital letters up about equally, and lower-case letters down.",
        {"B": "lower-case letters are what usually follows a letter in Python, but these contexts are not usual: "
              "read the characters the latent fires on and ask what comes next inside such a name.",
         "C": "an opening bracket follows a name that is complete (a call); at the peaks the name is still being "
              "spelled: what is its next character?"}),
    "how many of latent 950's firings are capitals": (  # notebook 10; a test checks it on the shipped SAE
        "between 40% and 90%", ("over 90%", "between 40% and 90%", "under 40%"),
        "About two thirds: its top contexts are all capitals, but a fifth of its firings are on spaces, and its "
        "weakest tenth is almost never on a capital letter. The top of a dashboard is not the whole latent.",
        {"over 90%": "that is what its top contexts show, and they are its strongest few out of thousands of "
                     "firings: how often it fires (its density) says how many you have not seen.",
         "under 40%": "its strongest firings are all inside ALL-CAPS names, and the strong firings are not a "
                      "tiny minority of thousands: lower than the top contexts suggest, but not that low."}),
    "loss recovered against the bigram model": (  # notebook 10; a test checks it on the shipped model and SAE
        "lower", ("higher", "about the same", "lower"),
        "The bigram model is a far gentler anchor than a model with its MLP deleted: its loss is much closer to the "
        "clean loss, so the same extra loss of the SAE is a larger share of a smaller gap. A destructive anchor "
        "flatters; read loss recovered beside the extra loss itself (nats/char) and against a gentle anchor.",
        {"higher": "the SAE's own loss does not change with the anchor; only the gap it is measured against does. "
                   "Is the bigram model's loss nearer to the clean loss or further from it than an ablated model's?",
         "about the same": "the score is a share of the gap between anchor and clean loss: compare the sizes of the "
                           "two gaps (ablated − clean and bigram − clean) in the bars."}),
})

__all__ = ["check_loss_recovered", "check_splice_hook", "check_top_contexts"]


def check_loss_recovered(fn: Callable) -> CheckResult:
    """fn(loss_clean, loss_sae, loss_ablated) → the fraction of the ablation's loss increase the SAE wins back."""
    from ..metrics import loss_recovered

    cases = [(1.2, 1.3, 2.2), (1.0, 1.0, 3.0), (1.5, 2.5, 2.0), (0.8, 3.0, 2.8)]  # perfect, worse than ablating
    return _compare("loss recovered", fn, loss_recovered, cases,
                    "Compare how far the SAE's loss is below the ablated loss with how far the clean loss is: "
                    "1 is as good as the real neurons, 0 no better than ablating them, below 0 worse.")


_SPLICE = "splice hook"


def _run_hook(hook: object, layer: int, neurons: torch.Tensor) -> tuple[object, str | None]:
    """(what the learner's hook returned for (layer, neurons), or None and a one-line problem)."""
    try:
        return hook(layer, neurons.clone()), None
    except NotImplementedError:
        return None, "not implemented yet. The hook receives (layer, neurons [batch, time, 512]) and returns what " \
                     "the block should use instead."
    except Exception as error:  # the learner's code may fail in any way: say how
        return None, f"your hook raised {type(error).__name__}: {error}"


def check_splice_hook(make_hook: Callable, lm_model: torch.nn.Module, sae: torch.nn.Module, ids: torch.Tensor,
                      n_chars: int = 2048) -> CheckResult:
    """make_hook(sae) → an `edit_neurons` hook that gives block 0 the SAE's reconstruction of its neurons.

    Compared with the library's `replace_neurons(0, …)` on the first `n_chars` of `ids`: the hook's output on
    one batch of neurons, the logits with it spliced in, and the spliced loss that `lm_fidelity` reports."""
    from .. import lm

    hint = ("For layer 0 the hook returns the SAE's reconstruction x̂ of the neurons, in the neurons' shape; "
            "any other layer it leaves alone.")
    if not callable(make_hook):
        return _report(_SPLICE, False, f"expected a function of the SAE that returns a hook, got {_short(make_hook)}")
    ids = ids[:n_chars]
    context = lm_model.config.context
    windows = lm.windows(ids, context)[:4, :-1]
    cache: dict = {}
    with torch.no_grad():
        clean_logits = lm_model(windows, cache=cache)
        neurons = cache["neurons.0"]
        x_hat = sae(neurons.flatten(0, 1))[0].reshape(neurons.shape)
        try:
            hook = make_hook(sae)
        except NotImplementedError:
            return _report(_SPLICE, False, "not implemented yet. " + hint)
        except Exception as error:
            return _report(_SPLICE, False, f"make_hook(sae) raised {type(error).__name__}: {error}. {hint}")
        if not callable(hook):
            return _report(_SPLICE, False, f"make_hook(sae) should return a hook (a function of layer and neurons), "
                                           f"got {_short(hook)}")
        got, problem = _run_hook(hook, 0, neurons)
        if problem is not None:
            return _report(_SPLICE, False, problem if problem.startswith("not") else f"{problem}. {hint}")
        problem = _problem(got, x_hat)
        if problem is not None:
            if isinstance(got, torch.Tensor) and got.shape[-1:] == (sae.config.latent_dim,):
                problem = "your hook returned the SAE's code z (one value per latent); the block needs the " \
                          "reconstruction x̂ (one value per neuron)"
            elif isinstance(got, torch.Tensor) and tuple(got.shape) == (neurons.shape[0] * neurons.shape[1],
                                                                         neurons.shape[2]):
                problem = "your hook returned the rows flattened to [batch·time, neurons]: reshape them back to " \
                          "the neurons' shape [batch, time, neurons]"
            return _report(_SPLICE, False, f"{problem}. {hint}")
        got = got.detach().to(x_hat)
        if not torch.allclose(got, x_hat, rtol=1e-4, atol=1e-4):
            if torch.allclose(got, neurons, atol=1e-6):
                why = "your hook returns the neurons unchanged: splice in the SAE's reconstruction of them"
            elif torch.allclose(got, torch.zeros_like(got)):
                why = "your hook zeroes the neurons (that is zero-ablation, an anchor): splice in the SAE's " \
                      "reconstruction"
            elif torch.allclose(got, x_hat - _decoder_bias(sae), rtol=1e-4, atol=1e-4):
                why = "your reconstruction lacks the decoder's bias (b_pre, added back after z @ W_dec)"
            else:
                gap = (got - x_hat).abs()
                b, t, d = (int(i) for i in torch.unravel_index(gap.argmax(), gap.shape))
                why = (f"the first window's neurons differ most at character {t}, neuron {d}: expected "
                       f"{x_hat[b, t, d].item():.4g}, got {got[b, t, d].item():.4g}")
            return _report(_SPLICE, False, f"{why}. {hint}")
        other, problem = _run_hook(hook, 1, neurons)
        if problem is not None or not isinstance(other, torch.Tensor) or other.shape != neurons.shape \
                or not torch.equal(other.detach().to(neurons), neurons):
            return _report(_SPLICE, False, "your hook changes (or fails on) the neurons of layer 1: in a deeper "
                                           "model it must splice only block 0 and return any other layer's "
                                           "neurons as they are")
        spliced_logits = lm_model(windows, edit_neurons=hook)
        expected_logits = lm_model(windows, edit_neurons=lm.replace_neurons(0, lambda h: sae(h)[0]))
        if not torch.allclose(spliced_logits, expected_logits, rtol=1e-4, atol=1e-4):
            return _report(_SPLICE, False, "your hook's output is right on a batch, but the logits with it spliced "
                                           "in differ from the library's: does it keep state between calls?")
        text = ids[:len(lm.windows(ids, context)) * context]
        mine = lm.next_char_loss(lm_model, text, edit_neurons=hook)
        reference = lm.lm_fidelity(lm_model, sae, text)["loss_sae"]
    if abs(mine - reference) > 1e-4:
        return _report(_SPLICE, False, f"with your hook spliced in the loss is {mine:.4f} nats/char, lm_fidelity "
                                       f"says {reference:.4f}")
    result = _report(_SPLICE, True)
    print(f"      on {len(text):,} characters: {mine:.4f} nats/char with your hook spliced in, "
          f"{reference:.4f} from lm_fidelity; clean logits differ by up to "
          f"{(spliced_logits - clean_logits).abs().max().item():.2f}")
    return result


def _decoder_bias(sae: torch.nn.Module) -> torch.Tensor:
    """The SAE's decoder bias as a vector (what x̂ adds after z @ W_dec)."""
    with torch.no_grad():
        return sae.decode(torch.zeros(1, sae.config.latent_dim))[0]  # a zero code decodes to the bias alone


_PICKER = "top contexts"


def _as_positions(got: object) -> list[int] | None:
    """A learner's positions as a list of ints (from a list, tuple, tensor or NumPy array), or None."""
    try:
        if isinstance(got, torch.Tensor):
            got = got.flatten().tolist()
        values = list(got)  # type: ignore[arg-type]
        if any(isinstance(v, bool) or float(v) != int(v) for v in values):
            return None
        return [int(v) for v in values]
    except Exception:  # text, None, a number: not positions
        return None


def _first_difference(got: list[int], expected: list[int], acts: torch.Tensor, min_gap: int) -> str:
    """The first way a learner's top contexts differ from the reference's, in words."""
    for rank, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            if not 0 <= g < len(acts):
                return f"context {rank + 1}: position {g} is outside the text (0 to {len(acts) - 1})"
            if acts[g] <= 0:
                return f"context {rank + 1}: the latent is off at position {g}; list only places where it fires"
            near = [c for c in got[:rank] if abs(c - g) < min_gap]
            if near:
                return (f"context {rank + 1} (position {g}) is within {min_gap} characters of position {near[0]}, "
                        f"already listed: its window overlaps")
            if acts[g] < acts[e]:
                return (f"context {rank + 1}: expected position {e} (activation {acts[e].item():.3g}), got {g} "
                        f"({acts[g].item():.3g}): is {e} really too close to an earlier choice? Measure the gap "
                        f"to every context chosen so far, and nothing else")
            return f"context {rank + 1}: expected position {e}, got {g}"
    if len(got) > len(expected):
        g = got[len(expected)]
        return f"you listed {len(got)} contexts, expected {len(expected)}: position {g} is one too many " + (
            "(the latent is off there)" if 0 <= g < len(acts) and acts[g] <= 0 else "(n is the most to return)")
    return (f"you listed {len(got)} contexts, expected {len(expected)}: position {expected[len(got)]} "
            f"(activation {acts[expected[len(got)]].item():.3g}) is missing")


def _picker_cases(codes: object | None) -> list[tuple[torch.Tensor, int, int]]:
    """(acts, n, min_gap) cases: small ones with a long run, a tie-free spread and fewer firings than n, and real
    latents from `codes` when given."""
    g = torch.Generator().manual_seed(10)
    spread = torch.rand(200, generator=g, dtype=torch.float64) * (torch.rand(200, generator=g) < 0.3)
    run = torch.zeros(120, dtype=torch.float64)
    run[10:40] = torch.linspace(1.0, 2.0, 30, dtype=torch.float64)  # one long run: the gap must thin it
    run[70] = 1.5
    few = torch.zeros(50, dtype=torch.float64)
    few[[5, 30]] = torch.tensor([0.7, 0.9], dtype=torch.float64)
    cases = [(run, 4, 20), (spread, 6, 10), (few, 5, 20), (spread, 8, 1)]
    if codes is not None:
        cases += [(codes.latent(j).double(), 8, 20) for j in (70, 950)]
    return cases


def check_top_contexts(fn: Callable, codes: object | None = None) -> CheckResult:
    """fn(acts, n, min_gap) → positions of the n largest activations, each ≥ min_gap from those already chosen,
    largest first; compared with `dashboards.top_contexts` (on `codes`' latents too, when given)."""
    from ..lm import dashboards

    hint = ("Go through the positions from the largest activation down; keep one if the latent fires there and it "
            "is at least min_gap from every position kept so far; stop at n.")
    if not callable(fn):
        return _report(_PICKER, False, f"expected a function, got {_short(fn)}. {hint}")
    for acts, n, min_gap in _picker_cases(codes):
        single = dashboards.unit_codes(torch.zeros(len(acts), dtype=torch.long), acts)
        expected = dashboards.top_contexts(single, 0, n, min_gap)
        try:
            got = fn(acts.clone(), n, min_gap)
        except NotImplementedError:
            return _report(_PICKER, False, "not implemented yet. " + hint)
        except Exception as error:
            return _report(_PICKER, False, f"{type(error).__name__}: {error}. {hint}")
        positions = _as_positions(got)
        if positions is None:
            problem = "your function returned None: did you forget `return`?" if got is None else \
                f"expected a list of positions (whole numbers), got {_short(got)}"
            return _report(_PICKER, False, f"{problem}. {hint}")
        if positions != expected:
            where = f"a latent of {len(acts):,} characters, n={n}, min_gap={min_gap}"
            return _report(_PICKER, False, f"for {where}: {_first_difference(positions, expected, acts, min_gap)}")
    return _report(_PICKER, True)
