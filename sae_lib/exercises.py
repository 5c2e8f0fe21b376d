"""Self-checking exercises: each `check_*` runs the learner's function on a few cases against sae_lib.

Every checker prints one line: PASS, or FAIL with a hint. A checker never raises on a learner's
mistake: an exception, None, a list, a wrong shape or dtype, or an unanswered question is a FAIL
that says what went wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from .metrics import dead_fraction, evaluate, l0, variance_explained
from .model import JumpReLUFunction, SAEConfig, SparseAutoencoder, TopK
from .penalties import kl_divergence, kl_gradient, mean_activation
from .training import resampled_weights

__all__ = ["PREDICTIONS", "TUNE", "check_choice", "check_class_means", "check_comment_labels", "check_dead_fraction",
    "check_dropped_feature", "check_jumprelu_threshold_gradient", "check_kl", "check_kl_gradient", "check_l0",
    "check_loss_recovered", "check_mean_activation", "check_measured_failure", "check_mmcs", "check_parameter_count",
    "check_prediction", "check_resampled_weights", "check_shared_direction", "check_steps", "check_top_digits",
    "check_top_precision", "check_topk", "check_total_loss", "check_tuned_beta", "check_unit_norm_columns",
    "check_variance_explained", "check_without_whitening", "check_zca"]

CASES_RHO = [(0.05, [0.05, 0.2, 0.01]), (0.1, [0.5, 0.9]), (0.3, [0.3, 0.31, 0.02, 0.7])]


def _report(name: str, ok: bool, hint: str = "") -> None:
    """Print one PASS/FAIL line."""
    print(f"PASS  {name}" if ok else f"FAIL  {name}: {hint}")


def _problem(got: object, expected: object) -> str | None:
    """Why `got` cannot be compared with `expected` (None, a list, a wrong shape or dtype), or None if it can."""
    if got is None:
        return "your function returned None: did you forget `return`?"
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a tuple of {len(expected)} results, got {_short(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _problem(g, e)
            if problem is not None:
                return f"result {i + 1} of {len(expected)}: {problem}"
        return None
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"expected a torch.Tensor, got a {type(got).__name__} (build the result with torch operations)"
        if got.shape != expected.shape:
            return f"expected a tensor of shape {tuple(expected.shape)}, got shape {tuple(got.shape)}"
        if expected.is_floating_point() and not got.is_floating_point():
            return f"expected a floating-point tensor, got dtype {got.dtype} (use .float() before dividing)"
        return None
    if isinstance(got, torch.Tensor) and got.numel() != 1:
        return f"expected a single number, got a tensor of shape {tuple(got.shape)}"
    number = _number(got)
    if number is None:
        return f"expected a single real number, got {_short(got)} of type {type(got).__name__}"
    if isinstance(expected, int) and not number.is_integer():
        return f"expected a whole number, got {number!r}"
    return None


def _number(got: object) -> float | None:
    """`got` as a float when it is one real number (int, float, a one-element tensor or NumPy array), else None."""
    if isinstance(got, (bool, str, bytes, list, tuple, dict, set)):  # a list of one is still a list: say so
        return None
    if isinstance(got, torch.Tensor):
        if got.numel() != 1 or got.is_complex() or got.dtype == torch.bool:
            return None
        return float(got.detach().cpu().double().item())
    try:
        array = np.asarray(got)
    except Exception:  # an object NumPy cannot read at all is not a number either
        return None
    if array.size != 1 or array.dtype.kind not in "iuf":  # bool, complex, text and objects are not
        return None
    return float(array.reshape(()))


def _close(got: object, expected: object) -> bool:
    """Whether two checked results agree to 1e-6 (relative) / 1e-9 (absolute); tuples element by element."""
    if isinstance(expected, tuple):
        return all(_close(g, e) for g, e in zip(got, expected))
    got_t = torch.as_tensor(got.detach() if isinstance(got, torch.Tensor) else _number(got), dtype=torch.float64)
    expected_t = torch.as_tensor(expected, dtype=torch.float64)
    return torch.allclose(got_t.reshape(expected_t.shape), expected_t, rtol=1e-6, atol=1e-9)


def _clone(value: object) -> object:
    """A copy of a tensor argument, so the learner's function cannot change the reference's inputs."""
    return value.clone() if isinstance(value, torch.Tensor) else value


def _compare(name: str, fn: object, reference: Callable, cases: list[tuple], hint: str) -> None:
    """Run `fn` and `reference` on each case; PASS when every result matches. Never raises on a learner's mistake."""
    if not callable(fn):
        return _report(name, False, f"expected a function, got {_short(fn)}. {hint}")
    for args in cases:
        try:
            got = fn(*[_clone(a) for a in args])
        except NotImplementedError:
            return _report(name, False, "not implemented yet. " + hint)
        except Exception as error:  # the learner's code may fail in any way: say how
            return _report(name, False, f"{type(error).__name__}: {error}. {hint}")
        expected = reference(*args)
        try:
            problem = _problem(got, expected)
            if problem is None and not _close(got, expected):
                problem = f"for inputs {_short(args)} {_difference(got, expected)}"
        except Exception as error:  # a result of a form no rule above foresaw: still a FAIL, never a crash
            problem = f"could not compare your result ({type(got).__name__}) with the expected one: {error}"
        if problem is not None:
            return _report(name, False, f"{problem}. {hint}")
    _report(name, True)


