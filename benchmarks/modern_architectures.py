"""Do notebooks 08 and 09's short-budget claims hold with more seeds and more training?

1. Feature recovery on the toy model of superposition (notebook 08's recipe: 40 latents, L1, 1,500 steps)
   over 4 seeds, with and without resampling of dead latents: MMCS both ways, dead latents, missed features.
2. The L0–normalised-MSE frontier and shrinkage of notebook 09, with 4 times its training steps: normalised
   MSE at equal L0 per architecture, L1's gap to the best of the others, and shrinkage slopes.
Run: python benchmarks/modern_architectures.py
"""

from __future__ import annotations

import time

import numpy as np
import torch
from report import publish

from sae_lib import SAEConfig, TrainConfig, load_mnist, train
from sae_lib.metrics import interpolate_frontier, match_atoms, mmcs, reconstruct, shrinkage_slope
from sae_lib.neural import synthetic_recording, to_samples
from sae_lib.superposition import toy_features, train_toy_model
from sae_lib.training import architecture_runs, sweep

ARCHITECTURES = ["ReLU + L1", "TopK", "BatchTopK", "JumpReLU"]
BUDGET = 4  # times the notebook's steps


def recovery() -> list[str]:
    """Notebook 08's SAE on the 40-in-10 toy model, 4 seeds, with and without resampling."""
    toy = train_toy_model(40, 10, [0.05], importance=1.0, steps=1000, batch_size=512, lr=3e-2, seed=0)
    true = toy.directions[0]
    h = toy.hidden(toy_features(24_000, 40, [0.05], torch.Generator().manual_seed(1))).detach()[:, 0]
    config = SAEConfig(input_dim=10, hidden_dims=(), latent_dim=40, latent_activation="relu", output_activation="none",
                       unit_norm_decoder=True)
    lines = ["| resampling | MMCS true → learned (mean, min) | MMCS learned → true (mean, min) | dead latents (mean) "
             "| missed features (mean) |",
             "|---|---:|---:|---:|---:|"]
    for resample in (None, 250):
        rows = []
        for seed in range(4):
            model, _ = train(h[:20_000], None, config, TrainConfig(penalty="l1", l1_lambda=0.03, steps=1500, lr=1e-2,
                             batch_size=256, resample_every=resample, seed=seed), device="cpu", progress=False)
            learned = model.dictionary.detach()
            _, z = reconstruct(model, h[20_000:])
            rows.append((mmcs(true, learned), mmcs(learned, true), int((~(z != 0).any(dim=0)).sum()),
                         int((match_atoms(true, learned)[1] < 0.9).sum())))
        a = np.array(rows)
        lines.append(f"| {'every 250 steps' if resample else 'none'} | {a[:, 0].mean():.3f}, {a[:, 0].min():.3f} | "
                     f"{a[:, 1].mean():.3f}, {a[:, 1].min():.3f} | {a[:, 2].mean():.1f} | {a[:, 3].mean():.1f} |")
    return lines


def frontier_lines(title: str, rows: list[dict], l0_values: list[float], steps: int) -> list[str]:
    """Normalised MSE at equal L0, one table row per L0."""
    table = {}
    for name in ARCHITECTURES:
        mine = [r for r in rows if r["architecture"] == name]
        table[name] = interpolate_frontier([r["l0"] for r in mine], [r["nmse"] for r in mine], l0_values)
    lines = []
    for i, l0 in enumerate(l0_values):
        values = {name: table[name][i] for name in ARCHITECTURES}
        best = min((v, n) for n, v in values.items() if not np.isnan(v))[1]
        gap = values["ReLU + L1"] / min(values[n] for n in ARCHITECTURES[1:])
        cells = " | ".join("–" if np.isnan(v) else f"{v:.3f}" for v in values.values())
        lines.append(f"| {title} ({steps} steps) | {l0:g} | {cells} | {best} | {gap:.2f} |")
    return lines


