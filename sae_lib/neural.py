"""Neural recordings: synthetic data with a known dictionary, samples, standardisation, and MMCS.

Recordings are arrays shaped [neurons, time, presentations]. Each (presentation, time) pair gives
one training sample: the population vector of all neurons at that moment. Dictionary learning then
looks for a few population patterns ("atoms") whose sparse non-negative combinations explain them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .data import check_finite
from .metrics import mmcs  # noqa: F401  (re-exported: the notebooks' dictionary score)
from .model import SAEConfig, SparseAutoencoder
from .training import History, TrainConfig, train

__all__ = ["Standardizer", "SyntheticRecording", "dictionary_config", "learn_dictionary", "load_recording",
    "mixture_residuals", "mmcs", "raw_atoms", "synthetic_recording", "to_samples", "train_validation_split"]


@dataclass(frozen=True)
class SyntheticRecording:
    """A recording generated from known atoms, with the ground truth kept for scoring."""

    data: np.ndarray  # [neurons, time, presentations]
    atoms: np.ndarray  # [n_atoms, neurons], unit-norm rows
    codes: np.ndarray  # [time * presentations, n_atoms], sparse and non-negative


def synthetic_recording(n_neurons: int = 64, n_atoms: int = 128, n_time: int = 100, n_presentations: int = 200,
                        active: int = 5, noise: float = 0.05, seed: int = 0) -> SyntheticRecording:
    """Population activity built from `active` random unit-norm atoms per sample (weights 0.5–1.5) plus noise."""
    if not 0 < active <= n_atoms:
        raise ValueError(f"active must be between 1 and n_atoms={n_atoms}, got {active}")
    rng = np.random.default_rng(seed)
    atoms = rng.standard_normal((n_atoms, n_neurons))
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    n_samples = n_time * n_presentations
    chosen = np.argsort(rng.random((n_samples, n_atoms)), axis=1)[:, :active]
    codes = np.zeros((n_samples, n_atoms))
    np.put_along_axis(codes, chosen, rng.uniform(0.5, 1.5, (n_samples, active)), axis=1)
    samples = codes @ atoms + noise * rng.standard_normal((n_samples, n_neurons))
    data = samples.reshape(n_presentations, n_time, n_neurons).transpose(2, 1, 0)
    return SyntheticRecording(data.astype(np.float32), atoms.astype(np.float32), codes.astype(np.float32))


def load_recording(path: str | Path) -> np.ndarray:
    """Read a [neurons, time, presentations] .npy file, checking its rank and values."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no recording at {path}")
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as error:
        raise ValueError(f"{path} is not a readable .npy array ({error})") from error
    if data.ndim != 3:
        raise ValueError(f"{path}: expected a 3-D array [neurons, time, presentations], got shape {data.shape}")
    check_finite(torch.as_tensor(data), f"recording {path.name}")
    return data


def to_samples(recording: np.ndarray) -> Tensor:
    """[neurons, time, presentations] → [time · presentations, neurons]: one population vector per sample."""
    if recording.ndim != 3:
        raise ValueError(f"expected [neurons, time, presentations], got shape {recording.shape}")
    neurons = recording.shape[0]
    return torch.as_tensor(np.ascontiguousarray(recording.transpose(2, 1, 0).reshape(-1, neurons)), dtype=torch.float32)


