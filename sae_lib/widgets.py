"""Interactive widgets: a ρ slider for the KL curve, and the sparsity explorer (ρ and β sliders that retrain).

Figures are drawn once and then updated in place (new data for the same artists), rendered to PNG
and shown in an `ipywidgets.Image`, which behaves the same in JupyterLab, Notebook, Colab and Voilà.
"""

from __future__ import annotations

import base64
import copy
import io
import math
import sys
import time
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, NullFormatter
from PIL import Image

from .data import ImageData
from .metrics import evaluate, reconstruct
from .model import SAEConfig, SparseAutoencoder
from .penalties import check_rho, kl_divergence
from .plots import as_images
from .training import TrainConfig, fit

RHO_OPTIONS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5)
BETA_OPTIONS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
LATENT_OPTIONS = (16, 32, 64)


def enable_colab_widgets() -> None:
    """In Colab, load the widget manager that matches the installed ipywidgets; elsewhere do nothing."""
    if "google.colab" in sys.modules:
        from google.colab import output

        output.enable_custom_widget_manager()


def png_bytes(fig: Figure, dpi: int = 72) -> bytes:
    """Render a figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """Encode what is on an Agg canvas now as PNG bytes (without drawing it again)."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def log_slider(description: str, options: tuple[float, ...], value: float) -> W.SelectionSlider:
    """A slider over log-spaced values (so only valid settings can be chosen)."""
    return W.SelectionSlider(options=[(f"{v:g}", v) for v in options], value=value, description=description,
                             continuous_update=False, style={"description_width": "initial"})


def kl_curve_widget(rho: float = 0.05) -> W.VBox:
    """A log-scale ρ slider above a plot of KL(ρ ‖ ρ̂) against ρ̂ that redraws as ρ moves."""
    rho = check_rho(rho)
    enable_colab_widgets()
    q = torch.linspace(0.001, 0.999, 400, dtype=torch.float64)
    fig = Figure(figsize=(6, 3.2))
    ax = fig.subplots()
    (curve,) = ax.plot(q, q * 0)
    marker = ax.axvline(rho, color="tab:red", linestyle="--")
    ax.set(xlabel="mean activation ρ̂", ylabel="KL(ρ ‖ ρ̂)", ylim=(0, 5))
    fig.tight_layout()
    slider = W.FloatLogSlider(value=rho, base=10, min=-3, max=math.log10(0.9), step=0.05, description="ρ",
                              readout_format=".3f")
    image = W.Image(format="png")

    def redraw(_change: object = None) -> None:
        curve.set_ydata([kl_divergence(slider.value, v.reshape(1)).item() for v in q])
        marker.set_xdata([slider.value, slider.value])
        ax.set_title(f"KL(ρ ‖ ρ̂) for ρ = {slider.value:.3f}: zero at ρ̂ = ρ, steep towards 1")
        image.value = png_bytes(fig, dpi=90)

    slider.observe(redraw, names="value")
    redraw()
    return W.VBox([slider, image])


@dataclass
class Setting:
    """One trained setting of the explorer: its model, metrics and rendered figure."""

    model: SparseAutoencoder
    metrics: dict
    png: bytes


