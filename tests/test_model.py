"""SparseAutoencoder shapes, configurations and input checks."""

import pytest
import torch

from sae_lib import SAEConfig, SparseAutoencoder


def test_default_is_the_classic_784_128_32_model():
    model = SparseAutoencoder()
    widths = [m.out_features for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [128, 32, 128, 784]
    assert isinstance(model.encoder[-1], torch.nn.Sigmoid) and isinstance(model.decoder[-1], torch.nn.Sigmoid)


@pytest.mark.parametrize(
    "hidden, latent, act",
    [((128,), 32, "sigmoid"), ((), 16, "relu"), ((256, 64), 8, "linear"), ((), 1024, "relu"), ((64,), 2000, "sigmoid")],
)
def test_shapes_for_under_and_over_complete_models(hidden, latent, act):
    model = SparseAutoencoder(SAEConfig(hidden_dims=hidden, latent_dim=latent, latent_activation=act))
    images = torch.rand(5, 1, 28, 28)
    x_hat, z = model(images)
    assert z.shape == (5, latent) and x_hat.shape == (5, 784)
    assert model.encode(images.reshape(5, 784)).shape == (5, latent)
    assert model.decode(z).shape == (5, 784)


def test_image_and_flat_inputs_give_the_same_output():
    model = SparseAutoencoder()
    x = torch.rand(3, 1, 28, 28)
    torch.testing.assert_close(model(x)[0], model(x.reshape(3, 784))[0])


def test_activations_set_code_ranges():
    x = torch.randn(64, 784)
    assert ((SparseAutoencoder(latent_activation="relu").encode(x)) >= 0).all()
    z = SparseAutoencoder().encode(x)
    assert ((z > 0) & (z < 1)).all()
    assert (SparseAutoencoder(latent_activation="linear").encode(x) < 0).any()
    out = SparseAutoencoder(output_activation="none", hidden_dims=()).decode(torch.randn(4, 32) * 10)
    assert (out < 0).any() or (out > 1).any()


def test_wrong_input_width_raises_clear_error():
    with pytest.raises(ValueError, match="700 features.*input_dim=784"):
        SparseAutoencoder()(torch.rand(2, 700))
    with pytest.raises(ValueError, match=r"\[batch, 32\]"):
        SparseAutoencoder().decode(torch.rand(2, 31))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"latent_dim": 0}, "latent_dim"),
        ({"input_dim": -3}, "input_dim"),
        ({"hidden_dims": (128, 0)}, "hidden_dims"),
        ({"latent_activation": "tanh"}, "latent_activation"),
        ({"output_activation": "softmax"}, "output_activation"),
        ({"unit_norm_decoder": True}, "unit_norm_decoder"),
    ],
)
def test_bad_config_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SAEConfig(**kwargs)


def test_unit_norm_decoder_columns():
    model = SparseAutoencoder(SAEConfig(input_dim=64, hidden_dims=(), latent_dim=256, latent_activation="relu",
                                        output_activation="none", unit_norm_decoder=True))
    torch.testing.assert_close(model.dictionary.norm(dim=1), torch.ones(256))
    with pytest.raises(ValueError, match="single-layer"):
        _ = SparseAutoencoder().dictionary


def test_literal_types_list_exactly_the_accepted_options():
    from typing import get_args

    from sae_lib.model import ACTIVATIONS, OUTPUT_ACTIVATIONS, LatentActivation, OutputActivation
    from sae_lib.training import LOSSES, PENALTIES, Loss, Penalty

    assert set(get_args(LatentActivation)) == set(ACTIVATIONS) and set(get_args(OutputActivation)) == set(OUTPUT_ACTIVATIONS)
    assert get_args(Penalty) == PENALTIES and get_args(Loss) == LOSSES


def test_every_public_name_exists_and_helpers_are_private():
    import importlib

    for name in ["checkpoint", "cli", "data", "exercises", "frontier", "metrics", "model", "neural", "penalties", "plots",
                 "superposition", "training", "widgets"]:
        module = importlib.import_module(f"sae_lib.{name}")
        assert module.__all__ and all(hasattr(module, n) for n in module.__all__), name
        assert not any(n.startswith("_") for n in module.__all__), name
