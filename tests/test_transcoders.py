"""Transcoders: shape and TopK, training that learns, the MLP-output splice and fidelity, checkpoints, the shipped
assets, explanations, and the training script's smoke run."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sae_lib import lm
from sae_lib.lm import transcoders as T

ROOT = Path(__file__).resolve().parents[1]
TINY = lm.LMConfig(n_layers=1, d_model=16, n_heads=2, d_mlp=32, context=12)


def test_config_rejects_bad_values():
    for bad in (dict(k=0), dict(n_latents=-1), dict(k=20, n_latents=10), dict(skip=1), dict(d_in=2.0)):
        with pytest.raises(ValueError, match=next(iter(bad)) if "n_latents" not in bad else "n_latents"):
            T.TranscoderConfig(**bad)
    with pytest.raises(ValueError, match="steps"):
        T.TranscoderTrainConfig(steps=0)


def test_encode_keeps_k_relu_latents_and_skip_needs_the_input():
    torch.manual_seed(0)
    tc = T.Transcoder(T.TranscoderConfig(d_in=8, d_out=6, n_latents=20, k=3, skip=True))
    m = torch.randn(5, 8)
    z = tc.encode(m)
    assert z.shape == (5, 20) and ((z > 0).sum(dim=1) <= 3).all() and (z >= 0).all()
    kept = tc.pre_acts(m).topk(3, dim=1)
    assert torch.equal(z.gather(1, kept.indices), kept.values.relu())
    y, _ = tc(m)
    assert y.shape == (5, 6)
    with pytest.raises(ValueError, match="skip"):
        tc.decode(z)


def test_cache_holds_the_mlp_input_and_output_without_changing_the_logits():
    torch.manual_seed(0)
    model = lm.CharTransformer(TINY).eval()
    ids = torch.randint(0, 97, (2, 12))
    cache: dict = {}
    logits = model(ids, cache=cache)
    assert torch.equal(logits, model(ids))
    block = model.blocks[0]
    assert torch.allclose(cache["mlp_in.0"], block.ln2(cache["resid_mid.0"]))
    assert torch.allclose(cache["resid_post.0"], cache["resid_mid.0"] + cache["mlp_out.0"])


@pytest.mark.slow  # a training run: over the fast tier's CPU limit
def test_training_learns_a_linear_map_and_the_skip_carries_it():
    """On targets that are a linear function of the input, the skip variant fits far better at equal k."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2000, 8, generator=g)
    y = x @ torch.randn(8, 8, generator=g)
    small = T.TranscoderTrainConfig(steps=150, batch_size=64, lr=2e-2, seed=0)
    _, plain = T.train_transcoder(x, y, T.TranscoderConfig(d_in=8, d_out=8, n_latents=32, k=2), small)
    _, skip = T.train_transcoder(x, y, T.TranscoderConfig(d_in=8, d_out=8, n_latents=32, k=2, skip=True), small)
    assert plain["normalized_mse"] < 0.9  # it learns something
    assert skip["normalized_mse"] < 0.05 < plain["normalized_mse"]
    with pytest.raises(ValueError, match="mlp_in"):
        T.train_transcoder(x, y[:, :3], T.TranscoderConfig(d_in=8, d_out=8, n_latents=32, k=2), small)


def test_training_is_reproducible():
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(500, 6, generator=g), torch.randn(500, 6, generator=g)
    config, train = T.TranscoderConfig(d_in=6, d_out=6, n_latents=12, k=2), T.TranscoderTrainConfig(steps=20, seed=3)
    a, _ = T.train_transcoder(x, y, config, train)
    b, _ = T.train_transcoder(x, y, config, train)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_mlp_replaced_loss_is_the_clean_loss_with_the_true_output_and_worse_without():
    torch.manual_seed(0)
    model = lm.CharTransformer(TINY).eval()
    ids = torch.randint(0, 97, (100,))
    mlp_in, mlp_out = T.mlp_io(model, ids)
    assert mlp_in.shape == mlp_out.shape == (96, 16)
    clean = lm.next_char_loss(model, ids)
    assert T.mlp_replaced_loss(model, ids, mlp_out) == pytest.approx(clean, rel=1e-5)
    assert T.mlp_replaced_loss(model, ids, lambda out: out) == pytest.approx(clean, rel=1e-6)
    assert T.mlp_replaced_loss(model, ids, torch.zeros_like) != pytest.approx(clean, rel=1e-6)
    with pytest.raises(ValueError, match="96 rows"):
        T.mlp_replaced_loss(model, ids, mlp_out[:10])


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(0)
    tc = T.Transcoder(T.TranscoderConfig(d_in=8, d_out=8, n_latents=16, k=2, skip=True))
    path = T.save_transcoder(tc, tmp_path / "tc.pt", dict(note="x"))
    back, meta = T.load_transcoder(path)
    assert meta["note"] == "x" and back.config == tc.config
    assert torch.allclose(back.W_skip, tc.W_skip, atol=1e-3) and back.W_enc.dtype == torch.float32
    with pytest.raises(ValueError, match="checksummed"):
        T.load_transcoder("no_such_transcoder.pt")


@pytest.fixture(scope="module")
def shipped():
    model, _ = lm.load_pretrained()
    tc, meta = T.load_transcoder("transcoder_s0.pt")
    return model, tc, meta


def test_shipped_transcoder_recovers_most_of_the_loss(shipped):
    model, tc, meta = shipped
    held = lm.load_corpus().held_out_ids[:8_193]
    f = T.transcoder_fidelity(model, tc, held)
    assert f["loss_clean"] < f["loss_transcoder"] < f["loss_mean_ablated"] < f["loss_zero_ablated"]
    assert f["loss_recovered"] > 0.8 and f["loss_recovered_mean"] > 0.6
    assert f["l0"] <= 16 and 0 < f["normalized_mse"] < 0.5
    assert meta["fidelity"]["loss_recovered"] > 0.8  # as the script measured on 100,000 held-out characters


def test_encode_text_matches_encode_and_best_explanation_finds_a_planted_story(shipped):
    model, tc, _ = shipped
    text = "def f(self):\n    return self.x + 'abc'\n" * 6
    ids = lm.encode(text)[:-1]
    codes = T.encode_text(model, tc, lm.encode(text))
    mlp_in, _ = T.mlp_io(model, lm.encode(text))
    assert torch.allclose(codes.latent(5), tc.encode(mlp_in)[:, 5], atol=1e-6)
    assert len(codes.ids) == len(mlp_in) <= len(ids) + 1
    acts = torch.tensor([1.0 if c == "s" else 0.0 for c in text])
    best = T.best_explanation(acts, text)
    assert best.sentence == "the character is 's'" and best.precision == 1.0 and best.recall == 1.0
    assert T.best_explanation(torch.zeros(len(text)), text) is None


@pytest.mark.slow
def test_script_smoke_run(tmp_path):
    """scripts/train_transcoders.py runs end to end for a few steps and writes loadable, checksummed files."""
    subprocess.run([sys.executable, "scripts/train_transcoders.py", "--steps", "5", "--train-chars", "5000",
                    "--held-out-chars", "5000", "--out", str(tmp_path), "--only", "transcoder_skip_s1.pt"],
                   cwd=ROOT, check=True, capture_output=True)
    tc, meta = T.load_transcoder(tmp_path / "transcoder_skip_s1.pt")
    assert tc.config.skip and meta["train_config"]["seed"] == 1 and meta["train_config"]["steps"] == 5
    assert "transcoder_skip_s1.pt" in (tmp_path / "checksums.json").read_text()
