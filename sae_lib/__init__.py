"""sae_lib: the small library behind the sparse autoencoder course.

The names below are the everyday API; each module (`sae_lib.metrics`, `sae_lib.plots`, …) lists the
rest of its public names in its `__all__`.
"""

from . import checkpoint, data, exercises, metrics, neural, penalties, plots, superposition
from ._version import __version__
from .checkpoint import load, save
from .data import ImageData, load_fashion_mnist, load_mnist
from .metrics import evaluate, reconstruct
from .model import SAEConfig, SparseAutoencoder
from .penalties import kl_divergence, l1_penalty, mean_activation
from .training import History, TrainConfig, batch_losses, default_device, fit, train

__all__ = [
    "__version__",
    "History", "ImageData", "SAEConfig", "SparseAutoencoder", "TrainConfig", "batch_losses", "checkpoint", "data",
    "default_device", "evaluate", "exercises", "fit", "kl_divergence", "l1_penalty", "load", "load_fashion_mnist",
    "load_mnist", "mean_activation", "metrics", "neural", "penalties", "plots", "reconstruct", "save", "superposition",
    "train",
]
