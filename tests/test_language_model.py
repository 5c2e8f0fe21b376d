"""The course's character-level transformer: vocabulary, corpus, model and hooks, the shipped weights and their
scripts, and reading it with an SAE (loss recovered, dashboards)."""

import json
import math
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from sae_lib import checkpoint, lm, metrics
from sae_lib.lm import dashboards

ROOT = Path(__file__).resolve().parents[1]
TINY = lm.LMConfig(n_layers=2, d_model=16, n_heads=2, d_mlp=32, context=12)


@pytest.fixture(scope="module")
def shipped():
    model, meta = lm.load_pretrained()
    return model, meta, lm.load_corpus()


def test_vocabulary_round_trip_and_unknown_characters():
    text = "def f(x):\n    return 'é'\t"
    ids = lm.encode(text)
    assert ids.dtype == torch.long and len(ids) == len(text)
    assert lm.decode(ids) == "def f(x):\n    return '\x7f'\x7f"
    assert lm.decode(lm.encode("print(1 + 2)  # ok\n")) == "print(1 + 2)  # ok\n"


def test_corpus_is_split_by_whole_files_and_is_printable():
    corpus = lm.load_corpus()
    train_files = set(corpus.train_text.split("# ---- Lib/")[1:])
    held_files = set(corpus.held_out_text.split("# ---- Lib/")[1:])
    assert len(held_files) > 10 and not train_files & held_files
    assert 8 < len(train_files) / len(held_files) < 10
    assert set(corpus.train_text + corpus.held_out_text) <= set(lm.VOCAB)
    assert 2.5e6 < len(corpus.train_text) + len(corpus.held_out_text) < 3.5e6


def test_corpus_script_rebuilds_the_shipped_corpus(tmp_path):
    """The asset is what scripts/build_python_corpus.py writes on this Python (byte for byte)."""
    if platform.python_version() != "3.11.7":  # another release's standard library differs a little
        pytest.skip("the shipped corpus is CPython 3.11.7's standard library")
    out = tmp_path / "corpus.txt.gz"
    subprocess.run([sys.executable, "scripts/build_python_corpus.py", "--out", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    assert lm.load_corpus(out) == lm.load_corpus()


def test_windows():
    ids = torch.arange(30)
    w = lm.windows(ids, 12)
    assert w.shape == (2, 13) and w[1, 0] == 12 and w[0, -1] == 12
    with pytest.raises(ValueError, match="more than context=12"):
        lm.windows(torch.arange(12), 12)


def test_model_is_causal_and_its_cache_holds_every_hook_point():
    torch.manual_seed(0)
    model = lm.CharTransformer(TINY).eval()
    ids = torch.randint(0, 97, (3, 12))
    cache = {}
    logits = model(ids, cache=cache)
    assert logits.shape == (3, 12, 97)
    assert sorted(cache) == sorted(f"{k}.{i}" for k in ("resid_pre", "resid_mid", "mlp_in", "neurons", "mlp_out", "resid_post")
                                   for i in (0, 1))
    assert cache["neurons.1"].shape == (3, 12, 32) and cache["resid_post.1"].shape == (3, 12, 16)
    changed = ids.clone()
    changed[:, 7:] = (changed[:, 7:] + 1) % 97
    assert torch.allclose(model(changed)[:, :7], logits[:, :7], atol=1e-6)  # the future cannot leak back
    assert not torch.allclose(model(changed)[:, 7:], logits[:, 7:])
    with pytest.raises(ValueError, match="ids must have shape"):
        model(torch.zeros(1, 13, dtype=torch.long))


def test_edit_neurons_splices_into_one_block_only():
    torch.manual_seed(0)
    model = lm.CharTransformer(TINY).eval()
    ids = torch.randint(0, 97, (2, 12))
    clean = model(ids)
    assert torch.equal(model(ids, edit_neurons=lm.replace_neurons(0, lambda h: h)), clean)
    cache = {}
    zeroed = model(ids, cache=cache, edit_neurons=lm.replace_neurons(1, torch.zeros_like))
    # block 1's MLP then writes only its output bias: the residual after it is resid_mid + b_out
    block = model.blocks[1]
    expected = model.unembed(model.ln_final(cache["resid_mid.1"] + block.fc_out.bias))
    assert torch.allclose(zeroed, expected, atol=1e-6)


def test_config_errors_name_the_value():
    with pytest.raises(ValueError, match="multiple of n_heads=3"):
        lm.LMConfig(d_model=16, n_heads=3)
    with pytest.raises(ValueError, match="context must be a positive integer, got 0"):
        lm.LMConfig(context=0)
    with pytest.raises(ValueError, match="lr must be a finite number"):
        lm.LMTrainConfig(lr=float("nan"))


@pytest.mark.slow  # a training run / the whole held-out split: 5 s
def test_training_lowers_the_loss_and_is_seeded():
    ids = lm.encode("def add(a, b):\n    return a + b\n\n" * 40)
    config = lm.LMTrainConfig(steps=60, batch_size=8, warmup=5, lr=1e-2)
    model = lm.train_language_model(ids, config, TINY)
    again = lm.train_language_model(ids, config, TINY)
    untrained = lm.CharTransformer(TINY)
    assert lm.next_char_loss(model, ids) < 0.5 * lm.next_char_loss(untrained, ids)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))


