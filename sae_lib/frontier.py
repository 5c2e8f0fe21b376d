"""The sparsity–fidelity frontier of notebook 09: the data, the sweep over architectures, knobs and seeds, and
reading the curves at equal L0.

A frontier from one seed and three points is an anecdote: `sweep_frontier` trains every architecture at six
knob values on several seeds, and `at_equal_l0` reads each seed's curve at common L0s, only where that curve
reaches (no extrapolation). `scripts/sweep_frontier.py` runs the full sweep once and ships the scores as
`assets/frontier_sweep.json`; `load_frontier_sweep` reads them back, checksum-verified.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .checkpoint import load_json_asset
from .data import load_offline_mnist
from .metrics import interpolate_frontier, match_atoms, mmcs, reconstruct, shrinkage_slope
from .neural import synthetic_recording, to_samples
from .training import TrainConfig, architecture_runs, sweep

__all__ = ["ARCHITECTURES", "FRONTIER_ASSET", "KNOBS", "RECIPE", "STEPS", "EqualL0", "FrontierData", "at_equal_l0",
           "common_l0_range", "equal_l0", "frontier_data", "load_frontier_sweep", "sweep_frontier"]

ARCHITECTURES = ("ReLU + L1", "TopK", "BatchTopK", "JumpReLU")
FRONTIER_ASSET = "frontier_sweep.json"
#: Six values of each architecture's knob per data set — (L1 λ, k for TopK and BatchTopK, JumpReLU's L0 λ) —
#: chosen so that the four curves cover the same range of L0 (about 3–20 on the known features, whose true L0
#: is 5, and 8–40 on MNIST).
KNOBS = {
    "known features": ([2e-3, 3e-3, 5e-3, 7e-3, 1e-2, 1.5e-2], [3, 4, 5, 7, 10, 14],
                       [3e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3]),
    "MNIST": ([2e-4, 3e-4, 5e-4, 1e-3, 2e-3, 3e-3], [6, 8, 11, 16, 22, 32], [5e-5, 1e-4, 2e-4, 3e-4, 6e-4, 1e-3]),
}
#: Every model's recipe: Adam at 1e-2, batches of 128, dead latents resampled every 100 steps (notebook 08);
#: MNIST gets fewer steps because each costs more (784 inputs instead of 64).
RECIPE = TrainConfig(lr=1e-2, batch_size=128, resample_every=100)
STEPS = {"known features": 300, "MNIST": 150}


@dataclass
class FrontierData:
    """One data set of the comparison: train and test inputs, and (known features only) the true atoms and codes."""

    train: Tensor
    test: Tensor
    atoms: Tensor | None = None
    codes_test: Tensor | None = None


def frontier_data() -> dict[str, FrontierData]:
    """The two data sets: notebook 06's synthetic recordings (64 neurons, 128 atoms, 5 on at once) and centred MNIST
    (the 5,000-image offline sample)."""
    recording = synthetic_recording(n_neurons=64, n_atoms=128, n_time=50, n_presentations=120, active=5, seed=0)
    x_known = to_samples(recording.data)  # [6,000 samples, 64]
    known = FrontierData(x_known[:5000], x_known[5000:], torch.as_tensor(recording.atoms),
                         torch.as_tensor(recording.codes)[5000:])
    # Always the shipped sample, online or not: the live models then match the shipped sweep, which used it.
    mnist = load_offline_mnist()
    # Centring removes what every image shares, so the latents only code what differs between digits.
    mean_image = mnist.train_images.reshape(-1, 784).mean(dim=0)
    return {"known features": known,
            "MNIST": FrontierData(mnist.train_images.reshape(-1, 784) - mean_image,
                                  mnist.test_images.reshape(-1, 784) - mean_image)}


def sweep_frontier(data: dict[str, FrontierData], seeds: Sequence[int], step_scale: float = 1.0,
                   device: str | torch.device | None = "cpu") -> list[dict]:
    """Train every architecture at every knob on every seed; one row of scores per model (no models kept).

    Known-feature rows also score the decoder against the true atoms: MMCS both ways, the share of true atoms
    with a latent at cosine ≥ 0.9 (good reconstruction is not the same as good features), dead latents on the
    test set, and the shrinkage slope of each atom's best-matching latent (`metrics.shrinkage_slope`).
    """
    rows = []
    for title, d in data.items():
        steps = max(1, round(STEPS[title] * step_scale))
        for seed in seeds:
            config = dataclasses.replace(RECIPE, steps=steps, seed=seed)
            for row in sweep(architecture_runs(d.train.shape[1], *KNOBS[title]), d.train, d.test, config, device):
                model = row.pop("model")
                row.update(dataset=title, seed=seed, steps=steps)
                if d.atoms is not None:
                    decoder = model.dictionary.detach().cpu()
                    match, cosines = match_atoms(d.atoms, decoder)
                    z = reconstruct(model, d.test)[1]
                    row.update(mmcs_true_to_learned=mmcs(d.atoms, decoder), mmcs_learned_to_true=mmcs(decoder, d.atoms),
                               recovered=float((cosines >= 0.9).double().mean()),
                               dead=int((~(z != 0).any(dim=0)).sum()),
                               shrinkage=shrinkage_slope(d.codes_test, (z * decoder.norm(dim=1))[:, match]))
                rows.append(row)
    return rows


def at_equal_l0(rows: list[dict], architecture: str, l0_values: Sequence[float], key: str = "nmse") -> np.ndarray:
    """Each seed's curve of `key` against L0 for one architecture, read at `l0_values`: [seeds, len(l0_values)].

    Linear in log L0 between measured points; NaN where a seed's curve does not reach (never extrapolated).
    """
    mine = [r for r in rows if r["architecture"] == architecture]
    if not mine:
        known = sorted({r["architecture"] for r in rows})
        raise ValueError(f"architecture must be one of {known}, got {architecture!r}")
    seeds = sorted({r["seed"] for r in mine})
    return np.stack([interpolate_frontier([r["l0"] for r in mine if r["seed"] == s],
                                          [r[key] for r in mine if r["seed"] == s], l0_values) for s in seeds])


def common_l0_range(rows: list[dict]) -> tuple[float, float]:
    """The L0 range that every architecture's curve reaches on every seed: the only place to compare them."""
    spans = {}
    for r in rows:
        lo, hi = spans.get((r["architecture"], r["seed"]), (np.inf, -np.inf))
        spans[r["architecture"], r["seed"]] = (min(lo, r["l0"]), max(hi, r["l0"]))
    lo, hi = max(lo for lo, _ in spans.values()), min(hi for _, hi in spans.values())
    if not lo < hi:
        raise ValueError(f"the curves share no L0 range (the highest lowest L0 is {lo:.3g}, "
                         f"the lowest highest {hi:.3g})")
    return lo, hi


@dataclass
class EqualL0:
    """Every architecture read at the same L0s: `values[name]` is [seeds, L0s]; `l1_ratio` is L1's value over
    the best of the other architectures, seed by seed (> 1: L1 is worse when lower is better)."""

    l0: np.ndarray
    values: dict[str, np.ndarray]
    l1_ratio: np.ndarray


def equal_l0(rows: list[dict], points: int = 5, key: str = "nmse") -> EqualL0:
    """Read every architecture's curves at `points` L0s spread evenly (in log L0) over their common range."""
    l0_values = np.geomspace(*common_l0_range(rows), points)
    names = sorted({r["architecture"] for r in rows}, key=lambda n: ARCHITECTURES.index(n))
    values = {name: at_equal_l0(rows, name, l0_values, key) for name in names}
    others = [values[name] for name in names if name != "ReLU + L1"]
    with np.errstate(divide="ignore", invalid="ignore"):  # a key such as "dead" can be 0 for every architecture
        return EqualL0(l0_values, values, values["ReLU + L1"] / np.minimum.reduce(others))


def load_frontier_sweep() -> list[dict]:
    """The shipped sweep's rows (see `sweep_frontier`), checksum-verified."""
    return load_json_asset(FRONTIER_ASSET)["rows"]