class SparsityExplorer:
    """ρ and β sliders that retrain a small sparse autoencoder and redraw what it learned.

    A base model (784 → latent, sigmoid codes) is trained once without a penalty; each new setting
    copies it and fine-tunes `steps` Adam steps with β·KL(ρ ‖ ρ̂), so results depend only on the
    setting and are cached: returning to a setting is instant. Training uses one CPU thread: the
    model is too small to gain from more, and on shared cores (Binder, CI) extra threads only wait.
    """

    def __init__(self, data: ImageData, rho: float = 0.05, beta: float = 0.1, latent_dim: int = 32,
                 n_train: int = 2000, steps: int = 100, base_steps: int = 600, seed: int = 0,
                 device: str | torch.device = "cpu") -> None:
        enable_colab_widgets()
        self.train_x = data.train_images[:n_train].reshape(-1, 784)
        self.test_x = data.test_images[:500].reshape(-1, 784)
        self.digits = data.test_images[:8]
        self.steps, self.base_steps, self.seed, self.device = steps, base_steps, seed, device
        self.bases: dict[int, SparseAutoencoder] = {}
        self.cache: dict[tuple[float, float, int], Setting] = {}
        self.trainings = 0
        self.syncing = False
        self.rho_slider = log_slider("sparsity target ρ", RHO_OPTIONS, rho if rho in RHO_OPTIONS else 0.05)
        self.beta_slider = log_slider("weight β", BETA_OPTIONS, beta if beta in BETA_OPTIONS else 0.1)
        self.latent_slider = log_slider("latent units", LATENT_OPTIONS, latent_dim if latent_dim in LATENT_OPTIONS else 32)
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        for slider in (self.rho_slider, self.beta_slider, self.latent_slider):
            slider.observe(self.on_slider, names="value")
        self.widget = W.VBox([W.HBox([self.rho_slider, self.beta_slider, self.latent_slider]), self.readout, self.image])
        self.build_figure()
        self.current = self.set(rho, beta, latent_dim)

    def build_figure(self) -> None:
        """The four panels; the artists that change are `animated`, drawn over a cached background."""
        self.figure = Figure(figsize=(10, 4.8), dpi=72)
        self.canvas = FigureCanvasAgg(self.figure)
        grid = self.figure.add_gridspec(2, 3)
        ax_rec = self.figure.add_subplot(grid[0, :])
        ax_hist, self.ax_mean = self.figure.add_subplot(grid[1, 0]), self.figure.add_subplot(grid[1, 1:])
        ax_rec.set_axis_off()
        ax_rec.set_title("test digits (top) and their reconstructions (bottom)", fontsize=10)
        self.mosaic = ax_rec.imshow(np.zeros((56, 8 * 28)), cmap="gray", vmin=0, vmax=1, animated=True)
        self.bins = np.linspace(0, 1, 26)
        self.hist = ax_hist.stairs(np.ones(25), self.bins, fill=True, animated=True)
        ax_hist.set(yscale="log", ylim=(0.8, 500 * max(LATENT_OPTIONS)), xlabel="activation", title="latent activations")
        self.bars = self.ax_mean.vlines(np.arange(max(LATENT_OPTIONS)), 1e-4, 1e-4, linewidth=4, animated=True)
        self.rho_line = self.ax_mean.axhline(0.05, color="tab:red", linestyle="--", animated=True)
        self.ax_mean.set(yscale="log", ylim=(1e-3, 1), xlabel="latent unit", ylabel="mean activation ρ̂",
                         title="mean activation per unit (bars) vs target ρ (red)")
        for axis in (ax_hist.yaxis, self.ax_mean.yaxis):  # plain tick labels: mathtext ones are slow to draw
            axis.set_major_formatter(FormatStrFormatter("%g"))
            axis.set_minor_formatter(NullFormatter())
        self.figure.tight_layout()
        self.backgrounds: dict[int, object] = {}

    def background(self, latent_dim: int) -> object:
        """The figure without its animated artists, for this many units on the x axis (drawn once per size)."""
        if latent_dim not in self.backgrounds:
            self.ax_mean.set_xlim(-0.5, latent_dim - 0.5)
            self.canvas.draw()
            self.backgrounds[latent_dim] = self.canvas.copy_from_bbox(self.figure.bbox)
        return self.backgrounds[latent_dim]

    def render(self, model: SparseAutoencoder, rho: float) -> bytes:
        """Put a model's reconstructions, code histogram and mean activations into the figure; return PNG."""
        x_hat, _ = reconstruct(model, self.digits)
        _, z = reconstruct(model, self.test_x)
        top = np.concatenate(list(as_images(self.digits)), axis=1)
        bottom = np.concatenate(list(as_images(x_hat)), axis=1)
        self.mosaic.set_data(np.concatenate([top, bottom], axis=0))
        counts, _ = np.histogram(z.numpy(), bins=self.bins)
        self.hist.set_data(np.maximum(counts, 1e-3))
        rho_hat = z.mean(dim=0).numpy()
        self.bars.set_segments([[(j, 1e-4), (j, max(r, 1e-4))] for j, r in enumerate(rho_hat)])
        self.rho_line.set_ydata([rho, rho])
        self.canvas.restore_region(self.background(len(rho_hat)))
        for artist in (self.mosaic, self.hist, self.bars, self.rho_line):
            self.figure.draw_artist(artist)
        return canvas_png(self.canvas)

    def base(self, latent_dim: int) -> SparseAutoencoder:
        """The unpenalised starting model for a latent size (trained once, then reused)."""
        if latent_dim not in self.bases:
            torch.manual_seed(self.seed)
            model = SparseAutoencoder(SAEConfig(hidden_dims=(), latent_dim=latent_dim))
            fit(model, self.train_x, penalty="none", steps=self.base_steps, lr=3e-3, seed=self.seed,
                progress=False, device=self.device)
            self.bases[latent_dim] = model
        return self.bases[latent_dim]

    def train_setting(self, rho: float, beta: float, latent_dim: int) -> Setting:
        """Fine-tune a copy of the base model with β·KL(ρ ‖ ρ̂) and render it, on one CPU thread."""
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            model = copy.deepcopy(self.base(latent_dim))
            config = TrainConfig(penalty="kl", rho=rho, beta=beta, steps=self.steps, batch_size=128, lr=2e-2,
                                 seed=self.seed)
            fit(model, self.train_x, config=config, progress=False, device=self.device)
            self.trainings += 1
            return Setting(model, evaluate(model, self.test_x, rho=rho), self.render(model, rho))
        finally:
            torch.set_num_threads(threads)

    def update(self, rho: float, beta: float, latent_dim: int) -> Setting:
        """Show a setting, training it first unless it is cached."""
        rho = check_rho(rho)
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < math.inf:
            raise ValueError(f"beta must be a finite number ≥ 0, got {beta!r}")
        if latent_dim not in LATENT_OPTIONS:
            raise ValueError(f"latent_dim must be one of {LATENT_OPTIONS}, got {latent_dim!r}")
        key = (float(rho), float(beta), int(latent_dim))
        start = time.perf_counter()
        if key not in self.cache:
            self.cache[key] = self.train_setting(*key)
        self.current = self.cache[key]
        self.image.value = self.current.png
        m = self.current.metrics
        self.readout.value = (
            f"<b>test MSE</b> {m['test_mse']:.4f} &nbsp; <b>mean ρ̂</b> {m['mean_rho_hat']:.3f} (target {rho:g}) &nbsp; "
            f"<b>L0</b> {m['l0']:.1f} of {latent_dim} &nbsp; <b>dead units</b> {m['dead_fraction']:.0%} &nbsp; "
            f"<span style='color:gray'>({time.perf_counter() - start:.2f} s)</span>"
        )
        return self.current

    def on_slider(self, _change: object) -> None:
        """Slider callback: show the setting the three sliders now name."""
        if not self.syncing:
            self.update(self.rho_slider.value, self.beta_slider.value, self.latent_slider.value)

    def set(self, rho: float | None = None, beta: float | None = None, latent_dim: int | None = None) -> Setting:
        """Choose a setting from code; each slider moves to its value when that value is one of its stops."""
        rho = self.rho_slider.value if rho is None else rho
        beta = self.beta_slider.value if beta is None else beta
        latent_dim = self.latent_slider.value if latent_dim is None else latent_dim
        setting = self.update(rho, beta, latent_dim)
        self.syncing = True
        try:
            for slider, value in [(self.rho_slider, rho), (self.beta_slider, beta), (self.latent_slider, latent_dim)]:
                if value in [v for _, v in slider.options]:
                    slider.value = value
        finally:
            self.syncing = False
        return setting

    @property
    def model(self) -> SparseAutoencoder:
        """The model of the setting on show."""
        return self.current.model

    @property
    def metrics(self) -> dict:
        """The metrics readout of the setting on show."""
        return self.current.metrics

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The live widget in Jupyter, with the current figure as a static PNG for viewers without a kernel."""
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        bundle["image/png"] = base64.b64encode(self.current.png).decode()
        return bundle
