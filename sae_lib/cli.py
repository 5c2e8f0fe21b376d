"""Command line: `python -m sae_lib train …`, `infer …`, `grade …` and `export …`.

`train` has two flavours. Without --data-path it trains on MNIST. With --data-path recordings.npy
([neurons, time, presentations]) it learns an over-complete dictionary with an L1 penalty, keeps the
model with the best validation loss as OUTPUT_DIR/checkpoints/best_model.pt, and writes the config
used and a loss plot. `infer` applies a saved neural-data model to recordings and writes codes,
reconstruction errors and figures. `export model DIR` writes the course's language model as a Hugging Face
GPT-2 folder and `export sae NAME_OR_PATH DIR` a shipped or saved SAE as a SAELens folder (the `[field]`
extra; chapter 14 opens both in TransformerLens and SAELens). `grade` runs student notebooks and writes one CSV
row per checker call (sae_lib.grading, imported only when asked for). Expected failures print one line on stderr
and exit with status 1 (2 for bad flags); a failed or diverging run never replaces a checkpoint.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from . import checkpoint, plots
from .data import load_mnist
from .metrics import l0, reconstruct
from .model import SAEConfig, SparseAutoencoder
from .neural import Standardizer, dictionary_config, load_recording, to_samples, train_validation_split
from .training import DEFAULT_STEPS, KeepBest, TrainConfig, default_device, fit

__all__ = ["build_parser", "main"]

#: Library defaults per flavour, for flags whose default depends on the data.
_MNIST_DEFAULTS = {"lr": TrainConfig().lr, "penalty": "kl", "sparsity_weight": TrainConfig().l1_lambda}
_RECORDING_DEFAULTS = {"lr": 2e-3, "penalty": "l1", "sparsity_weight": 0.02}
_SEED_DEFAULTS = """\
The seed scripts' defaults, to reproduce their runs: MNIST --h-dims 20 --lr 1e-4 --batch-size 64
--epochs 20 --sparsity-lambda 0.2 --sparsity-target 0.01; recordings --embedding-dim 1024
--sparsity-weight 1e-3 --epochs 100 --batch-size 32 --lr 1e-4 (at lr 1e-4 the MNIST model barely
leaves the mean image in 20 epochs of the offline sample: the library's defaults learn)."""


class _OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (no usage block), exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _checked(kind: type, low: float, high: float = float("inf"), low_open: bool = False, high_open: bool = False):
    """An argparse type that parses `kind` and checks it lies in [low, high] (ends open when asked)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}") from None
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if value != value or too_low or too_high:
            ends = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: allowed {ends}")
        return value
    return parse


def _widths(text: str) -> list[int]:
    """Parse comma-separated layer widths such as '128,32' (the last one is the latent size)."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: every width must be a positive integer")
    return values


