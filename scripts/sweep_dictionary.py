"""Notebook 06's comparisons on 3 seeds: the SAE's dictionary scored four ways, scikit-learn's on the same data
(at α = 1 and across ALPHAS, so that its sparsity weight is tuned like the SAE's λ), the L1 sweep and the
dictionary-size sweep.

    python scripts/sweep_dictionary.py                                  # the shipped sweep (about a minute)
    python scripts/sweep_dictionary.py --seeds 0 --step-scale 0.02 --out /tmp   # smoke run

Each seed draws its own synthetic recording (synthetic_recording(seed=seed)) and trains with that seed, on
one CPU thread, as the notebook does, so the notebook's live seed-0 run reproduces the seed-0 row. Writes
the scores (no weights) to assets/dictionary_sweep.json atomically and records its SHA-256 in checksums.json.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib import checkpoint  # noqa: E402
from sae_lib.metrics import assign_atoms, dead_fraction, mmcs, reconstruct  # noqa: E402
from sae_lib.neural import (  # noqa: E402
    Standardizer,
    learn_dictionary,
    mixture_residuals,
    raw_atoms,
    synthetic_recording,
    to_samples,
)

ASSETS = ROOT / "sae_lib" / "assets"

ASSET = "dictionary_sweep.json"
RECORDING = dict(n_neurons=64, n_atoms=128, n_time=50, n_presentations=100, active=5)
MAIN = dict(n_latents=256, l1_lambda=0.02, steps=1500)  # the notebook's main run (lr 2e-3, batches of 128)
QUICK = dict(steps=150, batch_size=1024, lr=1e-2)  # the notebook's sweeps
LAMBDAS = [1e-3, 1e-2, 3e-2, 1e-1]
SIZES = [128, 256, 512]
SIZE_LAMBDA = 0.05
ALPHAS = [0.3, 1.0, 3.0]  # scikit-learn's sparsity weight, tuned on the same criterion as the SAE's λ
MATCH = 0.9  # a learned atom "matches" a true one above this cosine


def dictionary_scores(true: np.ndarray, atoms: torch.Tensor, codes: torch.Tensor | None = None) -> dict:
    """MMCS both ways, true atoms recovered one-to-one, duplicates, unmatched atoms and how mixed they are."""
    unit_true = torch.nn.functional.normalize(torch.as_tensor(true, dtype=torch.float64), dim=1)
    unit_learned = torch.nn.functional.normalize(atoms.double(), dim=1)
    best = (unit_true @ unit_learned.T).max(dim=0)  # each learned atom's best true atom
    matched = best.values > MATCH
    unmatched = (~matched).nonzero().flatten()
    residuals = mixture_residuals(atoms[unmatched], true, k=3) if len(unmatched) else torch.zeros(0)
    scores = {"mmcs": mmcs(true, atoms), "mmcs_reverse": mmcs(atoms, true),
              "recovered": int((assign_atoms(true, atoms)[1] > MATCH).sum()) if len(atoms) >= len(true) else None,
              "matched": int(matched.sum()),
              "duplicates": int(matched.sum()) - len(set(best.indices[matched].tolist())),  # beyond one per true atom
              "unmatched": len(unmatched),
              "unmatched_best_cos_median": best.values[unmatched].median().item() if len(unmatched) else None,
              "unmatched_residual_median": residuals.median().item() if len(unmatched) else None}
    if codes is not None:
        scores["dead"] = round(dead_fraction(codes, 0.0) * len(atoms))
    return scores


def sweep_seed(seed: int, step_scale: float) -> dict:
    """Every score of notebook 06 for one seed."""
    from sklearn.decomposition import MiniBatchDictionaryLearning
    from sklearn.exceptions import ConvergenceWarning

    rec = synthetic_recording(**RECORDING, seed=seed)
    samples = to_samples(rec.data)
    standardizer = Standardizer.fit(samples)
    x = standardizer(samples)
    steps = lambda n: max(1, round(n * step_scale))  # noqa: E731
    model, history = learn_dictionary(x, n_latents=MAIN["n_latents"], l1_lambda=MAIN["l1_lambda"],
                                      steps=steps(MAIN["steps"]), seed=seed)
    row = {"seed": seed, "sae": dictionary_scores(rec.atoms, raw_atoms(model, standardizer),
                                                  reconstruct(model, x[:2000])[1].cpu())}
    row["sklearn_alphas"] = []
    for alpha in ALPHAS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk = MiniBatchDictionaryLearning(n_components=MAIN["n_latents"], alpha=alpha, batch_size=256, max_iter=1,
                                             positive_code=True, fit_algorithm="cd", transform_algorithm="lasso_lars",
                                             random_state=seed).fit(x.numpy())
        row["sklearn_alphas"].append(dictionary_scores(rec.atoms, torch.as_tensor(sk.components_) * standardizer.std))
    row["sklearn"] = row["sklearn_alphas"][ALPHAS.index(1.0)]  # the notebook's live fit
    quick = dict(QUICK, steps=steps(QUICK["steps"]))
    row["l1_sweep"] = [mmcs(rec.atoms, raw_atoms(learn_dictionary(x, n_latents=256, l1_lambda=lam, seed=seed,
                                                                  **quick)[0], standardizer)) for lam in LAMBDAS]
    row["size_sweep"] = []
    for n_latents in SIZES:
        m, _ = learn_dictionary(x, n_latents=n_latents, l1_lambda=SIZE_LAMBDA, seed=seed, **quick)
        row["size_sweep"].append(dictionary_scores(rec.atoms, raw_atoms(m, standardizer),
                                                   reconstruct(m, x[:2000])[1].cpu()))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--step-scale", type=float, default=1.0, help="multiply every run's steps (smoke runs)")
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for dictionary_sweep.json and checksums.json")
    args = parser.parse_args()
    if args.step_scale <= 0:
        parser.error(f"--step-scale must be > 0, got {args.step_scale}")
    torch.set_num_threads(1)  # one thread: deterministic, and what the notebook uses
    start = time.perf_counter()
    rows = [sweep_seed(seed, args.step_scale) for seed in args.seeds]
    seconds = time.perf_counter() - start
    payload = {"made_by": "python scripts/sweep_dictionary.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""),
               "torch": torch.__version__.split("+")[0], "seconds": round(seconds), "recording": RECORDING,
               "main": MAIN, "quick": QUICK, "lambdas": LAMBDAS, "sizes": SIZES, "size_lambda": SIZE_LAMBDA,
               "alphas": ALPHAS,
               "match": MATCH, "step_scale": args.step_scale, "rows": rows}
    path = checkpoint.write_json_asset(payload, args.out, ASSET)
    print(f"{len(rows)} seeds in {seconds:.0f} s → {path}")


if __name__ == "__main__":
    main()
