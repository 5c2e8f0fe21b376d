"""The Matryoshka loss: nested prefixes each reconstruct, the sum is trained, and it stops absorption on a hierarchy."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sae_lib import checkpoint
from sae_lib.hierarchy import make_hierarchy, toy_run
from sae_lib.matryoshka import check_prefixes, matryoshka_loss, prefix_reconstructions
from sae_lib.model import SAEConfig, SparseAutoencoder
from sae_lib.training import TrainConfig, fit

ROOT = Path(__file__).resolve().parents[1]


def _sae(latents=8, dim=5):
    torch.manual_seed(0)
    return SparseAutoencoder(SAEConfig(input_dim=dim, hidden_dims=(), latent_dim=latents, latent_activation="relu",
                                       output_activation="none"))


def test_each_prefix_reconstructs_from_its_first_latents_only():
    sae = _sae()
    z = torch.rand(6, 8)
    recons = prefix_reconstructions(sae, z, (2, 5, 8))
    for i, m in enumerate((2, 5, 8)):
        kept = z.clone()
        kept[:, m:] = 0
        assert torch.allclose(recons[i], sae.decode(kept), atol=1e-6)
    assert torch.allclose(recons[-1], sae.decode(z), atol=1e-6)


def test_the_loss_is_the_sum_of_the_prefix_errors():
    sae = _sae()
    x, z = torch.randn(6, 5), torch.rand(6, 8)
    expected = sum(((sae.decode(torch.cat([z[:, :m], torch.zeros(6, 8 - m)], 1)) - x) ** 2).mean() for m in (3, 8))
    assert torch.allclose(matryoshka_loss(sae, x, z, (3, 8)), expected, atol=1e-6)


@pytest.mark.parametrize("bad", [(), (4, 4, 8), (5, 3, 8), (0, 8), (True, 8), "ab", 3])
def test_bad_prefixes_are_a_one_line_value_error(bad):
    with pytest.raises(ValueError, match="prefixes"):
        check_prefixes(bad)


def test_training_checks_the_last_prefix_is_the_whole_sae():
    sae = _sae()
    with pytest.raises(ValueError, match="whole SAE"):
        fit(sae, torch.randn(32, 5), config=TrainConfig(penalty="none", steps=1, matryoshka_prefixes=(2, 6)),
            device="cpu", progress=False)
    assert TrainConfig(matryoshka_prefixes=[2, 8]).matryoshka_prefixes == (2, 8)


@pytest.mark.slow  # a training run: over the fast tier's CPU limit
def test_matryoshka_training_keeps_the_parents_latents_firing_where_topk_absorbs():
    tree = make_hierarchy()
    _, topk = toy_run(tree, 3, None, seed=0)  # the script's recipe (the shipped toy SAEs)
    _, nested = toy_run(tree, 3, (4, 16), seed=0)
    assert topk["absorption_rate"] > 0.3 and topk["parent_fires_with_child"] < 0.7
    assert nested["absorption_rate"] <= 1 / 12 and nested["parent_fires_with_child"] > 0.9
    assert abs(topk["l0"] - nested["l0"]) < 1


def test_the_shipped_toy_saes_are_what_their_scores_say():
    rows = checkpoint.load_json_asset("hierarchy_absorption.json")
    assert {(r["architecture"], r["seed"]) for r in rows} == {(a, s) for a in ("topk", "matryoshka") for s in (0, 1, 2)}
    tree = make_hierarchy()
    sae = checkpoint.load_asset("hierarchy_matryoshka_s0.pt")
    assert sae.config.latent_dim == len(tree.parent) and sae.config.latent_activation == "batchtopk"


@pytest.mark.slow
def test_the_training_script_runs_for_a_few_steps(tmp_path):
    script = ROOT / "scripts" / "train_matryoshka.py"
    run = subprocess.run([sys.executable, str(script), "--steps", "3", "--train-chars", "3000", "--held-out-chars",
                          "3000", "--out", str(tmp_path), "--only", "lm_sae_matryoshka_s0.pt"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    sae = checkpoint.load(tmp_path / "lm_sae_matryoshka_s0.pt")
    meta = checkpoint.load_metadata(tmp_path / "lm_sae_matryoshka_s0.pt")
    assert sae.config.latent_dim == 1024 and meta["prefixes"] == [64, 256, 1024] and meta["steps_run"] >= 3
    # All six are scored on the same characters: the fresh one from here, the rest from the shipped assets.
    rows = {row["file"]: row for row in checkpoint.json.loads((tmp_path / "lm_matryoshka_fidelity.json").read_text())}
    assert len(rows) == 6 and rows["lm_sae_matryoshka_s0.pt"]["loss_recovered"] == meta["fidelity"]["loss_recovered"]
    assert {row["held_out_chars"] for row in rows.values()} == {3000}
    run = subprocess.run([sys.executable, str(script), "--toy", "--steps", "5", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr
    assert len(checkpoint.json.loads((tmp_path / "hierarchy_absorption.json").read_text())) == 6


def test_the_topk_comparison_reuses_chapter_10s_sae_only_where_the_recipe_is_the_same():
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_lm_saes
    import train_matryoshka

    # Seed 0's TopK SAE is not trained twice: chapter 10's file must be this comparison's recipe exactly.
    _lm, config, train = train_lm_saes.SAES[train_matryoshka.TOPK_FILES[0]]
    assert config == train_matryoshka.SAE_CONFIG and train.seed == 0
    assert dataclasses.replace(train_matryoshka.SAES[train_matryoshka.TOPK_FILES[1]][1], seed=0) == train
    assert train_matryoshka.CHARS == train_lm_saes.TRAIN_CHARS and train_matryoshka.STEPS == train.steps
    matryoshka = train_matryoshka.SAES[train_matryoshka.MATRYOSHKA_FILES[0]]
    assert matryoshka[0].latent_dim == config.latent_dim and matryoshka[0].k == config.k
    assert all(checkpoint.asset_path(name).exists() for name in train_matryoshka.SAES)
