"""Checkpoints that keep a model's weights *and* its configuration, written atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import resources
from pathlib import Path

import torch

from .model import SAEConfig, SparseAutoencoder

__all__ = ["FORMAT", "VERSION", "asset_path", "file_digest", "load", "load_asset", "load_if_matching",
    "load_json_asset", "load_metadata", "record_checksum", "save", "verify_asset", "write_json_asset"]

FORMAT = "sae_lib.checkpoint"
VERSION = 1


def save(model: SparseAutoencoder, path: str | Path, metadata: dict | None = None,
         dtype: torch.dtype | None = None) -> Path:
    """Write weights, configuration and optional metadata to `path` via a temp file and a rename.

    `dtype=torch.float16` halves the file (the course's shipped SAEs); `load` casts back to float32.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "config": model.config.to_dict(),
        "state_dict": {k: v.detach().cpu().to(dtype if dtype is not None and v.is_floating_point() else v.dtype)
                       for k, v in model.state_dict().items()},
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


def asset_path(name: str) -> Path:
    """The path of a file shipped in sae_lib/assets (inside the installed package)."""
    return Path(str(resources.files("sae_lib") / "assets" / name))


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def verify_asset(name: str) -> Path:
    """The path of a shipped asset after checking its SHA-256 against assets/checksums.json (ValueError if not)."""
    path = asset_path(name)
    sums = json.loads(asset_path("checksums.json").read_text())
    if name not in sums:
        raise ValueError(f"{name!r} is not a checksummed asset; known: {sorted(sums)}")
    digest = file_digest(path)
    if digest != sums[name]:
        raise ValueError(f"{path} has SHA-256 {digest}, expected {sums[name]}: the file is damaged or was replaced; "
                         f"rebuild it with the script named in sae_lib/assets/README.md")
    return path


def load_asset(name: str) -> SparseAutoencoder:
    """A SAE shipped in sae_lib/assets (e.g. "lm_sae_topk_auxk.pt"), checksum-verified, in eval mode."""
    return load(verify_asset(name))


def load_json_asset(name: str) -> object:
    """A JSON file shipped in sae_lib/assets (e.g. a sweep's scores), checksum-verified."""
    return json.loads(verify_asset(name).read_text())


def record_checksum(folder: str | Path, name: str) -> str:
    """Record the SHA-256 of folder/name in folder/checksums.json (written atomically); return the digest."""
    folder = Path(folder)
    digest = file_digest(folder / name)
    path = folder / "checksums.json"
    sums = json.loads(path.read_text()) if path.exists() else {}
    sums[name] = digest
    _write_atomically(path, json.dumps(dict(sorted(sums.items())), indent=2) + "\n")
    return digest


def write_json_asset(payload: object, folder: str | Path, name: str) -> Path:
    """Write `payload` as folder/name atomically (an interrupted run never leaves half a file) and record its
    checksum: how the scripts that precompute a notebook's sweep ship their results."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(folder / name, json.dumps(payload, indent=1) + "\n")
    record_checksum(folder, name)
    return folder / name


def _write_atomically(path: Path, text: str) -> None:
    """Write a text file through a temporary file in the same folder and an atomic rename."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
