"""The learning-rate sweep that notebook 03 plots: the classic model at four learning rates, same steps, three seeds.

    python scripts/sweep_learning_rates.py                      # the shipped sweep (about 3 minutes on 2 cores)
    python scripts/sweep_learning_rates.py --steps 32 --long-steps 64 --seeds 0 --out /tmp   # smoke run

The 784 → 128 → 32 → 128 → 784 sigmoid model with the course's recipe (`TrainConfig()`: KL, ρ = 0.05,
β = 5·10⁻³, batches of 128), on the offline MNIST sample that ships with sae_lib (so the result is the
same with or without a network), trained for `--steps` optimiser steps at each learning rate and seed,
and at the smallest learning rate also for `--long-steps` steps. Each run keeps its per-epoch train and
test losses (History) and its test variance explained; the file also holds the mean image's test MSE,
the baseline a model that has not learned sits at. Writes lr_sweep.json and records its SHA-256 in
checksums.json beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib import checkpoint, metrics  # noqa: E402
from sae_lib.data import load_offline_mnist  # noqa: E402
from sae_lib.model import SAEConfig  # noqa: E402
from sae_lib.training import TrainConfig, train  # noqa: E402

ASSETS = ROOT / "sae_lib" / "assets"

FILE = "lr_sweep.json"
LRS = (1e-3, 3e-3, 1e-2, 3e-2)
SEEDS = (0, 1, 2)


def _rounded(values: list[float]) -> list[float]:
    """Six significant digits: plenty for a plot, and a small file."""
    return [float(f"{v:.6g}") for v in values]


def run(lr: float, steps: int, seed: int, data) -> dict:
    """Train the classic model at one learning rate and seed; its losses per epoch and its final scores."""
    config = dataclasses.replace(TrainConfig(), lr=lr, steps=steps, seed=seed)
    model, history = train(data.train_images, data.test_images, SAEConfig(), config, device="cpu", progress=False)
    scores = metrics.evaluate(model, data.test_images, rho=config.rho)
    per_epoch = history.steps // len(history.test_recon)
    return {"lr": lr, "seed": seed, "steps": history.steps,
            "epoch_steps": [per_epoch * (i + 1) for i in range(len(history.test_recon))],
            "train_recon": _rounded(history.train_recon), "test_recon": _rounded(history.test_recon),
            "train_sparsity": _rounded(history.train_sparsity), "test_sparsity": _rounded(history.test_sparsity),
            "variance_explained": round(scores["variance_explained"], 6),
            "mean_rho_hat": round(scores["mean_rho_hat"], 6)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="optimiser steps of every run of the sweep")
    parser.add_argument("--long-steps", type=int, default=3000, help="steps of the longer runs at the smallest lr")
    parser.add_argument("--lrs", type=float, nargs="+", default=list(LRS))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for lr_sweep.json and checksums.json")
    args = parser.parse_args()
    data = load_offline_mnist()
    flat_train, flat_test = data.train_images.flatten(1), data.test_images.flatten(1)
    start = time.perf_counter()
    runs, long_runs = [], []
    for lr in args.lrs:
        for seed in args.seeds:
            runs.append(run(lr, args.steps, seed, data))
            print(f"lr {lr:g}, seed {seed}, {runs[-1]['steps']} steps: variance explained "
                  f"{runs[-1]['variance_explained']:.3f}", flush=True)
    for seed in args.seeds:
        long_runs.append(run(min(args.lrs), args.long_steps, seed, data))
        print(f"lr {min(args.lrs):g}, seed {seed}, {long_runs[-1]['steps']} steps: variance explained "
              f"{long_runs[-1]['variance_explained']:.3f}", flush=True)
    result = {
        "command": (f"python scripts/sweep_learning_rates.py --steps {args.steps} --long-steps {args.long_steps} "
                    f"--lrs {' '.join(f'{lr:g}' for lr in args.lrs)} --seeds {' '.join(map(str, args.seeds))}"),
        "data": data.source, "model": SAEConfig().to_dict(),
        "train": dataclasses.asdict(dataclasses.replace(TrainConfig(), steps=args.steps)),  # lr and seed: per run
        "mean_image_test_mse": round(((flat_test - flat_train.mean(dim=0)) ** 2).mean().item(), 6),
        "seconds": round(time.perf_counter() - start, 1), "torch": torch.__version__,
        "runs": runs, "long_runs": long_runs,
    }
    path = checkpoint.write_json_asset(result, args.out, FILE)
    print(f"wrote {path} ({path.stat().st_size:,} bytes) in {result['seconds']:.0f} s")


if __name__ == "__main__":
    main()
