"""The seed sweeps behind notebooks 05 and 06: their scripts run (a few steps), and the shipped assets are complete."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sae_lib.checkpoint import file_digest, verify_asset

ROOT = Path(__file__).resolve().parents[1]


def run_script(name, out):
    command = [sys.executable, f"scripts/{name}", "--seeds", "0", "--step-scale", "0.01", "--out", str(out)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=900)


@pytest.mark.slow
@pytest.mark.parametrize("script, asset", [("sweep_dictionary.py", "dictionary_sweep.json"),
                                           ("sweep_weight_decay.py", "weight_decay_sweep.json")])
def test_the_sweep_scripts_run_a_few_steps_and_record_their_checksum(tmp_path, script, asset):
    run_script(script, tmp_path)
    payload = json.loads((tmp_path / asset).read_text())
    assert {r["seed"] for r in payload["rows"]} == {0}
    assert payload.get("step_scale") == 0.01 or payload.get("steps") == 15  # 1 % of the steps, recorded
    assert json.loads((tmp_path / "checksums.json").read_text())[asset] == file_digest(tmp_path / asset)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("script", ["sweep_dictionary.py", "sweep_weight_decay.py"])
def test_the_sweep_scripts_reject_a_non_positive_step_scale(script):
    result = subprocess.run([sys.executable, f"scripts/{script}", "--step-scale", "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "--step-scale must be > 0" in result.stderr


def test_the_shipped_dictionary_sweep_has_three_seeds_of_every_score():
    payload = json.loads(verify_asset("dictionary_sweep.json").read_text())
    assert payload["step_scale"] == 1.0 and [r["seed"] for r in payload["rows"]] == [0, 1, 2]
    for row in payload["rows"]:
        for scores in (row["sae"], row["sklearn"], *row["size_sweep"]):
            assert 0 < scores["mmcs"] <= 1 and 0 < scores["mmcs_reverse"] <= 1
            assert scores["matched"] + scores["unmatched"] in (128, 256, 512)
        assert len(row["l1_sweep"]) == len(payload["lambdas"]) and len(row["size_sweep"]) == len(payload["sizes"])
        # scikit-learn's α is swept like the SAE's λ, and the notebook's live fit (α = 1) is one of the grid's
        assert len(row["sklearn_alphas"]) == len(payload["alphas"]) and 1.0 in payload["alphas"]
        assert row["sklearn_alphas"][payload["alphas"].index(1.0)] == row["sklearn"]


def test_the_shipped_weight_decay_sweep_pairs_each_seed_with_and_without_decay():
    payload = json.loads(verify_asset("weight_decay_sweep.json").read_text())
    assert payload["steps"] == 1500 and payload["weight_decay"] > 0
    rows = payload["rows"]
    assert [(r["seed"], r["weight_decay"] > 0) for r in rows] == [(s, d) for s in (0, 1, 2) for d in (False, True)]
    for r in rows:
        assert all(0 < r[f"{kind}_{n}"] <= 1 for kind in ("codes", "pixels") for n in payload["labelled"])
    features = [f.split() for f in rows[1]["first_features"]]
    assert len(features) == 16 and all(len(f) == 784 for f in features)