def build_parser() -> argparse.ArgumentParser:
    """The `train`, `infer` and `export` subcommands with every flag documented."""
    parser = _OneLineParser(prog="python -m sae_lib", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    positive_int, positive = _checked(int, 1), _checked(float, 0, low_open=True)
    t = commands.add_parser("train", help="train a sparse autoencoder on MNIST or on neural recordings",
                            epilog=_SEED_DEFAULTS)
    t.add_argument("--data-path", type=Path, help="recordings .npy [neurons, time, presentations]; omit for MNIST")
    t.add_argument("--batch-size", type=positive_int, default=128, help="batch size (default 128)")
    t.add_argument("--steps", type=positive_int, default=DEFAULT_STEPS,
                   help=f"Adam steps, rounded up to whole epochs (default {DEFAULT_STEPS}); --epochs replaces it")
    t.add_argument("--epochs", type=positive_int, help="train this many epochs instead of --steps")
    t.add_argument("--lr", type=positive, help=f"Adam learning rate (default {_MNIST_DEFAULTS['lr']:g} on MNIST, "
                                               f"{_RECORDING_DEFAULTS['lr']:g} on recordings)")
    t.add_argument("--in-dims", type=positive_int, default=784, help="input size on MNIST (default 784)")
    t.add_argument("--h-dims", type=_widths, default=[128, 32],
                   help="MNIST: comma-separated widths, the last is the latent size (default 128,32)")
    t.add_argument("--penalty", choices=["kl", "l1"], help="sparsity penalty (default kl on MNIST, l1 on recordings)")
    t.add_argument("--sparsity-lambda", type=_checked(float, 0), default=TrainConfig().beta,
                   help=f"β, the weight of the KL penalty (default {TrainConfig().beta:g})")
    t.add_argument("--sparsity-target", type=_checked(float, 0, 1, True, True), default=TrainConfig().rho,
                   help=f"ρ, the KL target mean activation (default {TrainConfig().rho:g})")
    t.add_argument("--sparsity-weight", type=_checked(float, 0),
                   help=f"λ, the weight of the L1 penalty (default {_MNIST_DEFAULTS['sparsity_weight']:g} on MNIST, "
                        f"{_RECORDING_DEFAULTS['sparsity_weight']:g} on recordings)")
    t.add_argument("--download-mnist", action=argparse.BooleanOptionalAction, default=True,
                   help="download MNIST if it is not cached (default yes)")
    t.add_argument("--save-model", action="store_true", help="MNIST: save the trained model to OUTPUT_DIR/sae_mnist.pt")
    t.add_argument("--num-samples", type=positive_int, default=5, help="reconstructions to plot (default 5)")
    t.add_argument("--save-plots", action=argparse.BooleanOptionalAction, default=True,
                   help="save reconstruction and loss plots as PNG (default yes)")
    t.add_argument("--embedding-dim", type=positive_int, default=1024,
                   help="recordings: dictionary size, over-complete (default 1024)")
    t.add_argument("--output-dir", type=Path, default=Path("outputs"), help="where results go (default ./outputs)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--device", default=None, help="cpu, cuda, cuda:1 … (default: cuda when available)")
    i = commands.add_parser("infer", help="encode recordings with a saved model and report how well it rebuilds them")
    i.add_argument("--data-path", type=Path, required=True, help="recordings .npy [neurons, time, presentations]")
    i.add_argument("--model-path", type=Path, required=True, help="a checkpoint written by train (best_model.pt)")
    i.add_argument("--output-dir", type=Path, default=Path("inference_results"), help="default ./inference_results")
    i.add_argument("--batch-size", type=positive_int, default=32, help="batch size for encoding (default 32)")
    i.add_argument("--num-samples", type=positive_int, default=5, help="samples to plot (default 5)")
    i.add_argument("--device", default=None, help="default: cuda when available")
    g = commands.add_parser("grade", help="run student notebooks and write one CSV row per checker call")
    g.add_argument("notebooks", nargs="+", type=Path, help="student notebooks (.ipynb), each run in a fresh kernel")
    g.add_argument("--csv", type=Path, required=True, help="where to write the grades (student_file, exercise, "
                                                           "passed, score, message)")
    g.add_argument("--timeout", type=positive_int, default=600, help="seconds one cell may take (default 600)")
    e = commands.add_parser("export", help="write the course's model or an SAE in the field's formats "
                                           "(needs the [field] extra)")
    what = e.add_subparsers(dest="what", required=True, parser_class=_OneLineParser)
    m = what.add_parser("model", help="the course's language model as a Hugging Face GPT-2 folder")
    m.add_argument("out", type=Path, metavar="DIR", help="the folder to write (replaced if it exists)")
    m.add_argument("--model-path", type=Path, help="a CharTransformer saved by scripts/train_language_model.py "
                                                   "(default: the shipped one)")
    sa = what.add_parser("sae", help="an SAE as a SAELens folder (cfg.json + sae_weights.safetensors)")
    sa.add_argument("sae", metavar="NAME_OR_PATH", help="a shipped SAE's name (lm_sae_topk_auxk.pt) or a checkpoint")
    sa.add_argument("out", type=Path, metavar="DIR", help="the folder to write (replaced if it exists)")
    sa.add_argument("--hook-name", default="blocks.0.mlp.hook_post",
                   help="where the SAE reads, as TransformerLens names it (default blocks.0.mlp.hook_post)")
    return parser


def _grade(args: argparse.Namespace) -> None:
    """Grade the notebooks; write the CSV; print a one-line summary per notebook."""
    from . import grading  # nbclient is imported only for this command

    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        raise ValueError(f"no such notebook: {', '.join(missing)}")
    rows = []
    for path in args.notebooks:
        mine = grading.grade_notebook(path, args.timeout)
        rows += mine
        passed = sum(r.passed for r in mine if r.exercise != "(notebook)")
        print(f"{path.name}: {passed} of {len(mine)} checks passed")
    print(f"{len(rows)} rows written to {grading.write_csv(rows, args.csv)}")


def _device(name: str | None) -> torch.device:
    """The requested device, checked; CUDA when available by default."""
    device = torch.device(name) if name else default_device()
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device {name} was asked for but CUDA is not available; use --device cpu")
    return device


def _writable(directory: Path) -> Path:
    """Create `directory` and prove it can take a file, before any training time is spent."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        raise OSError(f"cannot write to --output-dir {directory}: {error.strerror or error}") from None
    return directory


def _train_config(args: argparse.Namespace, defaults: dict) -> TrainConfig:
    """The TrainConfig the flags ask for, with the flavour's defaults for unset flags."""
    return TrainConfig(steps=None if args.epochs else args.steps, epochs=args.epochs, batch_size=args.batch_size,
                       lr=args.lr or defaults["lr"], penalty=args.penalty or defaults["penalty"],
                       rho=args.sparsity_target, beta=args.sparsity_lambda,
                       l1_lambda=defaults["sparsity_weight"] if args.sparsity_weight is None else args.sparsity_weight,
                       seed=args.seed)


def _train_mnist(args: argparse.Namespace) -> None:
    """The MNIST flavour: KL (or L1) sparse autoencoder, optional checkpoint and plots."""
    out = _writable(args.output_dir)
    config = _train_config(args, _MNIST_DEFAULTS)
    data = load_mnist(download=args.download_mnist)
    *hidden, latent = args.h_dims
    torch.manual_seed(args.seed)
    model = SparseAutoencoder(SAEConfig(input_dim=args.in_dims, hidden_dims=tuple(hidden), latent_dim=latent))
    history = fit(model, data.train_images, data.test_images, config, device=_device(args.device))
    print(f"test reconstruction loss {history.test_recon[-1]:.4f} after {history.steps} steps")
    if args.save_model:
        print(f"saved {checkpoint.save(model, out / 'sae_mnist.pt', metadata={'train_config': asdict(config)})}")
    if args.save_plots:
        x_hat, _ = reconstruct(model, data.test_images[: args.num_samples])
        plots.plot_reconstructions(data.test_images, x_hat, n=args.num_samples,
                                   path=out / "images" / "reconstructions.png")
        plots.plot_losses(history, path=out / "images" / "training_loss.png")


def _train_recordings(args: argparse.Namespace) -> None:
    """The neural flavour: linear over-complete L1 SAE; the best validation model is saved at the end."""
    config = _train_config(args, _RECORDING_DEFAULTS)
    samples = to_samples(load_recording(args.data_path))
    out = _writable(args.output_dir)
    standardizer = Standardizer.fit(samples)
    train_x, val_x = train_validation_split(standardizer(samples), args.seed)
    torch.manual_seed(args.seed)
    model = SparseAutoencoder(dictionary_config(samples.shape[1], args.embedding_dim))
    best = KeepBest(model)
    history = fit(model, train_x, val_x, config, device=_device(args.device), on_epoch_end=best)
    model.load_state_dict(best.state)
    run = {"data_path": str(args.data_path), "model": model.config.to_dict(), "train": asdict(config),
           "best_epoch": best.epoch, "best_validation_loss": best.loss}
    path = checkpoint.save(model.cpu(), out / "checkpoints" / "best_model.pt",
                           metadata={"standardizer": standardizer.to_dict(), "run": run})
    (out / "config.json").write_text(json.dumps(run, indent=2) + "\n")
    (out / "history.json").write_text(json.dumps(history.to_dict(), indent=1) + "\n")
    plots.plot_losses(history, path=out / "loss.png")
    print(f"best validation loss {best.loss:.4f} at epoch {best.epoch}; saved {path}")


def _infer(args: argparse.Namespace) -> None:
    """Encode recordings with a saved model; write codes, reconstruction errors and figures."""
    model = checkpoint.load(args.model_path).to(_device(args.device))
    metadata = checkpoint.load_metadata(args.model_path)
    if "standardizer" not in metadata:
        raise ValueError(f"{args.model_path} has no standardisation statistics: was it written by `train --data-path`?")
    standardizer = Standardizer.from_dict(metadata["standardizer"])
    samples = to_samples(load_recording(args.data_path))
    if samples.shape[1] != model.config.input_dim:
        raise ValueError(f"{args.data_path} has {samples.shape[1]} neurons but the model expects "
                         f"{model.config.input_dim}")
    out = _writable(args.output_dir)
    x = standardizer(samples)
    parts = [reconstruct(model, batch) for batch in torch.split(x, args.batch_size)]
    x_hat, z = torch.cat([p[0].cpu() for p in parts]), torch.cat([p[1].cpu() for p in parts])
    errors = ((x - x_hat) ** 2).mean(dim=1)
    np.save(out / "codes.npy", z.numpy())
    np.save(out / "reconstruction_error.npy", errors.numpy())
    summary = {"samples": len(x), "mean_squared_error": errors.mean().item(), "l0": l0(z, 0.0)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    plots.plot_population(x[: args.num_samples], x_hat[: args.num_samples], out / "reconstructions.png")
    plots.plot_latent_heatmap(z, n=min(40, len(z)), path=out / "code_heatmap.png")
    plots.plot_top_atoms(model.dictionary.detach().cpu(), z, out / "top_atoms.png")
    print(f"{len(x)} samples: mean squared error {summary['mean_squared_error']:.4f}, L0 {summary['l0']:.1f}; "
          f"results in {out}")


def _export(args: argparse.Namespace) -> None:
    """Write the model or an SAE in the field's formats; the language-model half is imported only here."""
    from .lm import export  # lazily: the SAE half of the command line never loads sae_lib.lm
    if args.what == "model":
        from .lm.model import load_pretrained
        model = load_pretrained(args.model_path)[0] if args.model_path else None
        print(f"wrote a Hugging Face GPT-2 folder: {export.export_model(args.out, model)}")
    else:
        print(f"wrote a SAELens folder: {export.export_sae(args.sae, args.out, hook_name=args.hook_name)}")


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; expected failures become one line on stderr and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "grade":
            _grade(args)
        elif args.command == "infer":
            _infer(args)
        elif args.command == "export":
            _export(args)
        elif args.data_path is not None:
            _train_recordings(args)
        else:
            _train_mnist(args)
    except (OSError, ValueError, RuntimeError, FloatingPointError, ImportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