def test_sample_is_seeded_and_continues_the_prompt(shipped):
    model = shipped[0]
    a = lm.sample(model, "def ", 40, seed=1)
    assert a.startswith("def ") and len(a) == 44 and a == lm.sample(model, "def ", 40, seed=1)
    with pytest.raises(ValueError, match="prompt"):
        lm.sample(model, "", 5)


@pytest.mark.slow  # the whole held-out split through the model: 12 s of CPU
def test_shipped_model_reaches_the_held_out_loss_its_script_reported(shipped):
    model, meta, corpus = shipped
    assert lm.next_char_loss(model, corpus.held_out_ids) == pytest.approx(meta["held_out_loss"], abs=2e-3)
    assert meta["held_out_loss"] < 1.6  # a model that has learned Python's characters, not a unigram table
    assert checkpoint.asset_path(lm.PRETRAINED_FILE).stat().st_size <= 2_000_000


def test_damaged_assets_are_refused(tmp_path, monkeypatch):
    assets = tmp_path / "assets"
    shutil.copytree(checkpoint.asset_path("."), assets)
    data = bytearray((assets / lm.PRETRAINED_FILE).read_bytes())
    data[-100] ^= 0xFF
    (assets / lm.PRETRAINED_FILE).write_bytes(bytes(data))
    monkeypatch.setattr(checkpoint, "asset_path", lambda name: assets / name)
    with pytest.raises(ValueError, match="damaged or was replaced"):
        lm.load_pretrained()
    with pytest.raises(ValueError, match="not a checksummed asset"):
        checkpoint.verify_asset("nothing.pt")


def test_every_shipped_asset_matches_its_checksum_and_is_packaged():
    sums = json.loads(checkpoint.asset_path("checksums.json").read_text())
    assert {lm.PRETRAINED_FILE, "lm_sae_topk_auxk.pt", "lm_sae_topk.pt", "lm_sae_256.pt", "lm_sae_4096.pt",
            "lm_sae_random_lm.pt", "char_transformer_random.pt"} <= set(sums)
    for name in sums:
        checkpoint.verify_asset(name)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'sae_lib = ["assets/*"]' in pyproject


