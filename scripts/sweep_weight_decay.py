"""Notebook 05's comparisons on 3 seeds: the UFLDL MNIST autoencoder without and with weight decay (speckle,
reconstruction, sparsity), and a linear classifier on its codes against one on the pixels.

    python scripts/sweep_weight_decay.py                                  # the shipped sweep (a few minutes)
    python scripts/sweep_weight_decay.py --seeds 0 --step-scale 0.02 --out /tmp   # smoke run

Each model is notebook 05's (784 → 196 → 784, sigmoid code, ρ = 0.1, β = 3 · 2/784, 1,500 Adam steps)
trained with the seed on one CPU thread (deterministic); the notebook's live seed-0 model, trained on the
machine's default threads, reproduces the seed-0 row. The classifiers are scikit-learn's
LogisticRegression (C = 1) fitted on the same labelled training digits for codes and pixels (drawn with
the seed) and scored on the test split; `tuned` rows pick C from 0.1, 1, 10 by 3-fold cross-validation
on the labelled digits alone. Writes the scores and the first 16 features of the seed-0 weight-decay
model to assets/weight_decay_sweep.json atomically and records its SHA-256 in checksums.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sae_lib  # noqa: E402
from sae_lib import SAEConfig, TrainConfig, checkpoint  # noqa: E402
from sae_lib.metrics import roughness  # noqa: E402

ASSETS = ROOT / "sae_lib" / "assets"

ASSET = "weight_decay_sweep.json"
BETA = 3 * 2 / 784  # UFLDL's β = 3 on ½ Σ_d (x_d − x̂_d)², rescaled to a mean over 784 pixels
WEIGHT_DECAY = 3e-3 * 2 / 784  # UFLDL's λ = 3e-3 on the same scale
STEPS = 1500
LABELLED = [100, 1000]


def train_model(images: torch.Tensor, seed: int, weight_decay: float, steps: int) -> sae_lib.SparseAutoencoder:
    """Notebook 05's model and recipe."""
    config = TrainConfig(rho=0.1, beta=BETA, steps=steps, weight_decay=weight_decay, seed=seed)
    return sae_lib.train(images, None, SAEConfig(hidden_dims=(), latent_dim=196), config, progress=False)[0]


def accuracies(train_x: np.ndarray, test_x: np.ndarray, train_y: np.ndarray, test_y: np.ndarray,
               labelled: np.ndarray, tuned: bool = False) -> float:
    """Test accuracy of a logistic regression fitted on the labelled rows of train_x."""
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

    classifier = (LogisticRegressionCV(Cs=[0.1, 1.0, 10.0], cv=3, max_iter=1000, scoring="accuracy",
                                       use_legacy_attributes=False) if tuned
                  else LogisticRegression(max_iter=1000))
    return float(classifier.fit(train_x[labelled], train_y[labelled]).score(test_x, test_y))


def sweep_seed(data: sae_lib.data.ImageData, seed: int, step_scale: float) -> list[dict]:
    """Both models of one seed: reconstruction, sparsity, speckle, and codes against pixels for a classifier."""
    pixels = [data.train_images.flatten(1).numpy(), data.test_images.flatten(1).numpy()]
    labels = [data.train_labels.numpy(), data.test_labels.numpy()]
    order = np.random.default_rng(seed).permutation(len(labels[0]))
    on_pixels = {f"pixels_{n}": accuracies(*pixels, *labels, order[:n]) for n in LABELLED}  # the same for both models
    on_pixels["pixels_1000_tuned"] = accuracies(*pixels, *labels, order[:1000], tuned=True)
    rows = []
    for weight_decay in (0.0, WEIGHT_DECAY):
        model = train_model(data.train_images, seed, weight_decay, max(1, round(STEPS * step_scale)))
        metrics = sae_lib.evaluate(model, data.test_images, rho=0.1)
        codes = [sae_lib.reconstruct(model, images)[1].cpu().numpy() for images in (data.train_images,
                                                                                   data.test_images)]
        features = model.dictionary.detach().cpu()
        row = {"seed": seed, "weight_decay": weight_decay, "variance_explained": metrics["variance_explained"],
               "l0": metrics["l0"], "mean_rho_hat": metrics["mean_rho_hat"],
               "roughness_median": roughness(features).median().item(),
               "feature_norm_mean": features.norm(dim=1).mean().item()}
        row.update({f"codes_{n}": accuracies(*codes, *labels, order[:n]) for n in LABELLED}, **on_pixels)
        row["codes_1000_tuned"] = accuracies(*codes, *labels, order[:1000], tuned=True)
        if weight_decay and seed == 0:
            # one line of text per feature (784 weights to 3 decimals): small, and enough for a picture
            row["first_features"] = [" ".join(f"{w:.3f}" for w in feature) for feature in features[:16].tolist()]
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--step-scale", type=float, default=1.0, help="multiply the training steps (smoke runs)")
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for the sweep and checksums.json")
    args = parser.parse_args()
    if args.step_scale <= 0:
        parser.error(f"--step-scale must be > 0, got {args.step_scale}")
    torch.set_num_threads(1)  # one thread: deterministic
    data = sae_lib.data.load_offline_mnist()  # what notebook 05 uses on every machine
    start = time.perf_counter()
    rows = [row for seed in args.seeds for row in sweep_seed(data, seed, args.step_scale)]
    seconds = time.perf_counter() - start
    command = "python scripts/sweep_weight_decay.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else "")
    payload = {"made_by": command, "torch": torch.__version__.split("+")[0], "seconds": round(seconds),
               "train_images": len(data.train_images),
               "beta": BETA, "weight_decay": WEIGHT_DECAY, "steps": max(1, round(STEPS * args.step_scale)),
               "labelled": LABELLED, "rows": rows}
    path = checkpoint.write_json_asset(payload, args.out, ASSET)
    print(f"{len(rows)} models in {seconds:.0f} s → {path}")


if __name__ == "__main__":
    main()
