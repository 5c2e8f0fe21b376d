"""Every plot returns a Figure with the panels it promises and saves a PNG when asked."""

import pytest
import torch
from matplotlib.figure import Figure

from sae_lib import History, SparseAutoencoder, plots
from sae_lib.metrics import decoder_features


@pytest.fixture(scope="module")
def codes():
    torch.manual_seed(0)
    return torch.rand(30, 32) ** 4


def check(fig, path, n_axes):
    assert isinstance(fig, Figure) and len(fig.axes) >= n_axes
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_image_plots(mnist, tmp_path):
    check(plots.plot_images(mnist.train_images, mnist.train_labels, n=10, ncols=5, path=tmp_path / "a.png"), tmp_path / "a.png", 10)
    fig = plots.plot_images(mnist.train_images, mnist.train_labels, n=4, ncols=4)
    assert [ax.get_title() for ax in fig.axes] == [str(int(y)) for y in mnist.train_labels[:4]]
    fig = plots.plot_reconstructions(mnist.test_images[:6], torch.rand(6, 784), path=tmp_path / "r.png")
    check(fig, tmp_path / "r.png", 12)


def test_loss_curves_have_recon_and_sparsity_panels(tmp_path):
    h = History(train_recon=[0.1, 0.05], train_sparsity=[2.0, 1.0], train_total=[0.2, 0.1],
                test_recon=[0.1, 0.06], test_sparsity=[2.0, 1.1], test_total=[0.2, 0.1])
    fig = plots.plot_losses(h, path=tmp_path / "l.png")
    check(fig, tmp_path / "l.png", 2)
    assert "reconstruction" in fig.axes[0].get_title() and "sparsity" in fig.axes[1].get_title()
    assert len(fig.axes[0].lines) == 2


def test_latent_plots(codes, tmp_path):
    check(plots.plot_latent_histogram(codes, path=tmp_path / "h.png"), tmp_path / "h.png", 1)
    check(plots.plot_latent_heatmap(codes, n=20, path=tmp_path / "m.png"), tmp_path / "m.png", 2)  # heatmap + colour bar
    fig = plots.plot_mean_activation(codes, rho=0.05, path=tmp_path / "p.png")
    check(fig, tmp_path / "p.png", 1)
    assert fig.axes[0].lines[0].get_ydata()[0] == 0.05 and len(fig.axes[0].patches) == 32


def test_decoder_feature_tiles(tmp_path):
    fig = plots.plot_decoder_features(decoder_features(SparseAutoencoder(latent_dim=12)), ncols=6, path=tmp_path / "f.png")
    check(fig, tmp_path / "f.png", 12)


def test_non_square_inputs_are_refused():
    with pytest.raises(ValueError, match="square"):
        plots.plot_images(torch.rand(3, 50))


def test_filter_grids_side_by_side_each_tile_on_its_own_symmetric_scale(tmp_path):
    filters = torch.randn(25, 64) * torch.linspace(0.01, 10, 25)[:, None]
    fig = plots.plot_filters({"a": filters, "b": filters[:7].reshape(7, 8, 8)}, ncols=5, path=tmp_path / "f.png")
    check(fig, tmp_path / "f.png", 50)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 32
    for image, f in zip(images, filters):
        assert image.get_clim() == pytest.approx((-f.abs().max().item(), f.abs().max().item()), rel=1e-5)
    assert [sf._suptitle.get_text() for sf in fig.subfigs] == ["a", "b"]
    assert len(plots.plot_filters(filters[:3], ncols=3).axes) == 3
    with pytest.raises(ValueError, match="square"):
        plots.plot_filters(torch.randn(4, 10))


def test_feature_density_counts_dead_latents_in_their_own_bar():
    z = torch.zeros(100, 6)
    z[:50, 0] = 1.0   # density 0.5
    z[:5, 1] = 2.0    # density 0.05
    z[:1, 2] = 0.3    # density 0.01; latents 3, 4, 5 dead
    fig = plots.plot_feature_density({"before": z, "after": z[:, :3]})
    ax_before, ax_after = fig.axes
    assert ax_before.get_title() == "before: 3 of 6 dead" and ax_after.get_title() == "after: 0 of 3 dead"
    heights = [p.get_height() for p in ax_before.patches]
    assert sum(heights) == 6 and 3 in heights  # 3 alive in the histogram, one bar of 3 dead


def test_sparsity_figure_redraws_from_data():
    from sae_lib.plots import SparsityFigure

    figure = SparsityFigure(n_digits=4, max_units=16)
    digits = torch.rand(4, 1, 28, 28)
    a = figure.render(digits, digits.reshape(4, -1), torch.rand(50, 16) * 0.1, rho=0.05)
    b = figure.render(digits, torch.zeros(4, 784), torch.rand(50, 8), rho=0.2)
    assert a[:4] == b[:4] == b"\x89PNG" and a != b


def test_decoder_features_on_one_shared_scale_get_one_colour_bar(tmp_path):
    features = torch.randn(6, 64) * torch.arange(1, 7)[:, None]
    fig = plots.plot_decoder_features(features, ncols=3, vmax=2.5, title="shared", path=tmp_path / "s.png")
    check(fig, tmp_path / "s.png", 7)
    tiles = [ax for ax in fig.axes if ax.images]
    assert len(tiles) == 6 and all(ax.images[0].get_clim() == (-2.5, 2.5) for ax in tiles)
    assert fig.axes[-1].get_ylabel() == "weight" and fig._suptitle.get_text() == "shared"
    own = plots.plot_decoder_features(features, ncols=3)  # without vmax each tile keeps its own scale
    assert len({ax.images[0].get_clim() for ax in own.axes if ax.images}) == 6
    with pytest.raises(ValueError, match="vmax"):
        plots.plot_decoder_features(features, vmax=0)


def test_top_activations_draw_the_features_on_one_scale_with_a_colour_bar(mnist):
    features = torch.randn(4, 784) * torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    z = torch.rand(len(mnist.test_images), 4)
    fig = plots.plot_top_activations(features, mnist.test_images, z, units=[0, 2], k=3)
    firsts = [ax for ax in fig.axes if ax.get_title().startswith("unit")]
    limit = features[[0, 2]].abs().max().item()
    assert len(firsts) == 2 and all(ax.images[0].get_clim() == pytest.approx((-limit, limit)) for ax in firsts)
    assert fig.axes[-1].get_ylabel() == "feature weight"
