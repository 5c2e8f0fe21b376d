"""The sparsity explorer retrains with the chosen settings, redraws, and caches."""

import time

import ipywidgets as W
import pytest

from sae_lib.widgets import SparsityExplorer, kl_curve_widget, reference_fine_tune_seconds

# The retraining budget of one slider move, as a ratio measured in one run (CI machines differ several-fold in
# speed, so seconds would test the machine): at most this many times a bare PyTorch loop of 125 Adam steps of 32
# digits on a 784 → 128 → 784 sigmoid autoencoder, the work a move needs, with one thread as the explorer uses.
# Measured 1.2-1.4 on quiet and busy machines; the explorer's earlier fine-tune (128 steps of 128) took 2.3-2.4.
MOVE_VS_BARE_LOOP = 1.8


@pytest.fixture(scope="module")
def explorer(mnist):
    return SparsityExplorer(mnist, rho=0.05, beta=0.1, latent_dim=32, n_train=1000, base_steps=300)


@pytest.fixture(scope="module")
def default_explorer(mnist):
    return SparsityExplorer(mnist)


@pytest.mark.slow  # the explorer at its default size: a 1,000-step base model, 20-60 s
def test_default_setting_learns_and_meets_its_target(default_explorer):
    """The explorer's first picture must show a model that learned (issue 10's floor), not the mean digit."""
    m = default_explorer.metrics
    assert m["variance_explained"] >= 0.6
    assert m["mean_rho_hat"] == pytest.approx(m["rho"], rel=0.25)
    assert "mean image" in default_explorer.readout.value and "PCA-128" in default_explorer.readout.value


@pytest.mark.slow  # the explorer at its default size: a 1,000-step base model, 20-60 s
def test_beta_range_runs_from_no_effect_to_a_swamped_reconstruction(default_explorer):
    none = default_explorer.set(beta=0.0).metrics
    tiny = default_explorer.set(beta=1e-4).metrics
    huge = default_explorer.set(beta=10.0).metrics
    assert none["mean_rho_hat"] > 0.3 and tiny["mean_rho_hat"] > 0.2  # dense: no visible sparsity
    assert huge["mean_rho_hat"] == pytest.approx(huge["rho"], rel=0.25)
    assert huge["variance_explained"] < none["variance_explained"] - 0.2


@pytest.mark.slow  # the explorer at its default size: a 1,000-step base model, 20-60 s
def test_new_rho_retrains_and_mean_activation_follows(default_explorer):
    explorer = default_explorer
    before = explorer.trainings
    low = explorer.set(rho=0.02, beta=0.3).metrics["mean_rho_hat"]
    high = explorer.set(rho=0.3).metrics["mean_rho_hat"]
    assert explorer.trainings == before + 2
    assert low == pytest.approx(0.02, rel=0.25) and high == pytest.approx(0.3, rel=0.25)
    assert explorer.rho_slider.value == 0.3 and explorer.beta_slider.value == 0.3
    explorer.set(rho=0.1, beta=0.03)


def test_larger_beta_gives_lower_l0(explorer):
    dense = explorer.set(rho=0.05, beta=0.0).metrics["l0"]
    sparse = explorer.set(rho=0.05, beta=1.0).metrics["l0"]
    assert sparse < 0.5 * dense


def test_slider_change_redraws_figure_and_readout(explorer):
    explorer.set(rho=0.1, beta=0.1)
    png, text, before = explorer.image.value, explorer.readout.value, explorer.trainings
    explorer.rho_slider.value = 0.01
    assert explorer.trainings == before + 1 and explorer.metrics["rho"] == 0.01
    assert explorer.image.value != png and explorer.readout.value != text and "target 0.01" in explorer.readout.value


def test_cached_setting_returns_without_retraining(explorer):
    first = explorer.set(rho=0.2, beta=0.03)
    explorer.set(rho=0.03, beta=0.03)
    count = explorer.trainings
    again = explorer.set(rho=0.2, beta=0.03)
    assert explorer.trainings == count and again is first and explorer.image.value == first.png


def test_latent_size_slider(explorer):
    explorer.set(latent_dim=64)
    assert explorer.model.config.latent_dim == 64 and "of 64" in explorer.readout.value


@pytest.mark.parametrize("kwargs, match", [({"rho": 0.0}, "rho"), ({"rho": 1.5}, "rho"), ({"beta": -0.1}, "beta"),
                                           ({"beta": float("nan")}, "beta"), ({"beta": float("inf")}, "beta"),
                                           ({"latent_dim": 7}, "latent_dim")])
def test_invalid_settings_raise(explorer, kwargs, match):
    with pytest.raises(ValueError, match=match):
        explorer.set(**kwargs)


def test_sliders_offer_only_valid_values(explorer):
    assert all(0 < v < 1 for _, v in explorer.rho_slider.options)
    assert all(v >= 0 for _, v in explorer.beta_slider.options) and 0.0 in [v for _, v in explorer.beta_slider.options]


def test_display_bundle_has_widget_and_static_png(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "image/png" in bundle
    assert isinstance(explorer.widget, W.VBox)


def test_kl_curve_widget_redraws_when_rho_moves():
    widget = kl_curve_widget(0.05)
    slider, image = widget.children
    before = image.value
    slider.value = 0.3
    assert image.value != before and before[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="rho"):
        kl_curve_widget(1.0)


@pytest.mark.slow  # a timing: several retrainings
def test_a_slider_move_costs_about_a_bare_pytorch_fine_tune(default_explorer):
    """Retraining, measuring and redrawing one new setting stays within MOVE_VS_BARE_LOOP of the bare loop."""
    x = default_explorer.trainer.train_x
    moves, bare = [], []
    for rho in (0.02, 0.03, 0.2, 0.3, 0.5):  # interleaved, so a burst of load elsewhere hits both sides
        bare.append(reference_fine_tune_seconds(x))
        start = time.perf_counter()
        default_explorer.set(rho=rho, beta=0.3)
        moves.append(time.perf_counter() - start)
    default_explorer.set(rho=0.1, beta=0.03)
    ratio = min(moves) / min(bare)  # the fastest of each: noise only ever adds time
    assert ratio <= MOVE_VS_BARE_LOOP, f"a slider move took {ratio:.2f}x a bare PyTorch fine-tune " \
                                       f"({min(moves):.2f} s against {min(bare):.2f} s at best)"