@pytest.mark.parametrize("script, files", [
    ("train_language_model.py", [lm.PRETRAINED_FILE]),
    ("train_lm_saes.py", ["lm_sae_topk_auxk.pt", "lm_sae_topk.pt", "lm_sae_256.pt", "lm_sae_4096.pt",
                          "lm_sae_random_lm.pt", "char_transformer_random.pt"]),
])
def test_asset_scripts_train_a_few_steps(tmp_path, script, files):
    quick = ["--held-out-chars", "20000"] + (["--train-chars", "20000"] if script == "train_lm_saes.py" else [])
    result = subprocess.run([sys.executable, f"scripts/{script}", "--steps", "3", "--out", str(tmp_path), *quick],
                            cwd=ROOT, check=True, capture_output=True, text=True, timeout=600)
    assert "held-out loss" in result.stdout or "loss_recovered" in result.stdout
    sums = json.loads((tmp_path / "checksums.json").read_text())
    for name in files:
        assert sums[name] == checkpoint.file_digest(tmp_path / name)


def test_loss_recovered():
    assert metrics.loss_recovered(1.0, 1.0, 3.0) == 1.0
    assert metrics.loss_recovered(1.0, 3.0, 3.0) == 0.0
    assert metrics.loss_recovered(1.0, 1.5, 3.0) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="ablating the layer must raise the loss"):
        metrics.loss_recovered(2.0, 1.5, 2.0)


@pytest.fixture(scope="module")
def reading(shipped):
    model, _, corpus = shipped
    sae = checkpoint.load_asset("lm_sae_topk_auxk.pt")
    ids = corpus.held_out_ids[:20_000]
    neurons = lm.neuron_activations(model, ids)
    return model, sae, ids, neurons


