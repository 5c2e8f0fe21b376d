"""Image data: MNIST and Fashion-MNIST as in-memory float tensors, with an offline MNIST sample;
natural-image patches (scikit-image's bundled photographs) and their PCA/ZCA whitening.

Whole splits are loaded once into float32 tensors in [0, 1] of shape [N, 1, 28, 28] and
batched from memory (`batches`), so training never pays for a per-sample transform.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import torch
from torch import Tensor

__all__ = ["DEBIAN_FASHION_MNIST", "DIGITS", "MNIST_MIRRORS", "NATURAL_IMAGES", "OFFLINE_MNIST", "ImageData", "batches",
    "check_finite", "default_root", "load_fashion_mnist", "load_mnist", "load_offline_mnist", "natural_images",
    "pca_whiten", "sample_patches", "to_float_images", "validation_split", "zca_whiten"]

_PACKAGE_DIR = Path(__file__).resolve().parent
OFFLINE_MNIST = _PACKAGE_DIR / "assets" / "mnist_5k.npz"
MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
DIGITS = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class ImageData:
    """Train and test images ([N, 1, 28, 28] float32 in [0, 1]) with labels and where they came from."""

    train_images: Tensor
    train_labels: Tensor
    test_images: Tensor
    test_labels: Tensor
    source: str
    classes: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"ImageData({self.source}: {len(self.train_images):,} train / {len(self.test_images):,} test "
            f"images of shape {tuple(self.train_images.shape[1:])})"
        )


def default_root() -> Path:
    """Where downloads are cached: $SAE_LIB_DATA, else `data/` in the project checkout, else ./data."""
    if "SAE_LIB_DATA" in os.environ:
        return Path(os.environ["SAE_LIB_DATA"])
    project = _PACKAGE_DIR.parent
    return project / "data" if (project / "pyproject.toml").exists() else Path("data")


def to_float_images(pixels: Tensor | np.ndarray) -> Tensor:
    """uint8 pixels [N, 28, 28] (or [N, 784]) → float32 [N, 1, 28, 28] in [0, 1], in one shot."""
    pixels = torch.as_tensor(pixels)
    return pixels.reshape(len(pixels), 1, 28, 28).to(torch.float32).div_(255.0)


def check_finite(x: Tensor, name: str = "data") -> Tensor:
    """Return x, or raise ValueError if it holds NaN or inf (with how many and where the first is)."""
    bad = ~torch.isfinite(x)
    if bad.any():
        first = tuple(int(i) for i in bad.nonzero()[0])
        raise ValueError(f"{name} contains {int(bad.sum())} NaN/inf values (first at index {first})")
    return x


def _from_torchvision(dataset_class: type, root: Path, download: bool,
                      classes: tuple[str, ...] | None = None) -> ImageData:
    """Both splits of a torchvision MNIST-style dataset as float tensors (class names from the dataset unless given)."""
    classes = classes or tuple(dataset_class.classes)
    train = dataset_class(root, train=True, download=download)
    test = dataset_class(root, train=False, download=download)
    return ImageData(
        to_float_images(train.data), train.targets.clone(), to_float_images(test.data), test.targets.clone(),
        source=f"{dataset_class.__name__} ({root})", classes=classes,
    )


def load_offline_mnist(n_test: int = 1000) -> ImageData:
    """The 5,000-image MNIST sample shipped inside sae_lib (no network needed), split train/test."""
    with np.load(OFFLINE_MNIST) as f:
        images, labels = f["images"], f["labels"]
    if not 0 < n_test < len(images):
        raise ValueError(f"n_test must be between 1 and {len(images) - 1}, got {n_test}")
    x, y = to_float_images(images), torch.as_tensor(labels, dtype=torch.long)
    return ImageData(x[n_test:], y[n_test:], x[:n_test], y[:n_test], "offline MNIST sample (5,000 images)", DIGITS)


def _host_resolves(url: str) -> bool:
    """Whether the host of `url` has an address: offline this fails at once, before any download."""
    try:
        socket.getaddrinfo(urlparse(url).hostname, None)
        return True
    except OSError:
        return False


def load_mnist(root: str | Path | None = None, download: bool = True) -> ImageData:
    """MNIST via torchvision (cached under `root`); if that fails, use the offline sample and say so in one line."""
    root = Path(root) if root is not None else default_root()
    cached = (root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").exists()
    if not cached and not any(_host_resolves(url) for url in MNIST_MIRRORS):  # skip importing torchvision offline
        print("Using the offline 5,000-image MNIST sample (no network).")
        return load_offline_mnist()
    from torchvision import datasets  # imported here: torchvision takes over a second to import

    datasets.MNIST.mirrors = MNIST_MIRRORS
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            return _from_torchvision(datasets.MNIST, root, download, DIGITS)
    except (RuntimeError, OSError) as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[-1]
        print(f"Using the offline 5,000-image MNIST sample (the download failed: {reason}).")
        return load_offline_mnist()


def validation_split(data: ImageData, n_validation: int = 500, seed: int = 0) -> ImageData:
    """Carve a validation set out of the training images: an ImageData whose train split is the rest of the
    training images and whose *test* split is the validation set, so a tuning loop that trains on
    `.train_images` and scores on `.test_images` never touches the real test set."""
    n_train = len(data.train_images)
    if isinstance(n_validation, bool) or not isinstance(n_validation, int) or not 0 < n_validation < n_train:
        raise ValueError(f"n_validation must be an integer from 1 to {n_train - 1}, got {n_validation!r}")
    order = torch.randperm(len(data.train_images), generator=torch.Generator().manual_seed(seed))
    held, kept = order[:n_validation], order[n_validation:]
    return ImageData(data.train_images[kept], data.train_labels[kept], data.train_images[held],
                     data.train_labels[held], f"{data.source}, validation split of {n_validation:,}", data.classes)


def _stage_idx_files(idx_dir: Path, raw_dir: Path) -> None:
    """Unpack *-ubyte.gz IDX files from `idx_dir` into torchvision's raw/ folder (skips existing ones)."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    for gz in sorted(idx_dir.glob("*-ubyte.gz")):
        target = raw_dir / gz.name[:-3]
        if not target.exists():
            partial = target.with_suffix(".partial")
            with gzip.open(gz, "rb") as src, open(partial, "wb") as dst:
                shutil.copyfileobj(src, dst)
            partial.replace(target)


