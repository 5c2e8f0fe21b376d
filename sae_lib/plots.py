"""Figures for the course. Each function returns a matplotlib Figure and saves it when given a path.

Figures are built with `matplotlib.figure.Figure` (not pyplot), so they never pile up in memory and
work in scripts with no display. In Jupyter a returned Figure shows as a picture once the inline
backend is on (`%matplotlib inline`, or importing pyplot); importing sae_lib changes nothing there, except
matplotlib's default colour cycle, which becomes Okabe and Ito's colour-blind-safe palette (`COLORBLIND`), so
the notebooks' own pyplot figures are readable under colour-vision deficiency too.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, NullFormatter
from PIL import Image
from torch import Tensor

from .metrics import feature_density

__all__ = ["BLUE", "COLORBLIND", "SparsityFigure", "VERMILLION", "plot_decoder_features", "plot_feature_density",
    "plot_filters", "plot_images", "plot_latent_heatmap", "plot_latent_histogram", "plot_losses",
    "plot_mean_activation", "plot_population", "plot_reconstructions", "plot_top_activations", "plot_top_atoms",
    "use_colorblind_palette"]

if TYPE_CHECKING:  # a type hint only: plots need nothing from training at run time
    from .training import History

#: Okabe & Ito's colour-blind-safe palette (its colours stay apart under protanopia, deuteranopia and tritanopia;
#: matplotlib's tab10 turns olive and green, or red and brown, into one), in the order figures use it: blue,
#: vermillion, bluish green, orange, reddish purple, sky blue, yellow, black.
COLORBLIND = ("#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
BLUE, VERMILLION = COLORBLIND[0], COLORBLIND[1]


def use_colorblind_palette() -> None:
    """Make COLORBLIND matplotlib's default colour cycle (done on import; call again after a style resets it)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams["axes.prop_cycle"] = cycler(color=list(COLORBLIND))


use_colorblind_palette()


def _finish(fig: Figure, path: str | Path | None) -> Figure:
    """Tighten the layout and save to `path` if given."""
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def _as_images(x: Tensor | np.ndarray) -> np.ndarray:
    """[N, 784] or [N, 1, 28, 28] → a numpy [N, 28, 28] stack (square images only)."""
    x = torch.as_tensor(x).detach().cpu().float()
    side = int(round(x[0].numel() ** 0.5))
    if side * side != x[0].numel():
        raise ValueError(f"cannot draw {x[0].numel()} values per sample as a square image")
    return x.reshape(len(x), side, side).numpy()