def _difference(got: object, expected: object) -> str:
    """Where a result that has the right form differs: which element of a tuple, and where in a large tensor."""
    if isinstance(expected, tuple):
        i = next(i for i, (g, e) in enumerate(zip(got, expected)) if not _close(g, e))
        return f"result {i + 1} of {len(expected)} differs: " + _difference(got[i], expected[i])
    if isinstance(expected, torch.Tensor) and expected.numel() > 6:
        gap = (got.detach().double() - expected.double()).abs()
        where = tuple(int(i) for i in torch.unravel_index(gap.argmax(), gap.shape))
        return (f"values differ most at index {where}: expected {expected[where].item():.6g}, "
                f"got {got[where].item():.6g}")
    return f"expected {_short(expected)}, got {_short(got)}"


def _short(value: object) -> str:
    """A compact text form of a value for hints."""
    if isinstance(value, torch.Tensor):
        if value.numel() > 6:
            return f"tensor of shape {tuple(value.shape)}"
        return str([round(v, 6) if isinstance(v, float) else v for v in value.detach().cpu().flatten().tolist()])
    if isinstance(value, tuple):
        return "(" + ", ".join(_short(v) for v in value) + ")"
    if isinstance(value, float):
        return repr(round(value, 6))
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _codes(seed: int, n: int = 50, units: int = 8) -> torch.Tensor:
    """Reproducible sparse-looking codes in [0, 1] for the checks."""
    return torch.rand(n, units, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) ** 3


def check_choice(name: str, answer: object, correct: str, options: tuple[str, ...], why: str) -> None:
    """A prediction question: PASS when `answer` is the correct option (case and spaces ignored), else a hint."""
    if answer is None or answer is ...:
        return _report(name, False, f"no answer yet: set it to one of {', '.join(map(repr, options))}")
    text = str(answer).strip().lower()
    if text not in [o.lower() for o in options]:
        return _report(name, False, f"{answer!r} is not one of {', '.join(map(repr, options))}")
    if text != correct.lower():  # the explanation names the right option, so it waits for a right answer
        return _report(name, False, f"not {answer!r}: look again at what the question rests on, then answer again")
    _report(name, True)
    print(f"      {why}")