def test_neuron_activations_line_up_with_the_characters(reading):
    model, _, ids, neurons = reading
    assert neurons.shape == ((len(ids) - 1) // 128 * 128, 512)
    cache = {}
    model(ids[128:256][None], cache=cache)
    assert torch.allclose(neurons[128:256], cache["neurons.0"][0], atol=1e-5)


@pytest.mark.slow  # a training run / the whole held-out split: 5 s
def test_shipped_sae_recovers_most_of_the_loss(reading):
    model, sae, ids, neurons = reading
    row = lm.lm_fidelity(model, sae, ids, neurons=neurons)
    assert row["loss_clean"] < row["loss_sae"] < row["loss_mean_ablated"] < row["loss_zero_ablated"]
    assert row["loss_recovered"] >= 0.85 and row["loss_recovered_mean"] > 0.5
    assert row["l0"] == pytest.approx(16, abs=0.5)


def test_latent_codes_match_the_dense_codes(reading):
    model, sae, ids, neurons = reading
    codes = dashboards.encode_text(model, sae, ids, neurons=neurons)
    dense = sae.encode(neurons[:3000])
    for j in (0, 5, int(dense.sum(0).argmax())):
        assert torch.allclose(codes.latent(j)[:3000], dense[:, j], atol=1e-6)
    assert torch.allclose(codes.density()[:50], (sae.encode(neurons) > 0).float().mean(0)[:50], atol=1e-6)
    with pytest.raises(ValueError, match="latent must be an integer from 0 to 1023, got 1024"):
        codes.latent(1024)


def test_top_contexts_are_the_largest_and_apart(reading):
    model, sae, ids, neurons = reading
    codes = dashboards.encode_text(model, sae, ids, neurons=neurons)
    j = int(codes.density().argmax())
    positions = dashboards.top_contexts(codes, j, n=5, min_gap=20)
    acts = codes.latent(j)
    assert len(positions) == 5 and positions[0] == int(acts.argmax())
    assert all(acts[a] >= acts[b] for a, b in zip(positions, positions[1:]))
    assert all(abs(a - b) >= 20 for a in positions for b in positions if a != b)
    page = dashboards.dashboard_html(model, sae, codes, j)
    assert f"latent {j}" in page and "promotes" in page and page.count("white-space: pre") == 8


def test_logit_effects_follow_the_decoder_direction(reading):
    model, sae, _, _ = reading
    promoted, suppressed = dashboards.logit_effects(model, sae, 3, n=5)
    assert len(promoted) == len(suppressed) == 5
    assert [v for _, v in promoted] == sorted((v for _, v in promoted), reverse=True)
    assert all(v < 0 for _, v in suppressed) and promoted[0][1] > 0
    # adding the latent's decoder direction to every neuron vector raises the promoted character's logit most
    ids = lm.encode("    return self\n")[None]
    base = model(ids)[0, -1]
    pushed = model(ids, edit_neurons=lm.replace_neurons(0, lambda h: h + 5 * sae.dictionary[3]))[0, -1]
    change = (pushed - base) - (pushed - base).mean()
    assert lm.VOCAB[int(change.argmax())] in [c for c, _ in promoted]


def test_notebook_10_prediction_matches_the_shipped_sae(reading):
    """The predict-first answer sealed in exercises.PREDICTIONS is what the shipped SAE's latent 950 does."""
    from sae_lib.exercises._checking import reveal

    model, sae, _, _ = reading
    assert reveal("what latent 950 promotes")[0] == "A"  # option A: `_` and capital letters
    promoted, suppressed = dashboards.logit_effects(model, sae, 950, n=6)
    assert all(c == "_" or c.isupper() for c, _ in promoted)
    assert all(c.islower() for c, _ in suppressed)


def test_notebook_11_prediction_matches_the_shipped_sae(reading):
    """Latent 70 (the `os` latent) promotes a dot more than any other character, as PREDICTIONS says."""
    from sae_lib.exercises._checking import reveal

    model, sae, _, _ = reading
    assert reveal("clamping the os latent")[0] == "dots"
    promoted, _ = dashboards.logit_effects(model, sae, 70, n=3)
    assert promoted[0][0] == "."


def test_spliced_loss_from_precomputed_rows_equals_the_live_splice(reading):
    """Feeding a block reconstructions computed once equals running the SAE inside the forward pass."""
    model, sae, ids, neurons = reading
    ids = ids[:5000]
    rows = neurons[:len(lm.windows(ids, 128)) * 128]
    live = lm.next_char_loss(model, ids, lm.replace_neurons(0, lambda h: sae(h)[0]))
    x_hat = sae(rows)[0]
    assert lm.next_char_loss(model, ids, replacement=x_hat) == pytest.approx(live, abs=1e-5)
    assert lm.next_char_loss(model, ids, replacement=rows) == pytest.approx(lm.next_char_loss(model, ids), abs=1e-5)
    with pytest.raises(ValueError, match="replacement must have"):
        lm.next_char_loss(model, ids, replacement=x_hat[:-1])


def test_dashboard_widget_redraws_for_the_picked_latent(reading):
    from sae_lib.lm.dashboards import feature_dashboard_widget

    model, sae, ids, neurons = reading
    codes = dashboards.encode_text(model, sae, ids, neurons=neurons)
    box = feature_dashboard_widget(model, sae, codes, latent=3)
    picker, page, histogram = box.children
    assert "latent 3</b>" in page.value and histogram.value[:4] == b"\x89PNG"
    picker.value = 950
    assert "latent 950</b>" in page.value


def test_latent_codes_top_matches_a_dense_topk(reading):
    model, sae, ids, neurons = reading
    codes = dashboards.encode_text(model, sae, ids[:6000], neurons=neurons[:5888])
    dense = torch.stack([codes.latent(j) for j in range(sae.config.latent_dim)], dim=1)
    values, positions = codes.top(5)
    expected = dense.topk(5, dim=0).values
    assert torch.allclose(values, expected)
    fired = values > 0
    assert torch.allclose(dense[positions[fired], torch.nonzero(fired)[:, 1]], values[fired])


def test_ngram_baselines_by_hand():
    train = lm.encode("abab")
    a, b = lm.VOCAB.index("a"), lm.VOCAB.index("b")
    v = len(lm.VOCAB)
    assert lm.ngram_loss(train, lm.encode("a"), 1) == pytest.approx(-math.log(3 / (4 + v)))
    assert lm.ngram_loss(train, lm.encode("ab"), 2) == pytest.approx(-math.log(3 / (2 + v)))  # a→b seen twice
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        lm.ngram_loss(train, train, 3)
    assert a != b
