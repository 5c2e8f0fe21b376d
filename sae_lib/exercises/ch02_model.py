"""Checkers and questions of notebook 02: the model.

`check_sae_module` runs the learner's own sparse autoencoder against the library's `SparseAutoencoder` on
the same weights and the same batch (as ARENA's SAE exercises test a learner's class against a reference):
it copies the library model's weights into the learner's layers, then compares the code z, the
reconstruction x̂ and the gradients of a loss with respect to every parameter, and names the first
difference.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..model import SAEConfig, SparseAutoencoder
from ._checking import PREDICTIONS, CheckResult, _compare, _matches, _report, _short

PREDICTIONS.update({
    "mean activation of an untrained sigmoid code": (  # notebook 02
        "0.5", ("0", "0.5", "1"),
        "Small weights give pre-activations near 0, and σ(0) = 0.5: nothing is sparse yet.",
        {"0": "a code near 0 is what sparsity training aims for; before any training, what does a sigmoid output "
              "for a pre-activation near 0, which small centred weights give?",
         "1": "a sigmoid outputs near 1 only for large positive pre-activations; are small weights centred on 0 "
              "likely to give those?"}),
})


__all__ = ["check_parameter_count", "check_sae_module"]

#: The sizes the learner's class is built with: the notebook's model, and a small one with other sizes, which
#: catches a class that ignores its arguments. All three sizes differ, so every weight shape is distinct.
MODULE_SIZES = ((784, 128, 32), (20, 12, 7))
#: Same weights, same batch, float32 on both sides: only the order of floating-point operations may differ.
_RTOL, _ATOL = 1e-5, 1e-6


def check_parameter_count(fn: Callable) -> CheckResult:
    """fn(input_dim, hidden_dims, latent_dim) → number of weights and biases in the SparseAutoencoder."""
    def actual(input_dim: int, hidden_dims: tuple, latent_dim: int) -> int:
        model = SparseAutoencoder(SAEConfig(input_dim=input_dim, hidden_dims=hidden_dims, latent_dim=latent_dim))
        return sum(p.numel() for p in model.parameters())

    def diagnose(input_dim: int, hidden_dims: tuple, latent_dim: int, got: object) -> str | None:
        widths = [input_dim, *hidden_dims, latent_dim]
        pairs = list(zip(widths[:-1], widths[1:]))
        weights = sum(a * b for a, b in pairs)
        mistakes = {
            2 * weights: "you counted the weights but not the biases",
            weights + sum(b for _, b in pairs): "that is the encoder alone: count the decoder too",
            2 * sum(a * b + a for a, b in pairs): "a Linear layer has one bias per output, not one per input",
            weights: "that is the encoder's weights alone, without biases or the decoder",
        }
        return next((why for count, why in mistakes.items() if _matches(got, count)), None)

    cases = [(784, (128,), 32), (784, (), 1000), (10, (6, 4), 3)]
    return _compare("parameter count", fn, actual, cases,
                    "Walk through the layers in order, encoder then decoder, and add up each one's parameters.",
                    diagnose=diagnose)


def check_sae_module(cls: object) -> CheckResult:
    """cls(input_dim, hidden_dim, latent_dim) → an nn.Module whose forward(x) returns (x_hat, z) as the library's does.

    The library's model for the same sizes is built, its weights are copied into the learner's Linear layers
    (matched by shape, so the learner may name and order them freely), and both run on the same batch: z, x̂
    and the gradients of a loss that uses both must agree. PASS, or FAIL naming the first difference.
    """
    name = "your sparse autoencoder"
    if isinstance(cls, nn.Module):
        return _report(name, False, f"pass the class itself, not a model built from it (got {type(cls).__name__}(...))")
    if not callable(cls):
        return _report(name, False, f"expected a class, an nn.Module subclass, got {_short(cls)}")
    for seed, sizes in enumerate(MODULE_SIZES):
        with torch.random.fork_rng():  # building both models draws random weights: leave the notebook's state alone
            problem = _module_problem(cls, sizes, seed)
        if problem is not None:
            label = getattr(cls, "__name__", "your class")
            return _report(name, False, f"{label}{sizes}: {problem}")
    return _report(name, True)


def _module_problem(cls: Callable, sizes: tuple[int, int, int], seed: int) -> str | None:
    """What is wrong with the learner's class built at `sizes` (compared with the library on one batch), or None."""
    input_dim, hidden_dim, latent_dim = sizes
    try:
        learner = cls(input_dim, hidden_dim, latent_dim)
    except NotImplementedError:
        return "not implemented yet: fill in __init__ and forward"
    except Exception as error:  # the learner's constructor may fail in any way: say how
        advice = " (call super().__init__() first)" if "__init__() call" in str(error) else ""
        return f"building it raised {type(error).__name__}: {error}{advice}"
    if not isinstance(learner, nn.Module):
        return f"it built a {type(learner).__name__}, not an nn.Module: subclass nn.Module"
    torch.manual_seed(seed)
    reference = SparseAutoencoder(SAEConfig(input_dim=input_dim, hidden_dims=(hidden_dim,), latent_dim=latent_dim))
    pairs, problem = _shared_weights(learner, reference)
    if problem is not None:
        return problem + (" (does __init__ use its arguments?)" if seed > 0 and "parameters" in problem else "")
    x = torch.rand(16, input_dim, generator=torch.Generator().manual_seed(seed))
    try:
        got = learner(x.clone())
    except NotImplementedError:
        return "forward is not implemented yet"
    except Exception as error:
        return f"forward raised {type(error).__name__}: {error}"
    problem = _output_problem(got, len(x), input_dim, latent_dim)
    if problem is not None:
        return problem
    x_hat, z = got
    problem = _code_problem(z, reference, x) or _reconstruction_problem(x_hat, reference, x)
    if problem is not None:
        return problem
    return _gradient_problem(learner, reference, pairs, x, x_hat, z, seed)


