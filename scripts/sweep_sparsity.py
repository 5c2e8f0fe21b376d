"""Sweep the multi-seed comparisons behind notebooks 01 and 04 on MNIST (mostly one-layer 784 → 64 sigmoid SAEs).

    python scripts/sweep_sparsity.py                              # the shipped sweep (about 2 minutes on 1 core)
    python scripts/sweep_sparsity.py --seeds 0 --step-scale 0.01 --out /tmp   # smoke run

Notebook 01: no penalty, L1 and KL (ρ = 0.05), 800 Adam steps each: reconstruction error and, per unit,
how each unit spends its inputs (off, near ρ, moderate, on). Notebook 04: the KL penalty's β from 0 to 1
at ρ = 0.05, 1,000 steps each: error against sparsity; and five of those β values on the chapters' own
784 → 128 → 32 model, to say what changes with the hidden layer. Every model on three seeds, on one CPU thread (so
the run is deterministic and the notebooks' live seed-0 models reproduce its rows), scored on the test
split of `load_mnist()`. Writes the scores (no weights) to assets/sparsity_sweeps.json atomically and
records its SHA-256 in checksums.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib import checkpoint, data, metrics  # noqa: E402
from sae_lib.model import SAEConfig  # noqa: E402
from sae_lib.training import TrainConfig, train  # noqa: E402

ASSET = "sparsity_sweeps.json"
MODEL = SAEConfig(hidden_dims=(), latent_dim=64)
#: Notebook 01's three models (800 steps each): name → TrainConfig settings.
PENALTIES = {"no penalty": dict(penalty="none"), "L1 (λ = 1e-3)": dict(penalty="l1", l1_lambda=1e-3),
             "KL (ρ = 0.05, β = 0.03)": dict(penalty="kl", rho=0.05, beta=0.03)}
PENALTY_STEPS = 800
#: Activation bands of notebook 01's per-unit picture: off, near ρ = 0.05, moderate, on.
BANDS = (0.0, 0.01, 0.1, 0.5, 1.01)
#: Notebook 04's β values (ρ = 0.05; β = 0 trains without a penalty), 1,000 steps each.
BETAS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
BETA_STEPS = 1000
#: Notebook 04's check of what the hidden layer changes: the chapters' 784 → 128 → 32 model at five of the β values.
CLASSIC_MODEL = SAEConfig()
CLASSIC_BETAS = (0.0, 1e-3, 1e-2, 0.1, 1.0)


def _penalty_row(model: torch.nn.Module, mnist: data.ImageData) -> dict:
    """Notebook 01's measures of one model: error, mean activation, pooled and per-unit band shares."""
    m = metrics.evaluate(model, mnist.test_images, rho=0.05)
    z = metrics.reconstruct(model, mnist.test_images)[1].cpu()
    shares = metrics.band_shares(z, BANDS)  # [off, near ρ, moderate, on] × units
    return {"test_mse": m["test_mse"], "variance_explained": m["variance_explained"], "rho_hat": z.mean().item(),
            "dead_fraction": m["dead_fraction"], "pooled_shares": shares.mean(dim=1).tolist(),
            "median_unit_shares": shares.median(dim=1).values.tolist()}


def _beta_row(model: torch.nn.Module, mnist: data.ImageData) -> dict:
    """Notebook 04's measures of one model: error on test and training digits, sparsity, saturation."""
    row = metrics.evaluate(model, mnist.test_images, rho=0.05)
    row["train_mse"] = metrics.evaluate(model, mnist.train_images)["test_mse"]
    z = metrics.reconstruct(model, mnist.test_images)[1].cpu()
    row["median_density"] = metrics.feature_density(z, 0.1).median().item()
    row["saturated"] = (z > 0.99).float().mean().item()
    return row


def sweep(mnist: data.ImageData, seeds: list[int], step_scale: float = 1.0) -> dict:
    """Both notebooks' rows: one per (model or β, seed)."""
    steps_01, steps_04 = (max(1, round(s * step_scale)) for s in (PENALTY_STEPS, BETA_STEPS))
    penalties, betas, classic = [], [], []
    for seed in seeds:
        for name, settings in PENALTIES.items():
            model, _ = train(mnist.train_images, None, MODEL, TrainConfig(steps=steps_01, seed=seed, **settings),
                             device="cpu", progress=False)
            penalties.append({"model": name, "seed": seed, **_penalty_row(model, mnist)})
        for beta in BETAS:
            config = TrainConfig(penalty="kl" if beta else "none", rho=0.05, beta=beta, steps=steps_04, seed=seed)
            model, _ = train(mnist.train_images, None, MODEL, config, device="cpu", progress=False)
            betas.append({"beta": beta, "seed": seed, **_beta_row(model, mnist)})
        for beta in CLASSIC_BETAS:
            config = TrainConfig(penalty="kl" if beta else "none", rho=0.05, beta=beta, steps=steps_04, seed=seed)
            model, _ = train(mnist.train_images, None, CLASSIC_MODEL, config, device="cpu", progress=False)
            classic.append({"beta": beta, "seed": seed, **_beta_row(model, mnist)})
    return {"steps": {"penalties": steps_01, "beta": steps_04}, "penalties": penalties, "beta": betas,
            "classic": classic}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--step-scale", type=float, default=1.0, help="multiply the steps (smoke runs)")
    parser.add_argument("--out", type=Path, default=ROOT / "sae_lib" / "assets",
                        help=f"folder for {ASSET} and checksums.json")
    args = parser.parse_args()
    if args.step_scale <= 0:
        parser.error(f"--step-scale must be > 0, got {args.step_scale}")
    torch.set_num_threads(1)  # one thread: deterministic
    mnist = data.load_mnist()
    start = time.perf_counter()
    result = sweep(mnist, args.seeds, args.step_scale)
    seconds = time.perf_counter() - start
    payload = {"made_by": "python scripts/sweep_sparsity.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""),
               "torch": torch.__version__.split("+")[0], "data": mnist.source, "seconds": round(seconds),
               "seeds": args.seeds, "bands": BANDS, **result}
    path = checkpoint.write_json_asset(payload, args.out, ASSET)  # atomic, and its checksum recorded
    print(f"{sum(len(result[k]) for k in ('penalties', 'beta', 'classic'))} models in {seconds:.0f} s → {path}")


if __name__ == "__main__":
    main()
