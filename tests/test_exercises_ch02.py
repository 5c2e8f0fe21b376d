"""Notebook 02's checkers: the learner's own sparse autoencoder against the library's, and the parameter count."""

import numpy as np
import pytest
import torch
from torch import nn

from sae_lib import exercises as ex


class ByTheBook(nn.Module):
    """A right answer, as the notebook's reference solution writes it."""

    def __init__(self, input_dim, hidden_dim, latent_dim):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, latent_dim),
                                     nn.Sigmoid())
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, input_dim),
                                     nn.Sigmoid())

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


class OwnOrder(nn.Module):
    """A right answer with its own names, the decoder's layers declared first, activations from torch."""

    def __init__(self, d, h, k):
        super().__init__()
        self.out, self.up = nn.Linear(h, d), nn.Linear(k, h)
        self.code, self.hidden = nn.Linear(h, k), nn.Linear(d, h)

    def forward(self, x):
        z = torch.sigmoid(self.code(torch.relu(self.hidden(x.flatten(1)))))
        return [torch.sigmoid(self.out(torch.relu(self.up(z)))), z]  # a list is a fine pair too


class RawParameters(nn.Module):
    """A right answer from raw parameters (ARENA's style), in the library's order and shapes."""

    def __init__(self, d, h, k):
        super().__init__()
        shapes = [(h, d), (h,), (k, h), (k,), (h, k), (h,), (d, h), (d,)]
        self.w = nn.ParameterList([nn.Parameter(torch.zeros(shape)) for shape in shapes])

    def forward(self, x):
        w = self.w
        z = torch.sigmoid(torch.relu(x @ w[0].T + w[1]) @ w[2].T + w[3])
        return torch.sigmoid(torch.relu(z @ w[4].T + w[5]) @ w[6].T + w[7]), z


def variant(code=nn.Sigmoid, encoder_hidden=nn.ReLU, decoder_hidden=nn.ReLU, output=nn.Sigmoid, detach=False):
    """ByTheBook with one piece changed."""
    class Variant(ByTheBook):
        def __init__(self, d, h, k):
            nn.Module.__init__(self)
            self.encoder = nn.Sequential(nn.Linear(d, h), encoder_hidden(), nn.Linear(h, k), code())
            self.decoder = nn.Sequential(nn.Linear(k, h), decoder_hidden(), nn.Linear(h, d), output())

        def forward(self, x):
            z = self.encoder(x)
            return self.decoder(z.detach() if detach else z), z
    return Variant


@pytest.mark.parametrize("cls", [ByTheBook, OwnOrder, RawParameters])
def test_a_right_module_passes_however_it_is_written(cls, capsys):
    ex.check_sae_module(cls)
    assert capsys.readouterr().out == "PASS  your sparse autoencoder\n"


@pytest.mark.parametrize("cls, hint", [
    (variant(code=nn.Identity), "z differs from the library's code (at ["),
    (variant(code=nn.Identity), "did you apply the sigmoid to the code?"),
    (variant(code=nn.ReLU), "the code's activation is a sigmoid, not a ReLU"),
    (variant(encoder_hidden=nn.Identity), "did you put a ReLU after the encoder's hidden layer?"),
    (variant(encoder_hidden=nn.Sigmoid), "the encoder's hidden layer takes a ReLU"),
    (variant(output=nn.Identity), "did you apply the sigmoid to the output?"),
    (variant(decoder_hidden=nn.Identity), "did you put a ReLU after the decoder's hidden layer?"),
    (variant(decoder_hidden=nn.Tanh), "x_hat differs from the library's reconstruction"),
    (variant(detach=True), "the outputs match but the gradient of encoder.0.weight differs"),
])
def test_a_buggy_module_fails_naming_the_first_difference(cls, hint, capsys):
    ex.check_sae_module(cls)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and hint in out, out


class Unfinished(nn.Module):
    """The notebook's template."""

    def __init__(self, input_dim, hidden_dim, latent_dim):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError


class ForwardUnfinished(ByTheBook):
    def forward(self, x):
        raise NotImplementedError


class NoSuper(nn.Module):
    def __init__(self, d, h, k):
        self.layer = nn.Linear(d, h)


class Crashes(ByTheBook):
    def forward(self, x):
        return self.encoder(x.T)


class ReturnsNothing(ByTheBook):
    def forward(self, x):
        self.encoder(x)


class ReturnsOne(ByTheBook):
    def forward(self, x):
        return super().forward(x)[0]


class Swapped(ByTheBook):
    def forward(self, x):
        return super().forward(x)[::-1]


class ReturnsNumpy(ByTheBook):
    def forward(self, x):
        return tuple(t.detach().numpy() for t in super().forward(x))


class ImageShaped(ByTheBook):
    def forward(self, x):
        x_hat, z = super().forward(x)
        return x_hat.reshape(len(x), 1, -1), z


