"""Interactive widgets: a ρ slider for the KL curve, and the sparsity explorer (ρ and β sliders that retrain).

Figures are drawn once and then updated in place (new data for the same artists), rendered to PNG
and shown in an `ipywidgets.Image`, which behaves the same in JupyterLab, Notebook, Colab and Voilà.
"""

from __future__ import annotations

import base64
import io
import math
import sys
import time
from dataclasses import dataclass

import ipywidgets as W
import torch
from matplotlib.figure import Figure

from .data import ImageData
from .metrics import baselines, evaluate, reconstruct
from .model import SparseAutoencoder
from .penalties import check_rho, check_weight, kl_divergence
from .plots import VERMILLION, SparsityFigure
from .training import WarmStartTrainer, _torch_threads

__all__ = ["BETA_OPTIONS", "LATENT_OPTIONS", "RHO_OPTIONS", "Setting", "SparsityExplorer", "enable_colab_widgets",
    "kl_curve_widget", "png_bytes", "reference_fine_tune_seconds"]

RHO_OPTIONS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5)
#: From no visible effect (β ≤ 1e-4: the code stays dense) to a KL term that swamps reconstruction (β ≥ 1).
BETA_OPTIONS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
LATENT_OPTIONS = (32, 64, 128)


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


def _log_slider(description: str, options: tuple[float, ...], value: float) -> W.SelectionSlider:
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
    marker = ax.axvline(rho, color=VERMILLION, linestyle="--")
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
    """ρ, β and latent-size sliders that retrain a one-layer sparse autoencoder and redraw what it learned.

    Training is `training.WarmStartTrainer` (fine-tuned copies of a cached unpenalised base, so a
    setting's result does not depend on the path taken to it); drawing is `plots.SparsityFigure`.
    Each setting is cached: returning to it is instant. The readout puts the test MSE and variance
    explained next to two baselines: the mean training image and PCA with as many components as units.
    """

    def __init__(self, data: ImageData, rho: float = 0.1, beta: float = 0.03, latent_dim: int = 128,
                 n_train: int = 4000, steps: int = 125, base_steps: int = 1000, lr: float = 1e-2, seed: int = 0,
                 device: str | torch.device = "cpu", batch_size: int = 32) -> None:
        enable_colab_widgets()
        self.trainer = WarmStartTrainer(data.train_images[:n_train], steps=steps, base_steps=base_steps, lr=lr,
                                        seed=seed, device=device, batch_size=batch_size)
        self.test_x = data.test_images[:500].reshape(-1, data.test_images[0].numel())
        self.digits = data.test_images[:8]
        self.figure = SparsityFigure(n_digits=len(self.digits), max_units=max(LATENT_OPTIONS))
        self.cache: dict[tuple[float, float, int], Setting] = {}
        self._baselines: dict[int, dict] = {}
        self.trainings = 0
        self._syncing = False
        self.rho_slider = _log_slider("sparsity target ρ", RHO_OPTIONS, rho if rho in RHO_OPTIONS else 0.1)
        self.beta_slider = _log_slider("weight β", BETA_OPTIONS, beta if beta in BETA_OPTIONS else 0.03)
        latent = latent_dim if latent_dim in LATENT_OPTIONS else 128
        self.latent_slider = _log_slider("latent units", LATENT_OPTIONS, latent)
        self.image = W.Image(format="png")
        self.readout = W.HTML()
        for slider in (self.rho_slider, self.beta_slider, self.latent_slider):
            slider.observe(self._on_slider, names="value")
        sliders = W.HBox([self.rho_slider, self.beta_slider, self.latent_slider])
        self.widget = W.VBox([sliders, self.readout, self.image])
        self.current = self.set(rho, beta, latent_dim)

    def baselines(self, latent_dim: int) -> dict:
        """Mean-image and PCA baselines on the explorer's test digits (PCA with `latent_dim` components)."""
        if latent_dim not in self._baselines:
            self._baselines[latent_dim] = baselines(self.trainer.train_x, self.test_x, latent_dim)
        return self._baselines[latent_dim]

    def _train_setting(self, rho: float, beta: float, latent_dim: int) -> Setting:
        """Fine-tune, measure and draw one setting."""
        model = self.trainer.train(rho, beta, latent_dim)
        self.trainings += 1
        x_hat, _ = reconstruct(model, self.digits)
        _, z = reconstruct(model, self.test_x)
        return Setting(model, evaluate(model, self.test_x, rho=rho), self.figure.render(self.digits, x_hat, z, rho))

    def update(self, rho: float, beta: float, latent_dim: int) -> Setting:
        """Show a setting, training it first unless it is cached."""
        rho, beta = check_rho(rho), check_weight("beta", beta)
        if latent_dim not in LATENT_OPTIONS:
            raise ValueError(f"latent_dim must be one of {LATENT_OPTIONS}, got {latent_dim!r}")
        key = (float(rho), float(beta), int(latent_dim))
        start = time.perf_counter()
        if key not in self.cache:
            self.cache[key] = self._train_setting(*key)
        self.current = self.cache[key]
        self.image.value = self.current.png
        m, (mean_image, pca) = self.current.metrics, self.baselines(latent_dim).values()
        self.readout.value = (
            f"<b>test MSE</b> {m['test_mse']:.4f} <span style='color:gray'>(mean image {mean_image['test_mse']:.4f}, "
            f"PCA-{latent_dim} {pca['test_mse']:.4f})</span> &nbsp; "
            f"<b>variance explained</b> {m['variance_explained']:.2f} <span style='color:gray'>(mean image 0, "
            f"PCA-{latent_dim} {pca['variance_explained']:.2f})</span><br>"
            f"<b>mean ρ̂</b> {m['mean_rho_hat']:.3f} (target {rho:g}) &nbsp; <b>L0</b> {m['l0']:.1f} of {latent_dim} "
            f"&nbsp; <b>dead</b> {m['dead_fraction']:.0%} &nbsp; <b>dense</b> {m['dense_fraction']:.0%} &nbsp; "
            f"<span style='color:gray'>({time.perf_counter() - start:.2f} s)</span>"
        )
        return self.current

    def _on_slider(self, _change: object) -> None:
        """Slider callback: show the setting the three sliders now name."""
        if not self._syncing:
            self.update(self.rho_slider.value, self.beta_slider.value, self.latent_slider.value)

    def set(self, rho: float | None = None, beta: float | None = None, latent_dim: int | None = None) -> Setting:
        """Choose a setting from code; each slider moves to its value when that value is one of its stops."""
        rho = self.rho_slider.value if rho is None else rho
        beta = self.beta_slider.value if beta is None else beta
        latent_dim = self.latent_slider.value if latent_dim is None else latent_dim
        setting = self.update(rho, beta, latent_dim)
        self._syncing = True
        try:
            for slider, value in [(self.rho_slider, rho), (self.beta_slider, beta), (self.latent_slider, latent_dim)]:
                if value in [v for _, v in slider.options]:
                    slider.value = value
        finally:
            self._syncing = False
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


def reference_fine_tune_seconds(x: torch.Tensor, steps: int = 125, batch_size: int = 32,
                                latent_dim: int = 128) -> float:
    """Seconds a plain PyTorch loop takes for one slider move's work (the yardstick of the explorer's speed target):
    `steps` Adam steps on random batches of x through a one-layer sigmoid autoencoder, on one thread."""
    x = x.reshape(len(x), -1)
    encoder, decoder = torch.nn.Linear(x.shape[1], latent_dim), torch.nn.Linear(latent_dim, x.shape[1])
    optimizer = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=1e-2, fused=True)
    with _torch_threads(1):
        start = time.perf_counter()
        order = torch.randperm(len(x))
        for step in range(steps):
            xb = x[order[step * batch_size % len(x):][:batch_size]]  # a random batch, as any fine-tune draws
            z = torch.sigmoid(encoder(xb))
            loss = torch.nn.functional.mse_loss(torch.sigmoid(decoder(z)), xb) + 0.03 * kl_divergence(0.1, z.mean(0))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start
