"""The command line: train and infer end to end, --help, and one-line failures that lose nothing."""

import json
import subprocess
import sys

import numpy as np
import pytest

from sae_lib import checkpoint, cli
from sae_lib.cli import build_parser, main
from sae_lib.neural import synthetic_recording


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "rec.npy"
    np.save(path, synthetic_recording(n_neurons=12, n_atoms=16, n_time=10, n_presentations=20, active=2).data)
    return path


@pytest.fixture(scope="module")
def trained(recording, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--data-path", str(recording), "--embedding-dim", "32", "--epochs", "3",
                 "--lr", "1e-3", "--output-dir", str(out)]) == 0
    return out


@pytest.mark.slow  # a training run through the CLI: 2-3 s
def test_train_on_recordings_writes_best_model_config_and_plot(trained):
    assert (trained / "checkpoints" / "best_model.pt").is_file() and (trained / "loss.png").is_file()
    run = json.loads((trained / "config.json").read_text())
    assert run["model"]["latent_dim"] == 32 and run["train"]["penalty"] == "l1" and 1 <= run["best_epoch"] <= 3
    meta = checkpoint.load_metadata(trained / "checkpoints" / "best_model.pt")
    assert len(meta["standardizer"]["mean"]) == 12
    assert checkpoint.load(trained / "checkpoints" / "best_model.pt").config.unit_norm_decoder


@pytest.mark.slow  # a training run through the CLI: 2-3 s
def test_infer_writes_codes_errors_and_figures(trained, recording, tmp_path):
    out = tmp_path / "inference"
    assert main(["infer", "--data-path", str(recording), "--model-path", str(trained / "checkpoints" / "best_model.pt"),
                 "--output-dir", str(out), "--num-samples", "3"]) == 0
    codes, errors = np.load(out / "codes.npy"), np.load(out / "reconstruction_error.npy")
    assert codes.shape == (200, 32) and errors.shape == (200,) and (codes >= 0).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["mean_squared_error"] == pytest.approx(float(errors.mean()), rel=1e-5)
    assert all((out / f).is_file() for f in ["reconstructions.png", "code_heatmap.png", "top_atoms.png"])


@pytest.mark.slow  # a training run through the CLI: 2-3 s
def test_train_mnist_flavour_on_the_offline_sample(tmp_path):
    assert main(["train", "--epochs", "1", "--h-dims", "64,16", "--save-model", "--num-samples", "3",
                 "--output-dir", str(tmp_path), "--no-download-mnist"]) == 0
    model = checkpoint.load(tmp_path / "sae_mnist.pt")
    assert model.config.hidden_dims == (64,) and model.config.latent_dim == 16
    assert all((tmp_path / "images" / name).is_file() for name in ["reconstructions.png", "training_loss.png"])


def test_help_lists_every_flag():
    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    assert "seed scripts' defaults" in text
    for flag in ["--batch-size", "--epochs", "--steps", "--lr", "--in-dims", "--h-dims", "--sparsity-lambda",
                 "--sparsity-target", "--penalty", "--download-mnist", "--no-download-mnist", "--save-model",
                 "--num-samples", "--save-plots", "--no-save-plots", "--output-dir", "--seed", "--device",
                 "--data-path", "--embedding-dim", "--sparsity-weight"]:
        assert flag in text
    infer_help = build_parser()._subparsers._group_actions[0].choices["infer"].format_help()
    assert all(f in infer_help for f in ["--data-path", "--model-path", "--output-dir", "--batch-size",
                                         "--num-samples"])


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "sae_lib", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args, message", [
    (["train", "--lr", "-1"], "out of range"),
    (["train", "--sparsity-target", "1.5"], "out of range"),
    (["train", "--epochs", "0"], "out of range"),
    (["train", "--h-dims", "64,x"], "comma-separated"),
    (["train", "--penalty", "l3"], "invalid choice"),
    (["train", "--data-path", "missing.npy"], "no recording"),
])
def test_bad_input_is_one_line_without_traceback(args, message):
    result = run_cli(*args)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_arrays_fail_cleanly(tmp_path, capsys):
    # in-process (a subprocess per case cost 12 s of CPU in torch imports); the test above runs the real process
    flat, nan = tmp_path / "flat.npy", tmp_path / "nan.npy"
    np.save(flat, np.zeros((3, 4)))
    bad = np.ones((4, 5, 6))
    bad[0, 0, 0] = np.inf
    np.save(nan, bad)
    for path, message in [(flat, "3-D array"), (nan, "NaN/inf")]:
        code = main(["train", "--data-path", str(path), "--output-dir", str(tmp_path / "out")])
        err = capsys.readouterr().err
        assert code == 1 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow  # a training run through the CLI: 2-3 s
