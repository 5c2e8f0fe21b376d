"""scripts/sweep_sparsity.py: the script runs, and the shipped sweep holds what notebooks 01 and 04 read."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sae_lib import checkpoint

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from sweep_sparsity import ASSET, BETAS, CLASSIC_BETAS, PENALTIES  # noqa: E402


def test_the_shipped_sweep_has_every_model_on_three_seeds():
    sweep = json.loads(checkpoint.verify_asset(ASSET).read_text())  # checksum verified
    assert sweep["seeds"] == [0, 1, 2] and sweep["steps"] == {"penalties": 800, "beta": 1000}
    assert sorted((r["model"], r["seed"]) for r in sweep["penalties"]) == sorted(
        (m, s) for m in PENALTIES for s in sweep["seeds"])
    assert sorted((r["beta"], r["seed"]) for r in sweep["beta"]) == sorted((b, s) for b in BETAS for s in sweep["seeds"])
    assert sorted((r["beta"], r["seed"]) for r in sweep["classic"]) == sorted(
        (b, s) for b in CLASSIC_BETAS for s in sweep["seeds"])  # notebook 04's check of the chapters' own model
    for row in sweep["penalties"]:
        assert sum(row["pooled_shares"]) == pytest.approx(1.0, abs=1e-5)  # the bands cover every activation


@pytest.mark.slow  # trains 18 tiny models
def test_the_script_trains_a_few_steps_and_records_its_checksum(tmp_path):
    subprocess.run([sys.executable, "scripts/sweep_sparsity.py", "--seeds", "0", "--step-scale", "0.01",
                    "--out", str(tmp_path)], cwd=ROOT, check=True, capture_output=True, text=True)
    sweep = json.loads((tmp_path / ASSET).read_text())
    assert len(sweep["penalties"]) == len(PENALTIES) and len(sweep["beta"]) == len(BETAS)
    assert len(sweep["classic"]) == len(CLASSIC_BETAS)
    sums = json.loads((tmp_path / "checksums.json").read_text())
    assert sums == {ASSET: checkpoint.file_digest(tmp_path / ASSET)}
