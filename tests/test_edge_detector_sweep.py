"""Notebook 07's sweep: the script runs end to end on a tiny grid, and the shipped asset is whole and consistent."""

import json
import subprocess
import sys
from pathlib import Path

from sae_lib import checkpoint

ROOT = Path(__file__).resolve().parents[1]


def test_the_sweep_script_runs_a_tiny_grid(tmp_path):
    result = subprocess.run([sys.executable, "scripts/sweep_edge_detectors.py", "--steps", "3", "--settle-steps", "3",
                             "--seeds", "1", "--lrs", "0.1", "--betas", "100", "--out", str(tmp_path)],
                            cwd=ROOT, check=True, capture_output=True, text=True, timeout=600)
    assert "best for raw: lr 0.1, beta 100" in result.stdout
    sweep = json.loads((tmp_path / "edge_detector_sweep.json").read_text())
    assert [(r["input"], r["seed"]) for r in sweep["runs"]] == [("whitened", 0), ("raw", 0)]
    assert all(len(r["filter_angle"]) == len(r["filter_selectivity"]) == 25 for r in sweep["runs"])
    sums = json.loads((tmp_path / "checksums.json").read_text())
    assert sums["edge_detector_sweep.json"] == checkpoint.file_digest(tmp_path / "edge_detector_sweep.json")


def test_the_shipped_sweep_is_whole_and_its_best_settings_are_the_best():
    sweep = json.loads(checkpoint.verify_asset("edge_detector_sweep.json").read_text())
    settings = sweep["settings"]
    grid = [(lr, beta) for lr in settings["lrs"] for beta in settings["betas_ufldl"]]
    assert len(sweep["runs"]) == 2 * len(grid) * settings["seeds"] == 96
    for name in ("whitened", "raw"):
        def mean(setting, name=name):
            values = [r["orientation"] for r in sweep["runs"] if r["input"] == name and (r["lr"], r["beta_ufldl"]) == setting]
            assert len(values) == settings["seeds"]
            return sum(values) / len(values)
        best = (sweep["best"][name]["lr"], sweep["best"][name]["beta_ufldl"])
        assert mean(best) == max(mean(setting) for setting in grid)
