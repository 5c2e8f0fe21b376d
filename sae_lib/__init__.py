"""sae_lib: the small library behind the sparse autoencoder course."""

from . import checkpoint, data, metrics, plots
from .checkpoint import load, save
from .data import ImageData, load_fashion_mnist, load_mnist
from .metrics import evaluate
from .model import SAEConfig, SparseAutoencoder
from .penalties import kl_divergence, l1_penalty, mean_activation
from .training import History, TrainConfig, default_device, fit, train

__all__ = [
    "History", "ImageData", "SAEConfig", "SparseAutoencoder", "TrainConfig", "checkpoint", "data",
    "default_device", "evaluate", "fit", "kl_divergence", "l1_penalty", "load", "load_fashion_mnist",
    "load_mnist", "mean_activation", "metrics", "plots", "save", "train",
]
