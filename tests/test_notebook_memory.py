"""Every notebook fits a Binder session: its kernel's peak memory stays within benchmarks/notebook_memory.py's target.

Chapter 12 once crept past it unnoticed (a bool tensor summed per row is cast to int64 first: half a GB), so the
benchmark's own measurement runs here, one fresh kernel per notebook, in the slow tier.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import notebook_memory  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_notebooks_kernel_fits_a_binder_session(path):
    measured = notebook_memory.measure(path)
    peak = max(measured["maxrss_mb"], measured["polled_mb"])
    assert 0 < peak <= notebook_memory.TARGET_MB, f"{path.name}: kernel peak {peak:,.0f} MB > {notebook_memory.TARGET_MB} MB"
