"""Notebook 07's fair comparison: UFLDL's sparse autoencoder on whitened and on raw patches, each tuned on one grid.

    python scripts/sweep_edge_detectors.py                       # the shipped sweep (about 10 minutes on 1 core)
    python scripts/sweep_edge_detectors.py --steps 3 --seeds 1 --lrs 0.1 --betas 100 --out /tmp   # smoke run

For each input (ZCA-whitened or raw mean-removed patches), every learning rate × β of the grid and 3 seeds (the
seed draws the 100,000 patches and starts the model), trains the notebook's 64 → 25 sigmoid SAE with the same
budget: `steps` Adam steps at the grid's learning rate, then `settle_steps` at 0.003. Records, per run, the
median orientation selectivity and spatial extent of the 25 encoder filters, the mean activation ρ̂ and the final
reconstruction error over the variance, and each filter's selectivity and preferred orientation, in
edge_detector_sweep.json, whose SHA-256 goes into checksums.json beside it. Each input's best setting is the
one with the highest mean selectivity over the seeds: the raw patches get every chance to come out oriented.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib import checkpoint  # noqa: E402
from sae_lib.data import natural_images, sample_patches, zca_whiten  # noqa: E402
from sae_lib.metrics import orientation_selectivity, preferred_orientation, spatial_extent  # noqa: E402
from sae_lib.model import SAEConfig  # noqa: E402
from sae_lib.training import TrainConfig, fit, train  # noqa: E402

ASSETS = ROOT / "sae_lib" / "assets"

NAME = "edge_detector_sweep.json"
#: The notebook's data and model: 8 × 8 patches of the photographs averaged over 2 × 2 blocks, ZCA with ε = 0.03.
DOWNSAMPLE, N_PATCHES, EPSILON, RHO, LAMBDA_UFLDL = 2, 100_000, 0.03, 0.01, 3e-3
MODEL = SAEConfig(input_dim=64, hidden_dims=(), latent_dim=25, latent_activation="sigmoid", output_activation="none")
LRS = (0.3, 0.1, 0.03, 0.01)
BETAS = (10.0, 30.0, 100.0, 300.0)  # UFLDL's β; sae_lib's is 2β/64


def patches(seed: int) -> dict[str, torch.Tensor]:
    """The raw (mean-removed, unit average variance) and ZCA-whitened patches drawn with `seed`."""
    p = sample_patches(natural_images(DOWNSAMPLE), n=N_PATCHES, size=8, seed=seed)
    x = p - p.mean(dim=1, keepdim=True)
    x = x / x.std()
    return {"whitened": zca_whiten(x, EPSILON), "raw": x}


def run(x: torch.Tensor, lr: float, beta_ufldl: float, seed: int, steps: int, settle_steps: int) -> dict[str, float]:
    """One UFLDL run (Adam at lr, then at 0.003) and what its filters and codes measure."""
    d = x.shape[1]
    settings = dict(rho=RHO, beta=2 * beta_ufldl / d, weight_decay=2 * LAMBDA_UFLDL / d, batch_size=1024)
    model, fast = train(x, None, MODEL, TrainConfig(steps=steps, lr=lr, seed=seed, **settings), progress=False)
    settle = fit(model, x, None, TrainConfig(steps=settle_steps, lr=3e-3, seed=seed + 1, **settings), progress=False)
    filters = model.encoder[0].weight.detach()
    with torch.no_grad():
        rho_hat = model.encode(x).mean().item()
    selectivity = orientation_selectivity(filters)
    return {"orientation": selectivity.median().item(), "extent": spatial_extent(filters).median().item(),
            "rho_hat": rho_hat, "recon_over_variance": settle.train_recon[-1] / x.var(dim=0).mean().item(),
            "filter_selectivity": [round(v, 3) for v in selectivity.tolist()],
            "filter_angle": [round(v, 1) for v in preferred_orientation(filters).tolist()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200, help="Adam steps at the grid's learning rate")
    parser.add_argument("--settle-steps", type=int, default=500, help="Adam steps at 0.003 afterwards")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--lrs", type=float, nargs="+", default=list(LRS), help="learning rates of the grid")
    parser.add_argument("--betas", type=float, nargs="+", default=list(BETAS), help="UFLDL's β values of the grid")
    parser.add_argument("--out", type=Path, default=ASSETS)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a 64 → 25 model: one thread is as fast as several
    start = time.perf_counter()
    runs = []
    for seed in range(args.seeds):
        for name, x in patches(seed).items():
            for lr in args.lrs:
                for beta in args.betas:
                    result = run(x, lr, beta, seed, args.steps, min(args.settle_steps, args.steps))
                    runs.append({"input": name, "lr": lr, "beta_ufldl": beta, "seed": seed, **result})
                    print(f"{name:8s} lr {lr:<5g} beta {beta:<5g} seed {seed}: "
                          + ", ".join(f"{k} {v:.3f}" for k, v in result.items() if not k.startswith("filter_")),
                          flush=True)
    best = {}
    for name in ("whitened", "raw"):
        def mean_orientation(setting: tuple[float, float], name: str = name) -> float:
            chosen = [r["orientation"] for r in runs if r["input"] == name and (r["lr"], r["beta_ufldl"]) == setting]
            return sum(chosen) / len(chosen)
        lr, beta = max(((lr, beta) for lr in args.lrs for beta in args.betas), key=mean_orientation)
        best[name] = {"lr": lr, "beta_ufldl": beta}
        print(f"best for {name}: lr {lr:g}, beta {beta:g} (mean orientation {mean_orientation((lr, beta)):.3f})")
    seconds = time.perf_counter() - start
    sweep = {"command": "python scripts/sweep_edge_detectors.py", "seconds": round(seconds, 1),
             "settings": {"downsample": DOWNSAMPLE, "n_patches": N_PATCHES, "epsilon": EPSILON, "rho": RHO,
                          "lambda_ufldl": LAMBDA_UFLDL, "steps": args.steps, "settle_steps": args.settle_steps,
                          "lrs": args.lrs, "betas_ufldl": args.betas, "seeds": args.seeds},
             "best": best, "runs": runs}
    path = checkpoint.write_json_asset(sweep, args.out, NAME)
    print(f"{len(runs)} runs in {seconds:.0f} s → {path}")


if __name__ == "__main__":
    main()
