"""The sparsity–fidelity sweep of notebook 09: reading curves at equal L0, the sweep script, and the shipped scores."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sae_lib import frontier
from sae_lib.checkpoint import file_digest, verify_asset

ROOT = Path(__file__).resolve().parents[1]


def _rows(seed, l0s, nmses, architecture="TopK"):
    return [dict(architecture=architecture, seed=seed, l0=a, nmse=b) for a, b in zip(l0s, nmses)]


def test_at_equal_l0_reads_each_seed_in_log_l0_and_never_extrapolates():
    rows = _rows(0, [2, 8], [0.4, 0.2]) + _rows(1, [4, 16], [0.3, 0.1]) + _rows(0, [1, 100], [1, 1], "JumpReLU")
    curves = frontier.at_equal_l0(rows, "TopK", [1, 4, 8, 16])
    assert curves.shape == (2, 4)
    np.testing.assert_allclose(curves[0, 1:3], [0.3, 0.2])  # 4 is halfway between 2 and 8 in log L0
    np.testing.assert_allclose(curves[1, 1:], [0.3, 0.2, 0.1])
    assert np.isnan(curves[0, 0]) and np.isnan(curves[0, 3]) and np.isnan(curves[1, 0])


def test_at_equal_l0_names_an_unknown_architecture():
    with pytest.raises(ValueError, match="'TopKK'"):
        frontier.at_equal_l0(_rows(0, [2, 8], [0.4, 0.2]), "TopKK", [4])


def test_the_shipped_sweep_is_complete_and_made_by_the_current_recipe():
    payload = json.loads(verify_asset(frontier.FRONTIER_ASSET).read_text())
    rows = payload["rows"]
    assert payload["steps"] == frontier.STEPS and len(payload["seeds"]) >= 3
    for title, knobs in frontier.KNOBS.items():
        for architecture, values in zip(frontier.ARCHITECTURES, (knobs[0], knobs[1], knobs[1], knobs[2])):
            for seed in payload["seeds"]:
                got = sorted(r["knob"] for r in rows if r["dataset"] == title and r["architecture"] == architecture
                             and r["seed"] == seed)
                assert got == sorted(values), (title, architecture, seed)
    known = [r for r in rows if r["dataset"] == "known features"]
    assert all(0 <= r["recovered"] <= 1 and 0 < r["shrinkage"] < 2 and r["dead"] >= 0 for r in known)
    assert all(r["nmse"] < 1 for r in rows)  # every model does better than the mean


@pytest.mark.slow
def test_the_sweep_script_is_deterministic_and_writes_atomically(tmp_path):
    def run(out):
        command = [sys.executable, "scripts/sweep_frontier.py", "--seeds", "0", "1", "--step-scale", "0.02",
                   "--out", str(out)]
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=600)
        return json.loads((out / frontier.FRONTIER_ASSET).read_text())

    first = run(tmp_path / "a")
    rows = first["rows"]
    assert len(rows) == 2 * 2 * 4 * 6 and {r["seed"] for r in rows} == {0, 1}
    assert not list((tmp_path / "a").glob("*.tmp"))
    sums = json.loads((tmp_path / "a" / "checksums.json").read_text())
    assert sums[frontier.FRONTIER_ASSET] == file_digest(tmp_path / "a" / frontier.FRONTIER_ASSET)
    assert run(tmp_path / "b")["rows"] == rows  # one thread, seeded: the same scores every time


def test_the_sweep_script_rejects_a_non_positive_step_scale():
    result = subprocess.run([sys.executable, "scripts/sweep_frontier.py", "--step-scale", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "--step-scale must be > 0, got 0.0" in result.stderr


def test_equal_l0_compares_only_where_every_curve_reaches_and_gives_l1_over_the_best_other_per_seed():
    rows = (_rows(0, [2, 10], [0.8, 0.4], "ReLU + L1") + _rows(1, [3, 12], [0.9, 0.5], "ReLU + L1")
            + _rows(0, [1, 8], [0.4, 0.2], "TopK") + _rows(1, [1, 8], [0.5, 0.1], "TopK")
            + _rows(0, [2, 20], [0.3, 0.3], "JumpReLU") + _rows(1, [2, 20], [0.6, 0.6], "JumpReLU"))
    assert frontier.common_l0_range(rows) == (3, 8)
    table = frontier.equal_l0(rows, points=3)
    np.testing.assert_allclose(table.l0, [3, np.sqrt(24), 8])
    assert set(table.values) == {"ReLU + L1", "TopK", "JumpReLU"} and table.values["TopK"].shape == (2, 3)
    best_other = np.minimum(table.values["TopK"], table.values["JumpReLU"])
    np.testing.assert_allclose(table.l1_ratio, table.values["ReLU + L1"] / best_other)
    assert np.isfinite(table.l1_ratio).all()


def test_common_l0_range_says_when_curves_do_not_overlap():
    rows = _rows(0, [1, 2], [0.5, 0.4], "ReLU + L1") + _rows(0, [5, 9], [0.3, 0.2], "TopK")
    with pytest.raises(ValueError, match="share no L0 range"):
        frontier.common_l0_range(rows)