#: The notebooks' predict-first questions: title → (correct option, options, why). They live here, not
#: in the notebooks, so that the learner's cell asks the question without showing its answer.
PREDICTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "which costs more at ρ = 0.05": (  # notebook 01
        "0.01", ("0.01", "0.1", "same"),
        "Close to a small ρ the curve is steep below ρ (log ρ̂ → −∞) and shallow above it."),
    "sign of ∂KL/∂ρ̂ at ρ̂ = 0.2 > ρ": (  # notebook 01
        "positive", ("positive", "negative", "zero"),
        "Above ρ the (1−ρ)/(1−ρ̂) term wins: the gradient is positive, so descent lowers ρ̂."),
    "mean activation of an untrained sigmoid code": (  # notebook 02
        "0.5", ("0", "0.5", "1"),
        "Small weights give pre-activations near 0, and σ(0) = 0.5: nothing is sparse yet."),
    "why the 1e-3 run did not learn": (  # notebook 03
        "optimiser", ("beta", "optimiser", "units"),
        "Same β and units learned at lr 1e-2 for 3,000 steps: Adam moves each weight by about lr per step, "
        "so 600 steps at 1e-3 barely leave the mean image."),
    "switching off a digit's strongest unit": (  # notebook 05
        "part", ("all", "part", "nothing"),
        "A digit is spread over dozens of active units: switching off the strongest removes a piece of one "
        "stroke, and the digit stays readable."),
    "learned→true MMCS against true→learned": (  # notebook 06
        "lower", ("higher", "equal", "lower"),
        "Only about half the learned atoms can have a true atom of their own; the rest are duplicates (still "
        "close to a true atom) or junk (close to none), and junk pulls it down."),
    "without whitening": (  # notebook 07
        "b", ("a", "b", "c"),
        "Raw patches keep most of their variance in a few smooth, low-frequency directions, so the "
        "reconstruction loss is mostly about those. The fine directions where edges live hardly change the "
        "loss, so little trains them: the filters come out noisier and less oriented. The units do not die "
        "(the KL penalty only sets how often they fire), and no rescaling of the input undoes whitening, "
        "which treats each direction differently."),
    "what latent 950 promotes": (  # notebook 10 (the shipped SAE lm_sae_topk_auxk.pt; a test checks it)
        "capitals", ("capitals", "lowercase", "bracket"),
        "It fires on the letters of ALL-CAPS names (the E and Y of KEY in MATCH_KEYS and BUILD_CONST_KEY_MAP, the "
        "Y of UNARY), where an underscore or another capital comes next: its decoder direction pushes `_` and "
        "capital letters up about equally, and lower-case letters down."),
    "clamping the os latent": (  # notebook 11 (latent 70 of lm_sae_topk_auxk.pt; a test checks its effect)
        "next", ("os", "next", "newlines"),
        "The latent *reads* `os`; what it *writes* is its decoder direction, and that pushes up what usually "
        "follows `os`: a dot. Clamped on at every position, it makes the model write dots over and over, not `os`."),
}


def check_prediction(question: str, answer: object) -> None:
    """A predict-first question of the notebooks, by its title (a key of PREDICTIONS): PASS, or FAIL with a hint."""
    if question not in PREDICTIONS:
        raise ValueError(f"question must be one of {sorted(PREDICTIONS)}, got {question!r}")
    correct, options, why = PREDICTIONS[question]
    check_choice(question, answer, correct, options, why)