@dataclass(frozen=True)
class Standardizer:
    """Per-neuron mean and standard deviation, applied before training and again at inference."""

    mean: Tensor
    std: Tensor

    @classmethod
    def fit(cls, samples: Tensor) -> Standardizer:
        """Statistics of a [samples, neurons] tensor (a silent neuron gets std 1)."""
        std = samples.std(dim=0)
        return cls(samples.mean(dim=0), torch.where(std > 0, std, torch.ones_like(std)))

    def __call__(self, samples: Tensor) -> Tensor:
        """Standardise samples."""
        if samples.shape[-1] != len(self.mean):
            raise ValueError(f"samples have {samples.shape[-1]} neurons, the standardiser {len(self.mean)}")
        return (samples - self.mean) / self.std

    def to_dict(self) -> dict:
        """Plain lists, for the checkpoint's metadata."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Standardizer:
        """Rebuild from `to_dict` output."""
        return cls(torch.tensor(d["mean"]), torch.tensor(d["std"]))


def train_validation_split(samples: Tensor, seed: int, fraction: float = 0.1) -> tuple[Tensor, Tensor]:
    """A seeded shuffle of the samples into (train, validation), with `fraction` (at least one) for validation."""
    if len(samples) < 2:
        raise ValueError(f"need at least 2 samples to keep one for validation, got {len(samples)}")
    order = torch.randperm(len(samples), generator=torch.Generator().manual_seed(seed))
    n_val = max(1, int(len(samples) * fraction))
    return samples[order[n_val:]], samples[order[:n_val]]


def dictionary_config(n_neurons: int, n_latents: int) -> SAEConfig:
    """A linear over-complete SAE: ReLU codes, linear output, unit-norm decoder columns."""
    return SAEConfig(input_dim=n_neurons, hidden_dims=(), latent_dim=n_latents, latent_activation="relu",
                     output_activation="none", unit_norm_decoder=True)


def learn_dictionary(samples: Tensor, n_latents: int = 256, l1_lambda: float = 0.02, steps: int = 3000,
                     lr: float = 2e-3, batch_size: int = 128, seed: int = 0,
                     device: str | torch.device | None = None) -> tuple[SparseAutoencoder, History]:
    """Train a dictionary-learning SAE with an L1 penalty on (already standardised) samples."""
    config = TrainConfig(penalty="l1", l1_lambda=l1_lambda, steps=steps, lr=lr, batch_size=batch_size, seed=seed)
    return train(samples, model_config=dictionary_config(samples.shape[1], n_latents), config=config,
                 device=device, progress=False)


def raw_atoms(model: SparseAutoencoder, standardizer: Standardizer) -> Tensor:
    """The model's decoder directions mapped back from standardised to raw neuron units."""
    return model.dictionary.detach().cpu() * standardizer.std


def mixture_residuals(atoms: Tensor | np.ndarray, true_atoms: Tensor | np.ndarray, k: int = 3) -> Tensor:
    """How far each atom (row) is from a non-negative mix of the k true atoms closest to it: ‖residual‖ / ‖atom‖.

    Each atom is fitted by non-negative least squares (scipy's nnls) on its k most cosine-similar true
    atoms: 0 means an exact mixture of them, 1 means nothing of it lies in their cone. Choosing them by
    cosine is a heuristic: a small part of a mix can rank below unrelated atoms. k must stay well
    below the dimension: with more true atoms than dimensions, non-negative mixes of all of them can
    fit almost any vector, and a residual of 0 would prove nothing.
    """
    from scipy.optimize import nnls  # imported here: only this score needs it

    atoms_t = torch.as_tensor(atoms, dtype=torch.float64).detach().cpu()
    true_t = torch.as_tensor(true_atoms, dtype=torch.float64).detach().cpu()
    if atoms_t.dim() != 2 or true_t.dim() != 2 or atoms_t.shape[1] != true_t.shape[1]:
        raise ValueError(f"atoms must be 2-D [atoms, dim] with the same dim, got {tuple(atoms_t.shape)} and "
                         f"{tuple(true_t.shape)}")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(true_t):
        raise ValueError(f"k must be an integer from 1 to the {len(true_t)} true atoms, got {k!r}")
    unit = torch.nn.functional.normalize(atoms_t, dim=1).numpy()
    true_unit = torch.nn.functional.normalize(true_t, dim=1).numpy()
    nearest = np.argsort(-(unit @ true_unit.T), axis=1)[:, :k]
    return torch.tensor([nnls(true_unit[rows].T, a)[1] for a, rows in zip(unit, nearest)])
