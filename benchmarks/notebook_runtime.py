"""Notebook series runtime: every notebook under nbval, as `make test` runs them, timed on this machine.

Runs pytest over the series 01–05, then over the other notebooks (a fresh kernel per notebook, offline
data where there is no network), and reports each run's wall time, kernel start-ups and pytest
included, and the time nbval spent in each notebook's cells.
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

NBVAL = ["--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with", "notebooks/nbval_sanitize.cfg"]
TARGET_S = 60.0  # the series 01–05 must run in under a minute on 2 CPU cores


def run_nbval(notebooks: list[Path], junit: Path) -> float:
    """Run nbval over the notebooks in one pytest process; return its wall time in seconds (exit if a cell fails)."""
    start = time.perf_counter()
    paths = [str(n.relative_to(ROOT)) for n in notebooks]
    result = subprocess.run([sys.executable, "-m", "pytest", *paths, *NBVAL, "-q", f"--junitxml={junit}"],
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
    series = [n for n in notebooks if n.name[:2] in {"01", "02", "03", "04", "05"}]
    others = [n for n in notebooks if n not in series]
    with tempfile.TemporaryDirectory() as tmp:
        series_wall = run_nbval(series, Path(tmp) / "series.xml")
        others_wall = run_nbval(others, Path(tmp) / "others.xml")
        per_notebook = seconds_per_notebook(Path(tmp) / "series.xml") | seconds_per_notebook(Path(tmp) / "others.xml")
    lines = ["| notebook | s in its cells |", "|---|---:|"]
    lines += [f"| {name} | {s:.1f} |" for name, s in per_notebook.items()]
    lines += [
        "",
        f"**Series 01–05 under nbval: {series_wall:.1f} s** wall time, kernel start-ups and pytest included "
        f"(target: under {TARGET_S:.0f} s); the other {len(others)} notebooks: {others_wall:.1f} s.",
    ]
    publish("notebook_runtime", "\n".join(lines), "python benchmarks/notebook_runtime.py")


if __name__ == "__main__":
    main()