# Notebook 01: the KL penalty and its gradient
def check_kl(fn: Callable) -> None:
    """fn(rho, rho_hat) → Σ_j KL(ρ ‖ ρ̂_j) for a 1-D tensor rho_hat."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64)) for rho, q in CASES_RHO]
    return _compare("KL divergence", fn, kl_divergence, cases,
                   "Sum ρ·log(ρ/ρ̂) + (1−ρ)·log((1−ρ)/(1−ρ̂)) over the units.")


def check_kl_gradient(fn: Callable) -> None:
    """fn(rho, rho_hat, beta) → ∂(β·KL)/∂ρ̂_j for each unit."""
    cases = [(rho, torch.tensor(q, dtype=torch.float64), beta) for (rho, q), beta in zip(CASES_RHO, [1.0, 5e-3, 3.0])]
    return _compare("KL gradient", fn, kl_gradient, cases,
                   "Differentiate each term: d/dq [ρ log(ρ/q)] = −ρ/q and d/dq [(1−ρ) log((1−ρ)/(1−q))] = (1−ρ)/(1−q).")


# Notebook 02: the model
def check_mean_activation(fn: Callable) -> None:
    """fn(z) → ρ̂, each unit's mean activation over the batch (dimension 0)."""
    return _compare("mean activation ρ̂", fn, mean_activation, [(_codes(0),), (_codes(1, n=7, units=3),)],
                   "Average each column (unit) over the rows (samples): one value per unit.")


def check_parameter_count(fn: Callable) -> None:
    """fn(input_dim, hidden_dims, latent_dim) → number of weights and biases in the SparseAutoencoder."""
    def actual(input_dim: int, hidden_dims: tuple, latent_dim: int) -> int:
        model = SparseAutoencoder(SAEConfig(input_dim=input_dim, hidden_dims=hidden_dims, latent_dim=latent_dim))
        return sum(p.numel() for p in model.parameters())

    cases = [(784, (128,), 32), (784, (), 1000), (10, (6, 4), 3)]
    return _compare("parameter count", fn, actual, cases,
                   "A Linear(n_in, n_out) layer has n_in·n_out weights and n_out biases; "
                   "the decoder mirrors the encoder.")


# Notebook 03: training
def check_total_loss(fn: Callable) -> None:
    """fn(x, x_hat, z, rho, beta) → mean squared error + β · Σ_j KL(ρ ‖ ρ̂_j)."""
    def reference(x, x_hat, z, rho, beta):
        return torch.mean((x - x_hat) ** 2) + beta * kl_divergence(rho, z.mean(dim=0))

    g = torch.Generator().manual_seed(3)
    x, x_hat = (torch.rand(20, 10, generator=g, dtype=torch.float64) for _ in range(2))
    cases = [(x, x_hat, _codes(4, n=20), 0.05, 5e-3), (x, x, _codes(5, n=20), 0.2, 1.0)]
    return _compare("total loss", fn, reference, cases,
                   "Reconstruction is the mean of (x − x̂)² over every pixel; ρ̂ is the batch mean of z.")


def check_steps(fn: Callable) -> None:
    """fn(n_images, batch_size, epochs) → optimiser steps taken (the last, smaller batch counts too)."""
    cases = [(60_000, 128, 10), (4_000, 128, 10), (1_000, 100, 3)]
    return _compare("optimiser steps", fn, lambda n, b, e: e * math.ceil(n / b), cases,
                   "Each epoch takes ceil(n_images / batch_size) steps.")


# Notebook 04: testing
def check_variance_explained(fn: Callable) -> None:
    """fn(x, x_hat) → 1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d."""
    g = torch.Generator().manual_seed(6)
    x = torch.rand(40, 12, generator=g, dtype=torch.float64)
    cases = [(x, x * 0.9), (x, x + torch.rand(40, 12, generator=g, dtype=torch.float64) * 0.3), (x, x)]
    return _compare("variance explained", fn, variance_explained, cases,
                   "Take the variance of each pixel over the samples (dim=0), sum over pixels, for x − x̂ and for x.")


#: The tuning exercise of notebook 04: a one-layer 784 → 64 sigmoid SAE, 1,000 Adam steps, target ρ = 0.1.
TUNE = {"rho": 0.1, "latent_dim": 64, "steps": 1000, "rho_tolerance": 0.2, "min_variance_explained": 0.72}


