"""Sweep notebook 09's sparsity–fidelity frontier: 4 architectures × 6 knob values × 3 seeds × 2 data sets.

    python scripts/sweep_frontier.py                                       # the shipped sweep (a few minutes)
    python scripts/sweep_frontier.py --seeds 0 --step-scale 0.02 --out /tmp  # smoke run

Each model gets the notebook's recipe (sae_lib.frontier.RECIPE and STEPS) on one CPU thread, so the
run is deterministic and the notebook's live models reproduce rows of this file. Writes the scores
(no weights) to assets/frontier_sweep.json atomically and records its SHA-256 in checksums.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib import checkpoint, frontier  # noqa: E402

ASSETS = ROOT / "sae_lib" / "assets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--step-scale", type=float, default=1.0, help="multiply the recipe's steps (smoke runs)")
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for frontier_sweep.json and checksums.json")
    args = parser.parse_args()
    if args.step_scale <= 0:
        parser.error(f"--step-scale must be > 0, got {args.step_scale}")
    torch.set_num_threads(1)  # one thread: deterministic, and what the notebook uses
    start = time.perf_counter()
    rows = frontier.sweep_frontier(frontier.frontier_data(), args.seeds, args.step_scale)
    seconds = time.perf_counter() - start
    payload = {"made_by": "python scripts/sweep_frontier.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""),
               "torch": torch.__version__.split("+")[0], "seeds": args.seeds, "knobs": frontier.KNOBS,
               "steps": {k: max(1, round(v * args.step_scale)) for k, v in frontier.STEPS.items()}, "rows": rows}
    path = checkpoint.write_json_asset(payload, args.out, frontier.FRONTIER_ASSET)
    print(f"{len(rows)} models in {seconds:.0f} s → {path}")


if __name__ == "__main__":
    main()
