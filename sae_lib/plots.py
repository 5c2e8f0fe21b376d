"""Figures for the course. Each function returns a matplotlib Figure and saves it when given a path.

Figures are built with `matplotlib.figure.Figure` (not pyplot), so they display once in Jupyter
when returned, never pile up in memory, and work in scripts with no display.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor

from .training import History


def show_figures_in_jupyter() -> None:
    """In a running IPython kernel, display returned Figures as PNG (even if pyplot was never imported)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"})


show_figures_in_jupyter()


def finish(fig: Figure, path: str | Path | None) -> Figure:
    """Tighten the layout and save to `path` if given."""
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    return fig


def as_images(x: Tensor | np.ndarray) -> np.ndarray:
    """[N, 784] or [N, 1, 28, 28] → a numpy [N, 28, 28] stack (square images only)."""
    x = torch.as_tensor(x).detach().cpu().float()
    side = int(round(x[0].numel() ** 0.5))
    if side * side != x[0].numel():
        raise ValueError(f"cannot draw {x[0].numel()} values per sample as a square image")
    return x.reshape(len(x), side, side).numpy()


def image_grid(images: np.ndarray, ncols: int, titles: Sequence[str] | None = None, cmap: str = "gray",
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
    return finish(image_grid(as_images(images[:n]), ncols, titles), path)


def plot_reconstructions(originals: Tensor, reconstructions: Tensor, n: int = 8, path: str | Path | None = None) -> Figure:
    """Originals (top row) above their reconstructions (bottom row)."""
    n = min(n, len(originals))
    fig = image_grid(np.concatenate([as_images(originals[:n]), as_images(reconstructions[:n])]), n)
    fig.axes[0].set_title("original", fontsize=9, loc="left")
    fig.axes[n].set_title("reconstruction", fontsize=9, loc="left")
    return finish(fig, path)


def plot_losses(history: History, path: str | Path | None = None) -> Figure:
    """Reconstruction and sparsity loss per epoch, in separate panels, train and test."""
    fig = Figure(figsize=(9, 3.2))
    axes = fig.subplots(1, 2)
    epochs = np.arange(1, len(history.train_recon) + 1)
    for ax, name in zip(axes, ["recon", "sparsity"]):
        ax.plot(epochs, getattr(history, f"train_{name}"), label="train")
        if getattr(history, f"test_{name}"):
            ax.plot(epochs, getattr(history, f"test_{name}"), label="test")
        ax.set(xlabel="epoch", title="reconstruction loss" if name == "recon" else "sparsity penalty (unweighted)")
        ax.legend()
    return finish(fig, path)


def plot_latent_histogram(z: Tensor, bins: int = 50, path: str | Path | None = None) -> Figure:
    """Histogram of all latent activations (a sparse code piles up near 0)."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    ax.hist(z.detach().cpu().flatten().numpy(), bins=bins, color="tab:blue")
    ax.set(xlabel="activation", ylabel="count", title="latent activations", yscale="log")
    return finish(fig, path)


def plot_latent_heatmap(z: Tensor, n: int = 40, path: str | Path | None = None) -> Figure:
    """Seaborn heatmap of codes: one row per sample, one column per latent unit."""
    import seaborn as sns  # imported here: seaborn pulls in scipy.stats, over a second to import

    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    sns.heatmap(z[:n].detach().cpu().numpy(), ax=ax, cmap="viridis", cbar_kws={"label": "activation"})
    ax.set(xlabel="latent unit", ylabel="sample", title="latent codes")
    return finish(fig, path)


def plot_mean_activation(z: Tensor, rho: float | None = None, path: str | Path | None = None) -> Figure:
    """Mean activation ρ̂_j of each unit, with the target ρ as a horizontal line."""
    rho_hat = z.detach().cpu().float().mean(dim=0).numpy()
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    ax.bar(np.arange(len(rho_hat)), rho_hat, color="tab:blue")
    if rho is not None:
        ax.axhline(rho, color="tab:red", linestyle="--", label=f"target ρ = {rho:g}")
        ax.legend()
    ax.set(xlabel="latent unit", ylabel="mean activation ρ̂", title="mean activation per unit")
    return finish(fig, path)


def plot_decoder_features(features: Tensor, ncols: int = 8, path: str | Path | None = None) -> Figure:
    """Decoder features (one row per latent unit, e.g. from metrics.decoder_features) as image tiles."""
    fig = image_grid(as_images(features), ncols, [f"unit {j}" for j in range(len(features))],
                     cmap="RdBu_r", symmetric=True)
    return finish(fig, path)


def plot_feature_density(codes: dict[str, Tensor], threshold: float = 0.0, bins: int = 30,
                         path: str | Path | None = None) -> Figure:
    """log₁₀ feature density per latent (the share of inputs it fires on), one panel per named set of codes.

    Dead latents (density 0, log₁₀ = −∞) get their own red bar left of the axis break, so they are counted, not lost.
    """
    densities = {name: (z.detach().cpu().abs() > threshold).float().mean(dim=0).numpy() for name, z in codes.items()}
    alive = np.concatenate([d[d > 0] for d in densities.values()])
    low = np.floor(np.log10(alive.min())) if len(alive) else -3.0
    edges = np.linspace(low, 0.0, bins + 1)
    fig = Figure(figsize=(4.2 * len(codes), 3.2))
    axes = fig.subplots(1, len(codes), squeeze=False)[0]
    for ax, (name, density) in zip(axes, densities.items()):
        dead = int((density == 0).sum())
        ax.hist(np.log10(density[density > 0]), bins=edges, color="tab:blue", label="alive")
        dead_at = low - 0.8  # left of the axis, well clear of the first tick
        ax.bar(dead_at, dead, width=max(edges[1] - edges[0], 0.15), color="tab:red", label=f"dead ({dead})")
        ticks = np.arange(low, 0.5)
        ax.set_xticks([dead_at, *ticks], ["dead", *[f"{t:g}" for t in ticks]])
        ax.set_xlim(dead_at - 0.4, 0.2)
        ax.set(xlabel="log₁₀ feature density", ylabel="latents", title=f"{name}: {dead} of {len(density)} dead")
        ax.legend(fontsize=8)
    return finish(fig, path)