def check_tuned_beta(beta: object, data: object, device: str | torch.device | None = None) -> None:
    """Train the notebook-04 model with the learner's β; PASS when ρ̂ is within 20 % of ρ = 0.1 and VE ≥ 0.72."""
    from .training import TrainConfig, train  # imported here: only this checker trains

    name = "tune β for ρ = 0.1"
    if beta is None or beta is ...:
        return _report(name, False, "no answer yet: set beta to a number ≥ 0 (the sweep above is a good guide)")
    value = _number(beta)
    if value is None or not math.isfinite(value) or value < 0:
        return _report(name, False, f"beta must be a finite number ≥ 0, got {_short(beta)}")
    beta = value
    try:
        model, _ = train(data.train_images, None, SAEConfig(hidden_dims=(), latent_dim=TUNE["latent_dim"]),
                         TrainConfig(rho=TUNE["rho"], beta=beta, steps=TUNE["steps"]), device=device, progress=False)
    except FloatingPointError as error:  # a β so large that the run diverged is an answer to fix, not a crash
        return _report(name, False, f"β = {beta:g} made training fail ({error}): lower β")
    m = evaluate(model, data.test_images, rho=TUNE["rho"])
    found = f"β = {beta:g}: mean ρ̂ {m['mean_rho_hat']:.3f}, variance explained {m['variance_explained']:.3f}"
    if abs(m["mean_rho_hat"] - TUNE["rho"]) > TUNE["rho_tolerance"] * TUNE["rho"]:
        return _report(name, False, f"{found}; ρ̂ is more than 20 % from ρ = 0.1: raise β")
    if m["variance_explained"] < TUNE["min_variance_explained"]:
        return _report(name, False, f"{found}; variance explained is below 0.72: lower β")
    _report(name, True)
    print(f"      {found}")


def check_l0(fn: Callable) -> None:
    """fn(z, threshold) → mean number of units per input whose |z| exceeds the threshold."""
    return _compare("L0", fn, l0, [(_codes(7), 0.1), (_codes(8), 0.5), (_codes(9) - 0.5, 0.2)],
                   "Count units with |z| > threshold in each row, then average over rows.")


# Notebook 05: latent visualisation
def check_dead_fraction(fn: Callable) -> None:
    """fn(z, threshold) → fraction of units never above the threshold on any input."""
    return _compare("dead units", fn, dead_fraction, [(_codes(10), 0.5), (_codes(11), 0.97), (_codes(12) * 0, 0.1)],
                   "A unit is dead when |z| ≤ threshold in every row; return the fraction of such columns.")


def check_top_digits(fn: Callable) -> None:
    """fn(z, unit, k) → indices of the k inputs with the largest activation of `unit`, largest first."""
    return _compare("top-activating inputs", fn, lambda z, unit, k: z[:, unit].topk(k).indices,
                    [(_codes(17), 3, 5), (_codes(18, n=30, units=5), 0, 1)],
                    "Take column `unit` of z and use .topk(k).indices (or argsort(descending=True)[:k]).")


def check_class_means(fn: Callable) -> None:
    """fn(z, labels) → [n_classes, units] average code of each class (classes 0 … max label)."""
    def reference(z, labels):
        return torch.stack([z[labels == c].mean(dim=0) for c in range(int(labels.max()) + 1)])

    labels = torch.arange(50) % 5
    return _compare("average code per class", fn, reference, [(_codes(13), labels), (_codes(14), labels.flip(0))],
                   "Select the rows of each class with a boolean mask and average them.")


# Notebook 06: dictionary learning
def check_mmcs(fn: Callable) -> None:
    """fn(true_atoms, learned_atoms) → mean over true atoms of the best cosine similarity (rows are atoms)."""
    from .neural import mmcs

    g = torch.Generator().manual_seed(15)
    true = torch.randn(6, 5, generator=g, dtype=torch.float64)
    cases = [(true, true * 2), (true, torch.randn(9, 5, generator=g, dtype=torch.float64)), (true, -true)]
    return _compare("MMCS", fn, mmcs, cases,
                   "Normalise the rows of both, take all cosines true @ learned.T, max over learned atoms, "
                   "mean over true ones.")