def _shared_weights(learner: nn.Module, reference: SparseAutoencoder) -> tuple[list, str | None]:
    """Copy the reference's weights into the learner's parameters; return the (learner, reference) parameter pairs.

    The learner's nn.Linear layers are matched to the library's four by weight shape (all distinct here);
    a learner who stores raw parameters instead gets them matched in the library's order, if the shapes agree.
    """
    expected = list(reference.named_parameters())
    mine = list(learner.named_parameters())
    n_mine, n_expected = sum(p.numel() for _, p in mine), sum(p.numel() for _, p in expected)
    if n_mine != n_expected:
        shapes = ", ".join(f"{tuple(p.shape)}" for _, p in mine) or "none"
        return [], (f"it has {n_mine:,} parameters, the library's model {n_expected:,} (yours: {shapes}): "
                    f"check each Linear layer's sizes, and that every layer has its bias")
    ref_linears = [m for m in reference.modules() if isinstance(m, nn.Linear)]
    my_linears = [m for m in learner.modules() if isinstance(m, nn.Linear)]
    by_shape = {tuple(m.weight.shape): m for m in ref_linears}
    pairs = []
    if (len(my_linears) == len(ref_linears) and all(m.bias is not None for m in my_linears)
            and {tuple(m.weight.shape) for m in my_linears} == set(by_shape)):
        for m in my_linears:
            ref = by_shape[tuple(m.weight.shape)]
            pairs += [(m.weight, ref.weight), (m.bias, ref.bias)]
    elif [p.shape for _, p in mine] == [p.shape for _, p in expected]:
        pairs = [(p, q) for (_, p), (_, q) in zip(mine, expected)]
    else:
        wanted = ", ".join(f"{tuple(m.weight.shape)}" for m in ref_linears)
        got = ", ".join(f"{tuple(m.weight.shape)}" for m in my_linears) or "none"
        return [], (f"could not match your layers to the library's: build it from four nn.Linear layers (with "
                    f"biases), whose weights then have shapes {wanted} in some order; yours: {got}")
    with torch.no_grad():
        for mine_p, ref_p in pairs:
            mine_p.copy_(ref_p)
    return pairs, None


def _output_problem(got: object, batch: int, input_dim: int, latent_dim: int) -> str | None:
    """Why forward's result is not (x_hat [batch, input_dim], z [batch, latent_dim]), or None."""
    if got is None:
        return "forward returned None: did you forget `return x_hat, z`?"
    if isinstance(got, Tensor):
        return f"forward returned one tensor of shape {tuple(got.shape)}: return both, as a tuple (x_hat, z)"
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return f"forward should return a tuple (x_hat, z), got {_short(got)}"
    for what, value in zip(("x_hat", "z"), got):
        if not isinstance(value, Tensor):
            return f"{what} should be a tensor, got a {type(value).__name__}"
    x_hat, z = got
    if tuple(x_hat.shape) == (batch, latent_dim) and tuple(z.shape) == (batch, input_dim):
        return "x_hat and z are swapped: return (x_hat, z) in that order"
    if tuple(z.shape) != (batch, latent_dim):
        return f"z should have shape {(batch, latent_dim)} for a batch of {batch}, got {tuple(z.shape)}"
    if tuple(x_hat.shape) != (batch, input_dim):
        return f"x_hat should be flat like x, shape {(batch, input_dim)}, got {tuple(x_hat.shape)}"
    if not (x_hat.is_floating_point() and z.is_floating_point()):
        return f"x_hat and z should be floating-point tensors, got {x_hat.dtype} and {z.dtype}"
    return None