def test_failed_run_keeps_the_existing_good_checkpoint(trained, recording, monkeypatch, capsys):
    good = (trained / "checkpoints" / "best_model.pt").read_bytes()
    real_fit = cli.fit

    def fit_then_diverge(*args, on_epoch_end, **kwargs):  # one good epoch, then the loss blows up
        real_fit(*args, on_epoch_end=on_epoch_end, **{**kwargs, "progress": False})
        raise FloatingPointError("loss became nan at epoch 2, step 1")

    monkeypatch.setattr(cli, "fit", fit_then_diverge)
    code = main(["train", "--data-path", str(recording), "--embedding-dim", "32", "--epochs", "1",
                 "--output-dir", str(trained)])
    assert code == 1 and "loss became nan" in capsys.readouterr().err
    assert (trained / "checkpoints" / "best_model.pt").read_bytes() == good


@pytest.mark.slow  # a training run through the CLI: 2-3 s
def test_infer_rejects_a_model_of_another_width(trained, tmp_path):
    other = tmp_path / "other.npy"
    np.save(other, np.ones((5, 3, 3), dtype=np.float32))
    result = run_cli("infer", "--data-path", str(other), "--model-path", str(trained / "checkpoints" / "best_model.pt"))
    assert result.returncode == 1 and "expects 12" in result.stderr


def test_infer_with_missing_model(recording):
    result = run_cli("infer", "--data-path", str(recording), "--model-path", "nope.pt")
    assert result.returncode == 1 and "no checkpoint" in result.stderr


def test_a_diverging_run_stops_with_one_line_and_saves_nothing(tmp_path, recording):
    result = run_cli("train", "--data-path", str(recording), "--lr", "1e6", "--epochs", "3",
                     "--output-dir", str(tmp_path))
    assert result.returncode == 1 and "diverged" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: training diverged")
    assert not (tmp_path / "checkpoints").exists()


def test_an_unwritable_output_dir_is_reported_before_training(tmp_path, recording):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_cli("train", "--data-path", str(recording), "--output-dir", str(blocker / "out"))
    assert result.returncode == 1 and "cannot write to --output-dir" in result.stderr
    assert "best validation loss" not in result.stdout  # it failed before training


def test_each_penalty_has_its_own_weight_flag(monkeypatch, recording, tmp_path):
    seen = []
    monkeypatch.setattr(cli, "fit", lambda model, *args, **kwargs: seen.append(args[2]) or (_ for _ in ()).throw(
        FloatingPointError("stop")))
    main(["train", "--data-path", str(recording), "--sparsity-weight", "0.5", "--sparsity-lambda", "0.7",
          "--output-dir", str(tmp_path)])
    main(["train", "--data-path", str(recording), "--penalty", "kl", "--sparsity-lambda", "0.7",
          "--output-dir", str(tmp_path)])
    l1, kl = seen
    assert (l1.penalty, l1.l1_lambda, l1.lr) == ("l1", 0.5, 2e-3)
    assert (kl.penalty, kl.beta, kl.l1_lambda) == ("kl", 0.7, 0.02)