def check_unit_norm_columns(fn: Callable) -> None:
    """fn(w) → w with every column rescaled to unit L2 norm."""
    g = torch.Generator().manual_seed(16)
    cases = [(torch.randn(5, 8, generator=g, dtype=torch.float64),),
             (torch.rand(3, 2, generator=g, dtype=torch.float64) * 9,)]
    return _compare("unit-norm columns", fn, lambda w: w / w.norm(dim=0, keepdim=True), cases,
                   "Divide each column by its own L2 norm: w.norm(dim=0, keepdim=True).")


# Notebook 07: edge detectors from natural images
def check_zca(fn: Callable) -> None:
    """fn(x, epsilon) → ZCA-whitened x: U diag(1/√(λ + ε)) Uᵀ (x − mean), covariance xᵀx / n."""
    from .data import zca_whiten

    g = torch.Generator().manual_seed(17)
    mixed = torch.randn(200, 5, generator=g, dtype=torch.float64) @ torch.randn(5, 5, generator=g, dtype=torch.float64)
    scales = torch.tensor([1.0, 4.0, 0.2], dtype=torch.float64)
    shifted = torch.rand(50, 3, generator=g, dtype=torch.float64) * scales + 2.0
    cases = [(mixed, 0.0), (mixed, 0.5), (shifted, 0.01)]
    return _compare("ZCA whitening", fn, zca_whiten, cases,
                   "Subtract each column's mean, take C = xᵀx / n (n, not n − 1), eigh(C) → λ, U, "
                   "then multiply by U diag(1/√(λ + ε)) Uᵀ.")


def check_without_whitening(answer: object) -> None:
    """The prediction question of notebook 07: what changes when the same SAE is trained on unwhitened patches?"""
    check_prediction("without whitening", answer)


# Notebook 08: superposition
def _feature_answer(name: str, answer: object, correct: int, n_features: int, why: str) -> None:
    """PASS when `answer` is the feature index `correct`; a hint otherwise (never raises)."""
    if answer is None or answer is ...:
        return _report(name, False, f"no answer yet: set it to a feature index from 0 to {n_features - 1}")
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < n_features:
        return _report(name, False, f"{answer!r} is not a feature index from 0 to {n_features - 1}")
    if answer != correct:
        return _report(name, False, f"not feature {answer}. {why}")
    _report(name, True)


def check_dropped_feature(answer: object, gram: torch.Tensor) -> None:
    """answer: the feature the toy model does not represent at all, read off the diagonal of WᵀW."""
    gram = torch.as_tensor(gram)
    correct = int(gram.diagonal().argmin())
    _feature_answer("dropped feature", answer, correct, len(gram),
                    "The diagonal of WᵀW holds ‖W_i‖²: the dropped feature's entry is (close to) 0.")


def check_shared_direction(answer: object, gram: torch.Tensor, feature: int = 0) -> None:
    """answer: the feature on the same line as `feature` but pointing the other way (most negative WᵀW entry)."""
    gram = torch.as_tensor(gram).clone()
    gram[feature, feature] = float("inf")
    correct = int(gram[feature].argmin())
    _feature_answer(f"feature sharing a direction with feature {feature}", answer, correct, len(gram),
                    f"Look along row {feature} of WᵀW for the most negative entry: W_i·W_j ≈ −‖W_i‖‖W_j‖ "
                    "means opposite arrows on one line (an antipodal pair).")


def check_resampled_weights(fn: Callable) -> None:
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
                    "For the dead latents only: decoder columns w_dec[:, dead] = unit directions (transposed), "
                    "encoder rows w_enc[dead] = unit directions · encoder_norm, biases b_enc[dead] = 0. "
                    "Work on clones: the inputs must not change.")