def shrinkage(rows: list[dict], atoms: torch.Tensor, x_test: torch.Tensor,
              codes_test: torch.Tensor) -> dict[str, float]:
    """Notebook 09's shrinkage slopes for the models near the true L0 of 5."""
    chosen = {"ReLU + L1": 1e-2, "TopK": 5, "JumpReLU": 1e-3}
    slopes = {}
    for name, knob in chosen.items():
        model = next(r["model"] for r in rows if r["architecture"] == name and r["knob"] == knob)
        decoder = model.dictionary.detach()
        match, _ = match_atoms(atoms, decoder)
        _, z = reconstruct(model, x_test)
        slopes[name] = shrinkage_slope(codes_test, (z * decoder.norm(dim=1))[:, match])
    return slopes


def main() -> None:
    torch.set_num_threads(1)  # as in the notebooks
    start = time.perf_counter()
    lines = ["**Feature recovery on the toy model** (notebook 08's SAE: 40 latents for 40 features in 10 dimensions, "
             "L1, 1,500 steps; 4 seeds):", "", *recovery(), ""]

    rec = synthetic_recording(n_neurons=64, n_atoms=128, n_time=50, n_presentations=120, active=5, seed=0)
    x = to_samples(rec.data)
    atoms, codes = torch.as_tensor(rec.atoms), torch.as_tensor(rec.codes)
    mnist = load_mnist()
    mean = mnist.train_images.reshape(-1, 784).mean(dim=0)
    mnist_train, mnist_test = mnist.train_images.reshape(-1, 784) - mean, mnist.test_images.reshape(-1, 784) - mean
    header = ["| data (steps) | L0 | " + " | ".join(ARCHITECTURES) + " | best | L1 / best of the others |",
              "|---|---:|" + "---:|" * len(ARCHITECTURES) + "---|---:|"]
    frontier, slopes, jump_l0 = [], {}, {}
    for factor in (1, BUDGET):
        runs = architecture_runs(64, [3e-3, 1e-2, 2e-2], [3, 5, 10], [5e-4, 1e-3, 3e-3])
        known = sweep(runs, x[:5000], x[5000:], TrainConfig(steps=300 * factor, resample_every=100), device="cpu")
        digits = sweep(architecture_runs(784, [3e-4, 1e-3, 3e-3], [8, 16, 32], [1e-4, 3e-4, 1e-3]), mnist_train,
                       mnist_test, TrainConfig(steps=150 * factor, resample_every=100), device="cpu")
        frontier += frontier_lines("known features", known, [5, 6, 8], 300 * factor)
        frontier += frontier_lines("MNIST", digits, [10, 12, 16, 24], 150 * factor)
        slopes[300 * factor] = shrinkage(known, atoms, x[5000:], codes[5000:])
        jump_l0[300 * factor] = {r['knob']: r['l0'] for r in known if r['architecture'] == 'JumpReLU'}
    lines += ["**Normalised MSE at equal L0** (notebook 09's sweeps, at its budget and at "
              f"{BUDGET} times its steps; lower is better):", "", *header, *frontier, "",
              "**Shrinkage slopes** on the known features (learned against true code magnitude, line through 0; "
              "1 is no shrinkage):", "", "| steps | " + " | ".join(slopes[300]) + " |", "|---:|" + "---:|" * 3]
    lines += [f"| {steps} | " + " | ".join(f"{v:.2f}" for v in s.values()) + " |" for steps, s in slopes.items()]
    lines += ["", "JumpReLU's L0 on the known features (5 atoms on per sample) for each l0_lambda: " + "; ".join(
        f"{steps} steps: " + ", ".join(f"λ = {lam:g} → {l0:.1f}" for lam, l0 in by_lambda.items())
        for steps, by_lambda in jump_l0.items()) + "."]
    lines += ["", f"Whole benchmark: {time.perf_counter() - start:.0f} s."]
    publish("modern_architectures", "\n".join(lines), "python benchmarks/modern_architectures.py")


if __name__ == "__main__":
    main()