def _layers(reference: SparseAutoencoder) -> tuple[nn.Linear, nn.Linear, nn.Linear, nn.Linear]:
    """The library model's four Linear layers: encoder hidden, encoder code, decoder hidden, decoder output."""
    return reference.encoder[0], reference.encoder[2], reference.decoder[0], reference.decoder[2]


def _first_gap(got: Tensor, expected: Tensor) -> str:
    """Where two same-shaped tensors differ most, in words."""
    gap = (got.detach().double() - expected.detach().double()).abs()
    i, j = (int(v) for v in torch.unravel_index(gap.argmax(), gap.shape))
    return f"at [{i}, {j}] expected {expected[i, j].item():.4g}, got {got[i, j].item():.4g}"


def _code_problem(z: Tensor, reference: SparseAutoencoder, x: Tensor) -> str | None:
    """None when z is the library's code; else the first difference, named after the mistake it matches."""
    enc_hidden, enc_code, _, _ = _layers(reference)
    with torch.no_grad():
        expected = reference.encode(x)
        if _agrees(z, expected):
            return None
        pre = enc_code(torch.relu(enc_hidden(x)))
        mistakes = [
            (pre, "did you apply the sigmoid to the code?"),
            (torch.relu(pre), "the code's activation is a sigmoid, not a ReLU"),
            (torch.sigmoid(enc_code(enc_hidden(x))), "did you put a ReLU after the encoder's hidden layer?"),
            (torch.sigmoid(enc_code(torch.sigmoid(enc_hidden(x)))),
             "the encoder's hidden layer takes a ReLU; the sigmoid is for the code"),
        ]
    why = next((why for value, why in mistakes if _agrees(z, value)), "check the encoder, layer by layer")
    return f"z differs from the library's code ({_first_gap(z, expected)}): {why}"


def _reconstruction_problem(x_hat: Tensor, reference: SparseAutoencoder, x: Tensor) -> str | None:
    """None when x̂ is the library's reconstruction; else the first difference, named after the mistake it matches."""
    _, _, dec_hidden, dec_out = _layers(reference)
    with torch.no_grad():
        z = reference.encode(x)
        expected = reference.decode(z)
        if _agrees(x_hat, expected):
            return None
        pre = reference.pre_activation(x)
        mistakes = [
            (dec_out(torch.relu(dec_hidden(z))), "did you apply the sigmoid to the output?"),
            (torch.sigmoid(dec_out(dec_hidden(z))), "did you put a ReLU after the decoder's hidden layer?"),
            (torch.sigmoid(dec_out(torch.sigmoid(dec_hidden(z)))),
             "the decoder's hidden layer takes a ReLU; the sigmoid is for the output"),
            (torch.sigmoid(dec_out(torch.relu(dec_hidden(pre)))),
             "decode the code z (after its sigmoid), not the pre-activation"),
        ]
    why = next((why for value, why in mistakes if _agrees(x_hat, value)), "check the decoder, layer by layer")
    return f"x_hat differs from the library's reconstruction ({_first_gap(x_hat, expected)}): {why}"


def _agrees(got: Tensor, expected: Tensor) -> bool:
    """Same values to float32 rounding."""
    return got.shape == expected.shape and torch.allclose(got.detach().double(), expected.double(), _RTOL, _ATOL)


def _gradient_problem(learner: nn.Module, reference: SparseAutoencoder, pairs: list, x: Tensor, x_hat: Tensor,
                      z: Tensor, seed: int) -> str | None:
    """Backpropagate the same loss of (x̂, z) through both models; None when every parameter's gradient agrees."""
    weights = torch.rand(z.shape, generator=torch.Generator().manual_seed(seed + 100))

    def loss(x_hat: Tensor, z: Tensor) -> Tensor:  # reaches every parameter, the encoder also through z directly
        return F.mse_loss(x_hat.double(), x.double()) + 0.01 * (z.double() * weights).sum()

    x_hat_ref, z_ref = reference(x)
    loss(x_hat_ref, z_ref).backward()
    if not (x_hat.requires_grad and z.requires_grad):
        return ("x_hat and z carry no gradient: did forward run under torch.no_grad(), or detach them? "
                "Training needs the gradient")
    try:
        loss(x_hat, z).backward()
    except Exception as error:
        return f"backpropagating through your forward raised {type(error).__name__}: {error}"
    names = {id(p): n for n, p in learner.named_parameters()}
    for mine, ref in pairs:
        if mine.grad is None:
            return (f"no gradient reached {names.get(id(mine), 'a parameter')}: is it used in forward, and not "
                    f"through .detach(), .data or torch.no_grad()?")
        if not torch.allclose(mine.grad.double(), ref.grad.double(), rtol=1e-4, atol=1e-7):
            return (f"the outputs match but the gradient of {names.get(id(mine), 'a parameter')} differs: is part "
                    f"of forward cut from the gradient (.detach(), .data, torch.no_grad())?")
    return None