# Notebook 09: modern architectures
def check_topk(fn: Callable) -> None:
    """fn(pre, k) → codes keeping each row's k largest pre-activations (ReLU'd) and zeros elsewhere."""
    g = torch.Generator().manual_seed(18)
    cases = [(torch.randn(5, 8, generator=g, dtype=torch.float64), 3),
             (torch.randn(4, 6, generator=g, dtype=torch.float64) - 1.0, 2),  # mostly negative: ReLU matters
             (torch.randn(3, 5, generator=g, dtype=torch.float64), 5)]
    return _compare("TopK activation", fn, lambda pre, k: TopK(k)(pre), cases,
                    "torch.topk(pre, k, dim=1) gives values and indices; "
                    "scatter the ReLU'd values into zeros_like(pre).")


def _threshold_gradient(pre: torch.Tensor, threshold: torch.Tensor, bandwidth: float,
                        grad_output: torch.Tensor) -> torch.Tensor:
    """The library's ∂L/∂θ for JumpReLU, through autograd."""
    theta = threshold.clone().requires_grad_(True)
    JumpReLUFunction.apply(pre, theta, bandwidth).backward(grad_output)
    return theta.grad


def check_jumprelu_threshold_gradient(fn: Callable) -> None:
    """fn(pre, threshold, bandwidth, grad_output) → ∂L/∂θ_j = Σ_b grad_output_bj · (−θ_j/ε) · K((pre_bj − θ_j)/ε)."""
    g = torch.Generator().manual_seed(19)
    cases = []
    for batch, units, eps in [(6, 3, 0.2), (10, 4, 0.5), (4, 2, 0.05)]:
        theta = torch.rand(units, generator=g, dtype=torch.float64) + 0.5
        pre = theta + (torch.rand(batch, units, generator=g, dtype=torch.float64) - 0.5) * 4 * eps
        cases.append((pre, theta, eps, torch.randn(batch, units, generator=g, dtype=torch.float64)))
    return _compare("JumpReLU threshold gradient", fn, _threshold_gradient, cases,
                    "K(u) = 1 when |u| < 1/2, else 0: only pre-activations within ε/2 of θ_j count. Multiply by the "
                    "upstream gradient and −θ_j/ε, then sum over the batch (dim=0).")


# Notebook 10: reading a language model
def check_loss_recovered(fn: Callable) -> None:
    """fn(loss_clean, loss_sae, loss_ablated) → the fraction of the ablation's loss increase the SAE wins back."""
    from .metrics import loss_recovered

    cases = [(1.2, 1.3, 2.2), (1.0, 1.0, 3.0), (1.5, 2.5, 2.0), (0.8, 3.0, 2.8)]  # perfect, worse than ablating
    return _compare("loss recovered", fn, loss_recovered, cases,
                    "Compare how far the SAE's loss is below the ablated loss with how far the clean loss is: "
                    "1 is as good as the real neurons, 0 no better than ablating them, below 0 worse.")


# Notebook 11: are the features real?
_COMMENT_CASES = [
    "x = 1  # one\n",
    "# a comment line\ny = '# not a comment'\n",
    'def f():\n    """# still a docstring"""\n    return 2  # two # three\n',
]


def check_comment_labels(fn: Callable) -> None:
    """fn(text) → one boolean per character of `text`: True inside a comment (tokenize's COMMENT tokens)."""
    from .concepts import label_source

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
    from .concepts import top_precision

    return float(top_precision(acts[:, None], labels[:, None], k)[0, 0])


def check_top_precision(fn: Callable) -> None:
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
                    "acts.topk(k) gives the positions of the k largest; keep those whose activation is > 0 and "
                    "take the mean of labels there (as a float).")


def check_measured_failure(latent: object, precisions: torch.Tensor, reason: object) -> None:
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
    _report(name, True)
    print(f"      latent {latent}: best concept holds in only {precision:.0%} of its top activations. Your reason: "
          f"{reason}")