def _image_grid(images: np.ndarray, ncols: int, titles: Sequence[str] | None = None, cmap: str = "gray",
               symmetric: bool = False, scale: float = 1.2) -> Figure:
    """A grid of small images without axes, with optional titles."""
    nrows = int(np.ceil(len(images) / ncols))
    fig = Figure(figsize=(scale * ncols, scale * nrows + (0.2 * nrows if titles is not None else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < len(images):
            lim = np.abs(images[i]).max() if symmetric else None
            ax.imshow(images[i], cmap=cmap, vmin=-lim if symmetric else 0, vmax=lim if symmetric else 1)
            if titles is not None:
                ax.set_title(titles[i], fontsize=9)
    return fig


def plot_images(images: Tensor, labels: Tensor | None = None, classes: Sequence[str] | None = None,
                n: int = 16, ncols: int = 8, path: str | Path | None = None) -> Figure:
    """A batch of input images, titled with their labels (class names when given)."""
    labels_list = None if labels is None else [int(y) for y in labels[:n]]
    titles = None if labels_list is None else [classes[y] if classes else str(y) for y in labels_list]
    return _finish(_image_grid(_as_images(images[:n]), ncols, titles), path)


def plot_reconstructions(originals: Tensor, reconstructions: Tensor, n: int = 8,
                         path: str | Path | None = None) -> Figure:
    """Originals (top row) above their reconstructions (bottom row)."""
    n = min(n, len(originals))
    fig = _image_grid(np.concatenate([_as_images(originals[:n]), _as_images(reconstructions[:n])]), n)
    fig.axes[0].set_title("original", fontsize=9, loc="left")
    fig.axes[n].set_title("reconstruction", fontsize=9, loc="left")
    return _finish(fig, path)


def plot_losses(history: History, path: str | Path | None = None) -> Figure:
    """Reconstruction and sparsity loss at each epoch's end, train and test, in two panels with a shared step axis.

    The y axes are logarithmic (the losses span decades in a run) unless a panel has a value ≤ 0 (no penalty).
    """
    fig = Figure(figsize=(9, 3.4))
    axes = fig.subplots(1, 2, sharex=True)
    n = len(history.train_recon)
    # epochs are whole and equally long, so each one ends at a multiple of history.steps / n
    x, xlabel = (np.arange(1, n + 1) * history.steps / n, "optimiser step") if history.steps else (
        np.arange(1, n + 1), "epoch")
    for ax, name in zip(axes, ["recon", "sparsity"]):
        curves = [("train (mean over the epoch)", getattr(history, f"train_{name}")),
                  ("test (after the epoch)", getattr(history, f"test_{name}"))]
        for label, values in curves:
            if values:
                ax.plot(x, values, label=label)
        positive = all(v > 0 for _, values in curves for v in values)
        ax.set(xlabel=xlabel, yscale="log" if positive else "linear",
               ylabel="mean squared error" if name == "recon" else "penalty (KL, L1, …; unweighted)",
               title="reconstruction loss" if name == "recon" else "sparsity penalty (unweighted)")
        ax.legend()
    return _finish(fig, path)


def plot_latent_histogram(z: Tensor, bins: int = 50, path: str | Path | None = None) -> Figure:
    """Histogram of all latent activations (a sparse code piles up near 0)."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    ax.hist(z.detach().cpu().flatten().numpy(), bins=bins, color=BLUE)
    ax.set(xlabel="activation", ylabel="count", title="latent activations", yscale="log")
    return _finish(fig, path)


def plot_latent_heatmap(z: Tensor, n: int = 40, path: str | Path | None = None) -> Figure:
    """Seaborn heatmap of codes: one row per sample, one column per latent unit."""
    import seaborn as sns  # imported here: seaborn pulls in scipy.stats, over a second to import

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    sns.heatmap(z[:n].detach().cpu().numpy(), ax=ax, cmap="viridis", cbar_kws={"label": "activation"})
    ax.set(xlabel="latent unit", ylabel="sample", title="latent codes")
    return _finish(fig, path)


def plot_mean_activation(z: Tensor, rho: float | None = None, path: str | Path | None = None) -> Figure:
    """Mean activation ρ̂_j of each unit, with the target ρ as a horizontal line."""
    rho_hat = z.detach().cpu().float().mean(dim=0).numpy()
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    ax.bar(np.arange(len(rho_hat)), rho_hat, color=BLUE)
    if rho is not None:
        ax.axhline(rho, color=VERMILLION, linestyle="--", label=f"target ρ = {rho:g}")
        ax.legend()
    ax.set(xlabel="latent unit", ylabel="mean activation ρ̂", title="mean activation per unit")
    return _finish(fig, path)


def plot_top_activations(features: Tensor, images: Tensor, z: Tensor, units: Sequence[int], k: int = 8,
                         path: str | Path | None = None) -> Figure:
    """One row per unit: its feature (red adds ink, blue removes it), then the k inputs that activate it most.

    The features share one symmetric colour scale, shown by a colour bar on the right.
    """
    feature_images, inputs = _as_images(features), _as_images(images)
    units = list(units)
    lim = max(float(np.abs(feature_images[unit]).max()) for unit in units)
    fig = Figure(figsize=(1.1 * (k + 1.3) + 0.6, 1.25 * len(units)))
    grid = fig.add_gridspec(len(units), k + 2, width_ratios=[1] * (k + 1) + [0.12])
    axes = np.array([[fig.add_subplot(grid[r, c]) for c in range(k + 1)] for r in range(len(units))])
    for row, unit in zip(axes, units):
        feature = row[0].imshow(feature_images[unit], cmap="RdBu_r", vmin=-lim, vmax=lim)
        row[0].set_title(f"unit {unit}", fontsize=9)
        values, top = torch.as_tensor(z)[:, unit].detach().cpu().topk(k)
        for ax, i, value in zip(row[1:], top.tolist(), values.tolist()):
            ax.imshow(inputs[i], cmap="gray", vmin=0, vmax=1)
            ax.set_title(f"{value:.2f}", fontsize=9)
    for ax in axes.flat:
        ax.set_axis_off()
    fig.colorbar(feature, cax=fig.add_subplot(grid[:, -1]), label="feature weight")
    fig.suptitle("each unit's feature, then the test inputs it responds to most (activation above each)", fontsize=9)
    return _finish(fig, path)


def plot_decoder_features(features: Tensor, ncols: int = 8, path: str | Path | None = None,
                          name: str = "unit", vmax: float | None = None, title: str | None = None) -> Figure:
    """Features (one row per latent unit, e.g. decoder columns) as image tiles titled `name j`; red +, blue −.

    Each tile has its own symmetric scale; given `vmax`, every tile is drawn on ±vmax instead, with one
    colour bar, so tiles (and two figures drawn with the same vmax) can be compared value for value.
    """
    images = _as_images(features)
    if vmax is not None and not (isinstance(vmax, (int, float)) and 0 < vmax < float("inf")):
        raise ValueError(f"vmax must be a finite number > 0 or None, got {vmax!r}")
    fig = _image_grid(images, ncols, [f"{name} {j}" for j in range(len(features))], cmap="RdBu_r", symmetric=True)
    if title is not None:
        fig.suptitle(title, fontsize=10)
    if vmax is None:
        return _finish(fig, path)
    for ax in fig.axes:
        for image in ax.images:
            image.set_clim(-vmax, vmax)
    fig.tight_layout(rect=(0, 0, 0.93, 1))  # leave a strip on the right for the shared colour bar
    fig.colorbar(fig.axes[0].images[0], cax=fig.add_axes((0.945, 0.15, 0.012, 0.7)), label="weight")
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def _canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """Encode what is on an Agg canvas now as PNG bytes (without drawing it again)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class SparsityFigure:
    """The sparsity explorer's figure: test digits above their reconstructions, a histogram of the
    code, and each unit's mean activation against ρ. `render` returns a PNG in ~20 ms.

    Drawing a whole figure (axes, ticks, text) takes far longer than the data, so it is drawn by
    *blitting*: the static parts are drawn once per number of units and kept as a pixel buffer; each
    update restores that buffer and draws only the artists marked `animated=True` on top of it.
    """

    def __init__(self, n_digits: int = 8, max_units: int = 128, side: int = 28) -> None:
        self.figure = Figure(figsize=(10, 4.8), dpi=100)  # the notebooks' dpi: 10-pt text reads as 10 pt beside them
        self.canvas = FigureCanvasAgg(self.figure)
        grid = self.figure.add_gridspec(2, 3)
        ax_rec = self.figure.add_subplot(grid[0, :])
        ax_hist, self._ax_mean = self.figure.add_subplot(grid[1, 0]), self.figure.add_subplot(grid[1, 1:])
        ax_rec.set_axis_off()
        ax_rec.set_title("test digits (top) and their reconstructions (bottom)", fontsize=10)
        # animated=True keeps these out of canvas.draw(): they are drawn by hand over the cached background
        self._mosaic = ax_rec.imshow(np.zeros((2 * side, n_digits * side)), cmap="gray", vmin=0, vmax=1, animated=True)
        self._bins = np.linspace(0, 1, 26)
        self._hist = ax_hist.stairs(np.ones(25), self._bins, fill=True, animated=True)
        ax_hist.set(yscale="log", ylim=(0.8, 500 * max_units), xlabel="activation", ylabel="count (log scale)",
                    title="latent activations")
        self._bars = self._ax_mean.vlines(np.arange(max_units), 1e-4, 1e-4, linewidth=3, animated=True)
        self._rho_line = self._ax_mean.axhline(0.05, color=VERMILLION, linestyle="--", animated=True)
        self._ax_mean.set(yscale="log", ylim=(1e-3, 1), xlabel="latent unit", ylabel="mean activation ρ̂",
                          title="mean activation per unit (bars) vs target ρ (dashed line)")
        for axis in (ax_hist.yaxis, self._ax_mean.yaxis):  # plain tick labels: mathtext ones are slow to draw
            axis.set_major_formatter(FormatStrFormatter("%g"))
            axis.set_minor_formatter(NullFormatter())
        self.figure.tight_layout()
        self._backgrounds: dict[int, object] = {}

    def _background(self, n_units: int) -> object:
        """The figure without its animated artists, x axis sized for `n_units` (drawn once per size, then reused)."""
        if n_units not in self._backgrounds:
            self._ax_mean.set_xlim(-0.5, n_units - 0.5)
            self.canvas.draw()
            self._backgrounds[n_units] = self.canvas.copy_from_bbox(self.figure.bbox)
        return self._backgrounds[n_units]

    def render(self, digits: Tensor, x_hat: Tensor, z: Tensor, rho: float) -> bytes:
        """Show `digits` over their reconstructions `x_hat`, and the codes `z` of a test set; return PNG bytes."""
        top, bottom = np.concatenate(list(_as_images(digits)), axis=1), np.concatenate(list(_as_images(x_hat)), axis=1)
        self._mosaic.set_data(np.concatenate([top, bottom], axis=0))
        z = z.detach().cpu()
        counts, _ = np.histogram(z.numpy(), bins=self._bins)
        self._hist.set_data(np.maximum(counts, 1e-3))  # log axis: empty bins drawn just below it
        rho_hat = z.mean(dim=0).numpy()
        self._bars.set_segments([[(j, 1e-4), (j, max(r, 1e-4))] for j, r in enumerate(rho_hat)])
        self._rho_line.set_ydata([rho, rho])
        self.canvas.restore_region(self._background(len(rho_hat)))
        for artist in (self._mosaic, self._hist, self._bars, self._rho_line):
            self.figure.draw_artist(artist)
        return _canvas_png(self.canvas)


def plot_population(x: Tensor, x_hat: Tensor, path: str | Path | None = None) -> Figure:
    """Original and reconstructed population vectors (one panel per sample, neurons on the x axis)."""
    fig = Figure(figsize=(3 * len(x), 2.6))
    for ax, original, rebuilt in zip(fig.subplots(1, len(x), squeeze=False)[0], x, x_hat):
        ax.plot(original.numpy(), label="original")
        ax.plot(rebuilt.numpy(), label="reconstruction", linestyle="--")
        ax.set(xlabel="neuron", ylabel="activity")
    fig.axes[0].legend(fontsize=9)
    return _finish(fig, path)


def plot_top_atoms(atoms: Tensor, z: Tensor, path: str | Path | None = None, k: int = 8) -> Figure:
    """How often each atom (row of `atoms`) is used in the codes `z`, and the k most used atoms as patterns."""
    usage = feature_density(z, 0.0)
    fig = Figure(figsize=(10, 3.2))
    ax_use, ax_atoms = fig.subplots(1, 2)
    ax_use.bar(range(len(usage)), usage.sort(descending=True).values.numpy())
    ax_use.set(xlabel="atom (most used first)", ylabel="fraction of samples", title="dictionary usage")
    for j in usage.argsort(descending=True)[:k].tolist():
        ax_atoms.plot(atoms[j].numpy(), label=f"atom {j}")
    ax_atoms.set(xlabel="neuron", ylabel="weight", title=f"the {k} most used atoms")
    ax_atoms.legend(fontsize=9, ncol=2)
    return _finish(fig, path)


def plot_filters(filters: Tensor | np.ndarray | Mapping[str, Tensor | np.ndarray], ncols: int = 5,
                 scale: float = 0.45, path: str | Path | None = None) -> Figure:
    """Filters (one square image per row) as a grid of grey tiles, each on its own symmetric scale (0 is mid-grey).

    Pass a dict {title: filters} to draw one titled grid per entry, side by side.
    """
    groups = dict(filters) if isinstance(filters, Mapping) else {"": filters}
    stacks = {title: _as_images(f) for title, f in groups.items()}
    nrows = max(int(np.ceil(len(s) / ncols)) for s in stacks.values())
    fig = Figure(figsize=(len(stacks) * (scale * ncols + 0.3), scale * nrows + 0.4), layout="constrained")
    for subfig, (title, stack) in zip(np.atleast_1d(fig.subfigures(1, len(stacks), wspace=0.04)), stacks.items()):
        for i, ax in enumerate(subfig.subplots(nrows, ncols, squeeze=False).flat):
            ax.set_axis_off()
            if i < len(stack):
                lim = max(float(np.abs(stack[i]).max()), 1e-12)  # per tile: a weak filter still shows its shape
                ax.imshow(stack[i], cmap="gray", vmin=-lim, vmax=lim)
        if title:
            subfig.suptitle(title, fontsize=10)
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def plot_feature_density(codes: dict[str, Tensor], threshold: float = 0.0, bins: int = 30,
                         path: str | Path | None = None) -> Figure:
    """log₁₀ feature density per latent (the share of inputs it fires on), one panel per named set of codes.

    Dead latents (density 0, log₁₀ = −∞) get their own bar (vermillion) left of the axis break, so they are counted,
    not lost.
    A value may also be a 1-D tensor of densities already computed (e.g. `LatentCodes.density()`).
    """
    densities = {name: (feature_density(z.detach().cpu(), threshold) if z.dim() == 2 else z.detach().cpu()).numpy()
                 for name, z in codes.items()}
    alive = np.concatenate([d[d > 0] for d in densities.values()])
    low = np.floor(np.log10(alive.min())) if len(alive) else -3.0
    edges = np.linspace(low, 0.0, bins + 1)
    fig = Figure(figsize=(4.2 * len(codes), 3.2))
    axes = fig.subplots(1, len(codes), squeeze=False)[0]
    for ax, (name, density) in zip(axes, densities.items()):
        dead = int((density == 0).sum())
        ax.hist(np.log10(density[density > 0]), bins=edges, color=BLUE, label="alive")
        dead_at = low - 0.8  # left of the axis, well clear of the first tick
        ax.bar(dead_at, dead, width=max(edges[1] - edges[0], 0.15), color=VERMILLION, label=f"dead ({dead})")
        ticks = np.arange(low, 0.5)
        ax.set_xticks([dead_at, *ticks], ["dead", *[f"{t:g}" for t in ticks]])
        ax.set_xlim(dead_at - 0.4, 0.2)
        ax.set(xlabel="log₁₀ feature density", ylabel="latents", title=f"{name}: {dead} of {len(density)} dead")
        ax.legend(fontsize=9)
    return _finish(fig, path)