def load_fashion_mnist(
    root: str | Path | None = None, idx_dir: str | Path | None = DEBIAN_FASHION_MNIST, download: bool = True
) -> ImageData:
    """Fashion-MNIST from a local IDX folder (Debian's dataset-fashion-mnist) or torchvision's download."""
    from torchvision import datasets

    root = Path(root) if root is not None else default_root()
    if idx_dir is not None and Path(idx_dir).is_dir():
        _stage_idx_files(Path(idx_dir), root / "FashionMNIST" / "raw")
    try:
        return _from_torchvision(datasets.FashionMNIST, root, download)
    except (RuntimeError, OSError) as error:
        raise RuntimeError(
            f"Fashion-MNIST is not in {root} or {idx_dir} and could not be downloaded ({error}). "
            "Install Debian's dataset-fashion-mnist package or connect to the internet."
        ) from error


def batches(x: Tensor, batch_size: int, shuffle: bool = True,
            generator: torch.Generator | None = None) -> Iterator[Tensor]:
    """Mini-batches of the rows of an in-memory tensor (a shuffled order when `shuffle`)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    order = torch.randperm(len(x), generator=generator) if shuffle else torch.arange(len(x))
    order = order.to(x.device)
    # Gather many batches' rows at once, then slice: one gather of a small batch costs about as much as one of
    # 64 (on the CPU a 32-row gather took a fifth of a small model's training step); the chunk bounds the copy.
    chunk = batch_size * 64
    for chunk_start in range(0, len(x), chunk):
        rows = x[order[chunk_start : chunk_start + chunk]]
        for start in range(0, len(rows), batch_size):
            yield rows[start : start + batch_size]


#: scikit-image's bundled photographs and textures (no download): a portrait, a cameraman on a lawn, a cat, a
#: coffee cup, grass, gravel, the moon's surface and a rocket on its launch pad at night. Left out: brick (a
#: man-made grid), text and page (print), coins and the star field.
NATURAL_IMAGES = ("astronaut", "camera", "chelsea", "coffee", "grass", "gravel", "moon", "rocket")


def natural_images(downsample: int = 2, names: tuple[str, ...] = NATURAL_IMAGES) -> list[np.ndarray]:
    """scikit-image's bundled photographs `names` (skimage.data functions) in grey, in [0, 1], each pixel the
    mean of a downsample × downsample block."""
    import skimage.data  # imported here: only the natural-image notebook needs it

    if isinstance(downsample, bool) or not isinstance(downsample, int) or downsample < 1:
        raise ValueError(f"downsample must be a positive integer, got {downsample!r}")
    unknown = [n for n in names if n not in NATURAL_IMAGES]
    if isinstance(names, str) or not names or unknown:
        raise ValueError(f"names must be a non-empty tuple drawn from {NATURAL_IMAGES}, got {names!r}")
    images = []
    for name in names:
        pixels = np.asarray(getattr(skimage.data, name)(), dtype=np.float64) / 255.0
        grey = pixels.mean(axis=2) if pixels.ndim == 3 else pixels
        h, w = (s // downsample * downsample for s in grey.shape)
        images.append(grey[:h, :w].reshape(h // downsample, downsample, w // downsample, downsample).mean(axis=(1, 3)))
    return images


def sample_patches(images: list[np.ndarray], n: int, size: int = 8, seed: int = 0) -> Tensor:
    """n distinct size × size patches, flattened to float32 rows [n, size²]: positions drawn without replacement,
    uniformly over every window of every image (so a larger image gives more patches)."""
    if not images or any(np.ndim(im) != 2 for im in images):
        shapes = [np.shape(im) for im in images]
        raise ValueError(f"images must be a non-empty list of 2-D (grey) arrays, got shapes {shapes}")
    smallest = min(min(np.shape(im)) for im in images)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= smallest:
        raise ValueError(f"patch size must be an integer from 1 to {smallest} (the smallest image side), got {size!r}")
    counts = np.array([(np.shape(im)[0] - size + 1) * (np.shape(im)[1] - size + 1) for im in images])
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= counts.sum():
        raise ValueError(f"n must be an integer from 1 to {counts.sum():,} (the distinct {size} × {size} windows "
                         f"of these images), got {n!r}")
    starts = np.concatenate([[0], np.cumsum(counts)])
    position = np.random.default_rng(seed).choice(starts[-1], size=n, replace=False)  # distinct: no duplicates
    which = np.searchsorted(starts, position, side="right") - 1
    patches = np.empty((n, size * size), dtype=np.float32)
    for k, image in enumerate(images):
        rows = np.flatnonzero(which == k)
        windows = np.lib.stride_tricks.sliding_window_view(np.asarray(image), (size, size))  # a view: no copies
        top, left = np.divmod(position[rows] - starts[k], windows.shape[1])
        patches[rows] = windows[top, left].reshape(len(rows), -1)
    return torch.from_numpy(patches)


def _eigh_of_covariance(x: Tensor, epsilon: float) -> tuple[Tensor, Tensor, Tensor]:
    """(centred x, eigenvalues, eigenvectors) of the covariance xᵀx / n of centred x, in float64; checks arguments."""
    if not isinstance(x, Tensor) or x.dim() != 2 or len(x) < 2:
        got = getattr(x, "shape", type(x).__name__)
        raise ValueError(f"x must be a 2-D tensor [samples, features] with at least 2 samples, got {got}")
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon >= 0:
        raise ValueError(f"epsilon must be a non-negative number, got {epsilon!r}")
    centred = x.double() - x.double().mean(dim=0)
    eigenvalues, eigenvectors = torch.linalg.eigh(centred.T @ centred / len(x))
    if epsilon == 0 and eigenvalues.min() <= 1e-10 * eigenvalues.max():  # zero up to float32 rounding
        raise ValueError(
            f"the covariance is singular (smallest eigenvalue {eigenvalues.min().item():.3g}): "
            "some direction has no variance, so whitening would divide by zero; use epsilon > 0"
        )
    return centred, eigenvalues, eigenvectors


def pca_whiten(x: Tensor, epsilon: float = 0.0) -> Tensor:
    """Rows of x centred, rotated onto the covariance's eigenvectors and divided by √(eigenvalue + epsilon).

    The columns come out in order of decreasing eigenvalue (variance). With epsilon = 0 the result
    has identity covariance; epsilon > 0 damps the directions whose variance is below epsilon.
    """
    centred, eigenvalues, eigenvectors = _eigh_of_covariance(x, epsilon)
    eigenvalues, eigenvectors = eigenvalues.flip(0), eigenvectors.flip(1)
    return (centred @ eigenvectors / torch.sqrt(eigenvalues.clamp_min(0) + epsilon)).to(x.dtype)


def zca_whiten(x: Tensor, epsilon: float = 0.0) -> Tensor:
    """PCA whitening rotated back to the original axes: x ↦ U diag(1/√(λ + epsilon)) Uᵀ (x − mean).

    Of all whitening transforms ZCA changes the data least, so a whitened image patch still looks
    like a patch (with its edges enhanced). The covariance is xᵀx / n (not n − 1).
    """
    centred, eigenvalues, eigenvectors = _eigh_of_covariance(x, epsilon)
    scale = 1.0 / torch.sqrt(eigenvalues.clamp_min(0) + epsilon)
    return (centred @ (eigenvectors * scale) @ eigenvectors.T).to(x.dtype)
