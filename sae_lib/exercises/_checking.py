"""What every chapter's checkers share: running the learner's function against the library's, comparing the
results, and printing one PASS or FAIL line with a hint. A checker never raises on a learner's mistake."""

from __future__ import annotations

import hashlib
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch


@dataclass(frozen=True)
class CheckResult:
    """What a checker found: passed or not, the line it printed, and a score in [0, 1] (partial credit)."""

    name: str
    passed: bool
    message: str
    score: float

    def _ipython_display_(self) -> None:
        """Nothing more to show in a notebook: the checker has printed its PASS or FAIL line already."""


#: Every result of this session, in order: what a grading script collects after running a notebook.
RESULTS: list[CheckResult] = []


def _report(name: str, ok: bool, hint: str = "", score: float | None = None) -> CheckResult:
    """Print one PASS/FAIL line and return (and record) it as a CheckResult."""
    message = f"PASS  {name}" if ok else f"FAIL  {name}: {hint}"
    print(message)
    result = CheckResult(name, bool(ok), message, float(ok) if score is None else float(score))
    RESULTS.append(result)
    return result


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


def _close(got: object, expected: object, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether two checked results agree to `rtol` (relative) / `atol` (absolute); tuples element by element."""
    if isinstance(expected, tuple):
        return all(_close(g, e, rtol, atol) for g, e in zip(got, expected))
    got_t = torch.as_tensor(got.detach() if isinstance(got, torch.Tensor) else _number(got), dtype=torch.float64)
    expected_t = torch.as_tensor(expected, dtype=torch.float64)
    return torch.allclose(got_t.reshape(expected_t.shape), expected_t, rtol=rtol, atol=atol)


def _converted(got: object, expected: object) -> object:
    """`got` as a tensor where a tensor is expected and `got` is a number, or a list, tuple or NumPy array of numbers.

    A list of numbers is a fair answer: it is converted (floats where the expected result is floating-point,
    the expected dtype where both are integers or both booleans) and then compared like any tensor. What
    cannot be read as numbers is returned unchanged, for `_problem` to describe.
    """
    if isinstance(expected, tuple) and isinstance(got, (tuple, list)) and len(got) == len(expected):
        return tuple(_converted(g, e) for g, e in zip(got, expected))
    if isinstance(expected, torch.Tensor) and expected.dim() == 0 and not isinstance(got, torch.Tensor):
        number = _number(got)  # a Python or NumPy number where a one-number tensor is expected
        return got if number is None else torch.tensor(number, dtype=torch.float64)
    if not isinstance(expected, torch.Tensor) or not isinstance(got, (list, tuple, np.ndarray)):
        return got
    try:
        array = np.asarray(got)
    except Exception:  # ragged lists, tensors NumPy cannot read: leave them for the hint
        return got
    kind = array.dtype.kind
    if kind not in "biuf" or array.dtype == object:
        return got
    if expected.is_floating_point():
        return torch.as_tensor(array, dtype=torch.float64)
    tensor = torch.as_tensor(array)
    if kind == "f" or (expected.dtype == torch.bool and kind != "b"):  # keep the values; the comparison judges them
        return tensor
    return tensor.to(expected.dtype)


def _clone(value: object) -> object:
    """A copy of a tensor argument, so the learner's function cannot change the reference's inputs."""
    return value.clone() if isinstance(value, torch.Tensor) else value


_LIBRARY = Path(__file__).resolve().parents[1]  # sae_lib/
_EXERCISES = Path(__file__).resolve().parent  # sae_lib/exercises/


def _in_library(code: object) -> bool:
    """Whether a code object is sae_lib's own implementation (the library, not its exercise checkers)."""
    try:
        path = Path(code.co_filename).resolve()
    except (AttributeError, OSError, ValueError):
        return False
    return path.is_relative_to(_LIBRARY) and not path.is_relative_to(_EXERCISES)


def _implementation(reference: Callable, args: tuple) -> set:
    """The code objects a learner must not merely call: the reference's own and, when the reference is a checker's
    wrapper (a lambda in sae_lib.exercises), the sae_lib functions it calls directly (e.g. TopK(k) inside it)."""
    code = getattr(reference, "__code__", None)
    if code is None:
        return set()
    codes = {code}
    if _in_library(code) or not Path(code.co_filename).resolve().is_relative_to(_EXERCISES):
        return codes
    def watch(frame, event, arg):  # the profiler's signature
        if event == "call" and frame.f_back is not None and frame.f_back.f_code is code and _in_library(frame.f_code):
            codes.add(frame.f_code)
    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        reference(*[_clone(a) for a in args])
    except Exception:  # the comparison itself will report a reference that fails
        pass
    finally:
        sys.setprofile(previous)
    return codes


def _run_watching(fn: Callable, args: tuple, codes: set) -> tuple[object, object]:
    """fn(*args) (exceptions propagate), and the first of `codes` (sae_lib's own implementation) it ran, or None."""
    seen = None
    def watch(frame, event, arg):
        nonlocal seen
        if event == "call" and seen is None and frame.f_code in codes:
            seen = frame.f_code
    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        return fn(*args), seen
    finally:
        sys.setprofile(previous)


def _library_name(reference: Callable, code: object = None) -> str:
    """How to name the library's implementation in a hint: `sae_lib.penalties.kl_divergence`, or the function the
    checker's reference wraps (`sae_lib`'s `TopK.__init__`)."""
    module, name = getattr(reference, "__module__", ""), getattr(reference, "__qualname__", "")
    if module.startswith("sae_lib.") and not module.startswith("sae_lib.exercises") and "<" not in name:
        return f"`{module}.{name}`"
    if code is not None:
        return f"`sae_lib`'s own `{getattr(code, 'co_qualname', code.co_name)}`"
    return "`sae_lib`'s own version"


def _compare(name: str, fn: object, reference: Callable, cases: list[tuple], hint: str, rtol: float = 1e-6,
             atol: float = 1e-9, diagnose: Callable[..., str | None] | None = None,
             also_right: Callable | None = None) -> CheckResult:
    """Run `fn` and `reference` on each case; PASS when every result matches to rtol/atol.

    Never raises on a learner's mistake. A list or NumPy array of numbers where a tensor is expected is
    converted first (`_converted`). `diagnose(*case, got)` may name a common mistake a wrong result matches;
    its sentence then replaces the general `hint`. `also_right(*case)` is a second correct answer where a
    convention differs (a covariance over n − 1 instead of n).

    An exercise asks the learner to write it: a function that is, or only calls, the library's own implementation
    (the reference, or what the checker's reference wraps) fails. A case without arguments checks a value the
    learner computed, so its hint never prints the expected value (that would be the answer)."""
    if not callable(fn):
        return _report(name, False, f"expected a function, got {_short(fn)}. {hint}")
    if fn is reference:
        return _report(name, False, f"that is {_library_name(reference)} itself: write it yourself. {hint}")
    implementation = _implementation(reference, cases[0]) if cases else set()
    for i, args in enumerate(cases):
        try:
            if i == 0 and implementation:
                got, used = _run_watching(fn, [_clone(a) for a in args], implementation)
                if used is not None:
                    return _report(name, False, f"your function calls {_library_name(reference, used)}, the answer "
                                                f"this exercise asks you to write: build it yourself. {hint}")
            else:
                got = fn(*[_clone(a) for a in args])
        except NotImplementedError:
            return _report(name, False, "not implemented yet. " + hint)
        except Exception as error:  # the learner's code may fail in any way: say how
            return _report(name, False, f"{type(error).__name__}: {error}. {hint}")
        expected = reference(*args)
        try:
            got = _converted(got, expected)
            problem = _problem(got, expected)
            if problem is None and not _close(got, expected, rtol, atol) and not (
                    also_right is not None and _close(got, also_right(*args), rtol, atol)):
                problem = (f"for inputs {_short(args)} {_difference(got, expected, rtol, atol)}" if args
                           else _direction(got, expected))
                named = _diagnosis(diagnose, args, got)
                if named is not None:
                    return _report(name, False, f"{problem}: {named}")
        except Exception as error:  # a result of a form no rule above foresaw: still a FAIL, never a crash
            problem = f"could not compare your result ({type(got).__name__}) with the expected one: {error}"
        if problem is not None:
            return _report(name, False, f"{problem}. {hint}")
    return _report(name, True)


def _diagnosis(diagnose: Callable[..., str | None] | None, args: tuple, got: object) -> str | None:
    """The common mistake `diagnose` names for this wrong result, or None (also if diagnosing itself fails)."""
    if diagnose is None:
        return None
    try:
        return diagnose(*args, got)
    except Exception:  # a diagnosis is a courtesy: a result it cannot read falls back to the general hint
        return None


def _matches(got: object, candidate: object, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    """Whether a learner's result equals `candidate` (a common mistake's result): False when it cannot say."""
    try:
        return _problem(got, candidate) is None and _close(got, candidate, rtol, atol)
    except Exception:
        return False


def _difference(got: object, expected: object, rtol: float = 1e-6, atol: float = 1e-9) -> str:
    """Where a result that has the right form differs: which element of a tuple, and where in a large tensor."""
    if isinstance(expected, tuple):
        i = next(i for i, (g, e) in enumerate(zip(got, expected)) if not _close(g, e, rtol, atol))
        return f"result {i + 1} of {len(expected)} differs: " + _difference(got[i], expected[i], rtol, atol)
    if isinstance(expected, torch.Tensor) and expected.numel() > 6:
        gap = (got.detach().double() - expected.double()).abs()
        where = tuple(int(i) for i in torch.unravel_index(gap.argmax(), gap.shape))
        return (f"values differ most at index {where}: expected {expected[where].item():.6g}, "
                f"got {got[where].item():.6g}")
    return f"expected {_short(expected)}, got {_short(got)}"


def _direction(got: object, expected: object) -> str:
    """How a wrong value differs from the answer without saying the answer: too high, too low, or just different."""
    try:
        g, e = float(_number(got)), float(_number(expected))
    except (TypeError, ValueError):
        return "your value is not the right one"
    return f"your value {_short(got)} is too {'high' if g > e else 'low'}"


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


def _option_text(answer: object) -> str:
    """An answer as the text it is compared by: case, surrounding spaces, a trailing period and a number's form
    ("0.50" is "0.5") do not matter."""
    text = str(answer).strip().lower().rstrip(".").strip()
    try:
        return repr(float(text))
    except ValueError:
        return text


def check_choice(name: str, answer: object, correct: str, options: tuple[str, ...], why: str,
                 hints: dict[str, str] | None = None) -> CheckResult:
    """A prediction question: PASS when `answer` is the correct option, else a hint.

    `hints` maps a wrong option to a hint of its own (what that prediction overlooks), so that a three-way
    question is not solved by elimination; without one the hint sends the learner back to the question."""
    if answer is None or answer is ...:
        return _report(name, False, f"no answer yet: set it to one of {', '.join(map(repr, options))}")
    by_text = {_option_text(o): o for o in options}
    chosen = by_text.get(_option_text(answer))
    if chosen is None:
        return _report(name, False, f"{answer!r} is not one of {', '.join(map(repr, options))}")
    if _option_text(chosen) != _option_text(correct):  # the explanation names the right option: it waits
        hint = (hints or {}).get(chosen, "look again at what the question rests on, then answer again")
        return _report(name, False, f"not {chosen!r}: {hint}")
    result = _report(name, True)
    print(f"      {why}")
    return result


class SealedPrediction(NamedTuple):
    """A predict-first question as the library keeps it: the correct option only as a salted hash, the explanation
    encrypted with a key only the correct option gives, each wrong option's hint filed under that option's hash.
    Nothing in it names the answer in plain text (a student can still try every option through the checker)."""

    answer_hash: str
    options: tuple[str, ...]
    why_sealed: bytes
    hints: dict[str, str]
    salt: bytes


def _digest(salt: bytes, purpose: str, option: object) -> str:
    """The salted SHA-256 of an option's comparable text, for one purpose (the answer, a hint's key)."""
    return hashlib.sha256(salt + purpose.encode() + b"\0" + _option_text(option).encode()).hexdigest()


def _keystream(salt: bytes, option: object, n: int) -> bytes:
    """n bytes of key derived from the salt and an option: XOR with it seals and unseals the explanation."""
    return hashlib.shake_256(salt + b"why\0" + _option_text(option).encode()).digest(n)


def seal(entry: tuple) -> SealedPrediction:
    """(correct, options, why[, hints]) → a SealedPrediction (one already sealed is returned as it is)."""
    if isinstance(entry, SealedPrediction):
        return entry
    if not isinstance(entry, tuple) or len(entry) not in (3, 4):
        raise ValueError(f"a prediction is (correct, options, why[, hints]), got {entry!r}")
    correct, options, why, *rest = entry
    if _option_text(correct) not in {_option_text(o) for o in options}:
        raise ValueError(f"the correct answer {correct!r} is not one of the options {options!r}")
    salt = secrets.token_bytes(16)
    text = str(why).encode()
    sealed = bytes(a ^ b for a, b in zip(text, _keystream(salt, correct, len(text))))
    hints = {_digest(salt, "hint", option): hint for option, hint in (rest[0] if rest else {}).items()}
    return SealedPrediction(_digest(salt, "answer", correct), tuple(options), sealed, hints, salt)


def _unsealed_why(entry: SealedPrediction, option: object) -> str | None:
    """The explanation, if `option` is the correct answer (else None)."""
    if _digest(entry.salt, "answer", option) != entry.answer_hash:
        return None
    return bytes(a ^ b for a, b in zip(entry.why_sealed, _keystream(entry.salt, option, len(entry.why_sealed)))
                 ).decode()


class _Predictions(dict):
    """The questions by title; every entry is sealed as it is inserted (`update`, `[...] =`, `setdefault`), so
    the chapters' `PREDICTIONS.update({title: (correct, options, why, hints)})` stores no answer in plain text."""

    def __setitem__(self, key: str, value: tuple) -> None:
        super().__setitem__(key, seal(value))

    def update(self, *args, **kwargs) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: str, default: tuple) -> SealedPrediction:
        if key not in self:
            self[key] = default
        return self[key]


#: The notebooks' predict-first questions: title → SealedPrediction. Each chapter's module adds its own as
#: (correct option, options, why[, hints]), where hints maps a wrong option to a hint of its own; they are sealed
#: on insertion, so that neither the learner's cell nor `PREDICTIONS` shows the answer.
PREDICTIONS: dict[str, SealedPrediction] = _Predictions()


def reveal(question: str) -> tuple[str, tuple[str, ...], str, dict[str, str]]:
    """(correct, options, why, hints) of a question, found the way anyone could: by trying each option. For tests
    and the student edition's leak scanner, not for notebooks."""
    entry = PREDICTIONS[question]
    correct = next(o for o in entry.options if _unsealed_why(entry, o) is not None)
    hints = {o: entry.hints[_digest(entry.salt, "hint", o)] for o in entry.options
             if _digest(entry.salt, "hint", o) in entry.hints}
    return correct, entry.options, _unsealed_why(entry, correct), hints


def check_prediction(question: str, answer: object) -> CheckResult:
    """A predict-first question of the notebooks, by its title (a key of PREDICTIONS): PASS, or FAIL with a hint."""
    if question not in PREDICTIONS:
        raise ValueError(f"question must be one of {sorted(PREDICTIONS)}, got {question!r}")
    entry = PREDICTIONS[question]
    options = entry.options
    if answer is None or answer is ...:
        return _report(question, False, f"no answer yet: set it to one of {', '.join(map(repr, options))}")
    chosen = {_option_text(o): o for o in options}.get(_option_text(answer))
    if chosen is None:
        return _report(question, False, f"{answer!r} is not one of {', '.join(map(repr, options))}")
    why = _unsealed_why(entry, chosen)
    if why is None:  # the explanation names the right option: it waits
        hint = entry.hints.get(_digest(entry.salt, "hint", chosen),
                               "look again at what the question rests on, then answer again")
        return _report(question, False, f"not {chosen!r}: {hint}")
    result = _report(question, True)
    print(f"      {why}")
    return result
