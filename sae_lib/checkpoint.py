"""Checkpoints that keep a model's weights *and* its configuration, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from .model import SAEConfig, SparseAutoencoder

__all__ = ["FORMAT", "VERSION", "load", "load_if_matching", "load_metadata", "save"]

FORMAT = "sae_lib.checkpoint"
VERSION = 1


def save(model: SparseAutoencoder, path: str | Path, metadata: dict | None = None) -> Path:
    """Write weights, configuration and optional metadata to `path` via a temp file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "config": model.config.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metadata": metadata or {},
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(payload, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _read(path: str | Path) -> dict:
    """The checked contents of a checkpoint file; raises FileNotFoundError or ValueError."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise ValueError(f"{path} is not a readable checkpoint ({type(error).__name__}: {error})") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path} is not a sae_lib checkpoint (no '{FORMAT}' format marker)")
    if payload.get("version") != VERSION:
        raise ValueError(f"{path} has checkpoint version {payload.get('version')!r}; this sae_lib reads {VERSION}")
    return payload


def load(path: str | Path) -> SparseAutoencoder:
    """Rebuild the saved model from its configuration and weights (on the CPU, in eval mode)."""
    payload = _read(path)
    try:
        model = SparseAutoencoder(SAEConfig(**payload["config"]))
        model.load_state_dict(payload["state_dict"])
    except (TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"{path}: weights do not match the saved configuration ({error})") from error
    return model.eval()


def load_metadata(path: str | Path) -> dict:
    """The metadata dict saved beside the weights (e.g. standardisation statistics)."""
    return _read(path)["metadata"]


def load_if_matching(path: str | Path, key: dict) -> SparseAutoencoder | None:
    """The model saved at `path` if its metadata holds exactly `key` (how it was made), else None.

    For reusing a model another notebook trained: the key names everything that shaped it (model and
    training settings, data), so a checkpoint made any other way, or no checkpoint, means "train it".
    A file that cannot be read counts as missing.
    """
    try:
        payload = _read(path)
    except (FileNotFoundError, ValueError):
        return None
    if payload.get("metadata", {}).get("key") != key:
        return None
    return load(path)