class FixedSizes(ByTheBook):
    def __init__(self, d, h, k):
        super().__init__(784, 128, 32)


class NoBias(ByTheBook):
    def __init__(self, d, h, k):
        super().__init__(d, h, k)
        self.encoder[0] = nn.Linear(d, h, bias=False)


class Untracked(ByTheBook):
    def forward(self, x):
        with torch.no_grad():
            return super().forward(x)


class Transposed(nn.Module):
    """Raw parameters stored [in, out]: the right count, but no shape the checker can match."""

    def __init__(self, d, h, k):
        super().__init__()
        self.w = nn.ParameterList([nn.Parameter(torch.zeros(s)) for s in [(d, h), (h,), (h, k), (k,), (k, h), (h,),
                                                                           (h, d), (d,)]])


@pytest.mark.parametrize("answer, hint", [
    (Unfinished, "not implemented yet"),
    (ForwardUnfinished, "forward is not implemented yet"),
    (NoSuper, "call super().__init__() first"),
    (Crashes, "forward raised RuntimeError"),
    (ReturnsNothing, "forward returned None"),
    (ReturnsOne, "return both, as a tuple (x_hat, z)"),
    (Swapped, "x_hat and z are swapped"),
    (ReturnsNumpy, "x_hat should be a tensor, got a ndarray"),
    (ImageShaped, "x_hat should be flat like x"),
    (FixedSizes, "does __init__ use its arguments?"),
    (NoBias, "209,840 parameters, the library's model 209,968"),
    (Untracked, "carry no gradient"),
    (Transposed, "could not match your layers to the library's"),
    (ByTheBook(4, 3, 2), "pass the class itself"),
    (None, "expected a class"),
    (lambda d, h, k: "a model", "not an nn.Module"),
    (lambda d, h, k: 1 / 0, "ZeroDivisionError"),
])
def test_a_learners_mistake_is_a_fail_with_a_hint_never_a_crash(answer, hint, capsys):
    ex.check_sae_module(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and hint in out and len(out.strip().splitlines()) == 1, out


def test_the_checker_leaves_the_global_random_state_to_the_learner(capsys):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.check_sae_module(ByTheBook)
    assert torch.equal(torch.rand(3), expected)  # a notebook's later random numbers do not depend on the check


def count_by_hand(d, hidden, k):
    widths = [d, *hidden, k]
    return 2 * sum(a * b for a, b in zip(widths[:-1], widths[1:])) + sum(hidden) * 2 + k + d


@pytest.mark.parametrize("answer", [count_by_hand, lambda d, h, k: np.int64(count_by_hand(d, h, k)),
                                    lambda d, h, k: torch.tensor(count_by_hand(d, h, k)),
                                    lambda d, h, k: float(count_by_hand(d, h, k))])
def test_parameter_count_passes_a_right_count_in_any_number_type(answer, capsys):
    ex.check_parameter_count(answer)
    assert capsys.readouterr().out.startswith("PASS")


def weights_only(d, hidden, k):
    widths = [d, *hidden, k]
    return 2 * sum(a * b for a, b in zip(widths[:-1], widths[1:]))


@pytest.mark.parametrize("answer, hint", [
    (weights_only, "you counted the weights but not the biases"),
    (lambda d, h, k: weights_only(d, h, k) // 2 + sum(h) + k, "that is the encoder alone"),
    (lambda d, h, k: weights_only(d, h, k) + 2 * (d + sum(h)), "one bias per output, not one per input"),
    (lambda d, h, k: count_by_hand(d, h, k) + 1, "Walk through the layers"),  # no named mistake: the general hint
    (lambda d, h, k: (_ for _ in ()).throw(NotImplementedError), "not implemented yet"),
    (lambda d, h, k: None, "returned None"),
    (lambda d, h, k: [count_by_hand(d, h, k)], "expected a single real number"),
    (lambda d, h, k: count_by_hand(d, h, k) + 0.5, "expected a whole number"),
    (lambda d, h, k: d / 0, "ZeroDivisionError"),  # a learner's crash
])
def test_parameter_count_fails_with_a_hint_that_does_not_give_the_formula(answer, hint, capsys):
    ex.check_parameter_count(answer)
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and hint in out and "n_in·n_out" not in out, out


def test_the_untrained_code_question_keeps_its_explanation_from_a_wrong_answer(capsys):
    ex.check_prediction("mean activation of an untrained sigmoid code", "0")
    out = capsys.readouterr().out
    assert out.startswith("FAIL") and "σ(0)" not in out and "0.5" not in out.split(":", 1)[1]
    ex.check_prediction("mean activation of an untrained sigmoid code", "0.5")
    assert "σ(0) = 0.5" in capsys.readouterr().out
