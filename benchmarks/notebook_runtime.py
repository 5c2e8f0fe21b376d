"""Notebook runtime: every notebook under nbval, as `make test` runs them, timed on this machine.

Runs pytest over all notebooks in one process (a fresh kernel per notebook, offline data where there
is no network; nbval's options come from pyproject.toml) and reports the wall time, kernel start-ups
and pytest included, and the time nbval spent in each notebook's cells, against the course's budgets.
Run: python benchmarks/notebook_runtime.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from report import ROOT, publish

from sae_lib import load_mnist
from sae_lib.widgets import reference_fine_tune_seconds

# Budgets on a quiet machine, with a quarter's margin below the hard limits (20 s per notebook, 150 s in all)
# because this machine's speed drifts by about that much from hour to hour.
NOTEBOOK_TARGET_S = 16.0  # each notebook's cells, on 2 CPU cores, offline
#: Notebooks with a budget of their own: chapter 14 imports SAELens and TransformerLens (seconds by themselves).
OWN_TARGET_S = {"14_field_tools.ipynb": 30.0}
MEAN_TARGET_S = 12.5  # every notebook under nbval, wall time, per notebook on average


def run_nbval(notebooks: list[Path], junit: Path) -> float:
    """Run nbval over the notebooks in one pytest process; return its wall time in seconds (exit if a cell fails)."""
    start = time.perf_counter()
    paths = [str(n.relative_to(ROOT)) for n in notebooks]
    command = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    result = subprocess.run(command,
                            cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"nbval failed (exit {result.returncode}):\n{result.stdout[-3000:]}")
    return seconds


def seconds_per_notebook(junit: Path) -> dict[str, float]:
    """Sum of cell times per notebook from pytest's JUnit XML."""
    totals: dict[str, float] = defaultdict(float)
    for case in ET.parse(junit).iter("testcase"):
        totals[case.get("classname").removeprefix("notebooks.")] += float(case.get("time", 0))
    return dict(sorted(totals.items()))


def main() -> None:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    # The machine's speed, to compare runs on different machines: the explorer's yardstick (a bare PyTorch loop).
    digits = load_mnist().train_images[:4000]
    yardstick = sorted(reference_fine_tune_seconds(digits) for _ in range(5))[2]
    with tempfile.TemporaryDirectory() as tmp:
        wall = run_nbval(notebooks, Path(tmp) / "all.xml")
        per_notebook = seconds_per_notebook(Path(tmp) / "all.xml")
    lines = [f"| notebook | s in its cells | ≤ {NOTEBOOK_TARGET_S:.0f} s |", "|---|---:|:---:|"]
    for name, s in per_notebook.items():
        lines.append(f"| {name} | {s:.1f} | {'yes' if s <= OWN_TARGET_S.get(name, NOTEBOOK_TARGET_S) else '**no**'} |")
    over = [name for name, s in per_notebook.items() if s > OWN_TARGET_S.get(name, NOTEBOOK_TARGET_S)]
    lines += [
        "",
        f"**All {len(notebooks)} notebooks under nbval: {wall:.1f} s** wall time, kernel start-ups and pytest included "
        f"({wall / len(notebooks):.1f} s a notebook; target: ≤ {MEAN_TARGET_S:g} s a notebook on average). "
        + (f"Over the {NOTEBOOK_TARGET_S:.0f} s per-notebook budget: {', '.join(over)}." if over
           else f"Every notebook is within its {NOTEBOOK_TARGET_S:.0f} s budget."),
        "",
        f"This machine's speed in the same run: the explorer's yardstick (`widgets.reference_fine_tune_seconds`, 125 "
        f"Adam steps of a 784 → 128 → 784 autoencoder on one thread) took {yardstick:.2f} s (median of 5).",
    ]
    publish("notebook_runtime", "\n".join(lines), "python benchmarks/notebook_runtime.py")


if __name__ == "__main__":
    main()
