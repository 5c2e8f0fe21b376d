"""Command line: `python -m sae_lib train …` and `python -m sae_lib infer …`.

`train` has two flavours. Without --data-path it trains on MNIST (the classic script's flags and
defaults). With --data-path recordings.npy ([neurons, time, presentations]) it learns an
over-complete dictionary with an L1 penalty, keeps the model with the best validation loss as
OUTPUT_DIR/checkpoints/best_model.pt, and writes the config used and a loss plot. `infer` applies a
saved neural-data model to recordings and writes codes, reconstruction errors and figures.
Expected failures print one line on stderr and exit with status 1 (2 for bad flags).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from . import checkpoint, plots
from .data import load_mnist
from .metrics import reconstruct
from .model import SAEConfig, SparseAutoencoder
from .neural import Standardizer, dictionary_config, load_recording, to_samples
from .training import History, TrainConfig, default_device, fit


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (no usage block), exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message}\n")


def checked(kind: type, low: float, high: float = float("inf"), low_open: bool = False, high_open: bool = False):
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


def widths(text: str) -> list[int]:
    """Parse comma-separated layer widths such as '128,32' (the last one is the latent size)."""
    try:
        values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: every width must be a positive integer")
    return values


def build_parser() -> argparse.ArgumentParser:
    """The `train` and `infer` subcommands with every flag documented."""
    parser = OneLineParser(prog="python -m sae_lib", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    positive_int, positive = checked(int, 1), checked(float, 0, low_open=True)
    t = commands.add_parser("train", help="train a sparse autoencoder on MNIST or on neural recordings")
    t.add_argument("--data-path", type=Path, help="recordings .npy [neurons, time, presentations]; omit for MNIST")
    t.add_argument("--batch-size", type=positive_int, help="batch size (default 64 on MNIST, 32 on recordings)")
    t.add_argument("--epochs", type=positive_int, help="epochs (default 20 on MNIST, 100 on recordings)")
    t.add_argument("--lr", type=positive, default=1e-4, help="Adam learning rate (default 1e-4)")
    t.add_argument("--in-dims", type=positive_int, default=784, help="input size on MNIST (default 784)")
    t.add_argument("--h-dims", type=widths, default=[20], help="MNIST: comma-separated widths, the last is the latent size (default 20)")
    t.add_argument("--sparsity-lambda", type=checked(float, 0), default=0.2, help="β, the weight of the sparsity penalty on MNIST (default 0.2)")
    t.add_argument("--sparsity-target", type=checked(float, 0, 1, True, True), default=0.01, help="ρ, the KL target mean activation (default 0.01)")
    t.add_argument("--penalty", choices=["kl", "l1"], help="sparsity penalty (default kl on MNIST, l1 on recordings)")
    t.add_argument("--download-mnist", action=argparse.BooleanOptionalAction, default=True, help="download MNIST if it is not cached (default yes)")
    t.add_argument("--save-model", action="store_true", help="MNIST: save the trained model to OUTPUT_DIR/sae_mnist.pt")
    t.add_argument("--num-samples", type=positive_int, default=5, help="reconstructions to plot (default 5)")
    t.add_argument("--save-plots", action=argparse.BooleanOptionalAction, default=True, help="save reconstruction and loss plots as PNG (default yes)")
    t.add_argument("--embedding-dim", type=positive_int, default=1024, help="recordings: dictionary size, over-complete (default 1024)")
    t.add_argument("--sparsity-weight", type=checked(float, 0), default=1e-3, help="recordings: L1 weight λ (default 1e-3)")
    t.add_argument("--output-dir", type=Path, default=Path("outputs"), help="where results go (default ./outputs)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--device", default=None, help="cpu, cuda, cuda:1 … (default: cuda when available)")
    i = commands.add_parser("infer", help="encode recordings with a saved model and report how well it reconstructs them")
    i.add_argument("--data-path", type=Path, required=True, help="recordings .npy [neurons, time, presentations]")
    i.add_argument("--model-path", type=Path, required=True, help="a checkpoint written by train (best_model.pt)")
    i.add_argument("--output-dir", type=Path, default=Path("inference_results"), help="default ./inference_results")
    i.add_argument("--batch-size", type=positive_int, default=32, help="batch size for encoding (default 32)")
    i.add_argument("--num-samples", type=positive_int, default=5, help="samples to plot (default 5)")
    i.add_argument("--device", default=None, help="default: cuda when available")
    return parser


def device_of(name: str | None) -> torch.device:
    """The requested device, checked; CUDA when available by default."""
    device = torch.device(name) if name else default_device()
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device {name} was asked for but CUDA is not available; use --device cpu")
    return device


def train_mnist(args: argparse.Namespace) -> None:
    """The MNIST flavour: KL (or L1) sparse autoencoder, optional checkpoint and plots."""
    data = load_mnist(download=args.download_mnist)
    *hidden, latent = args.h_dims
    model_config = SAEConfig(input_dim=args.in_dims, hidden_dims=tuple(hidden), latent_dim=latent)
    penalty = args.penalty or "kl"
    config = TrainConfig(epochs=args.epochs or 20, batch_size=args.batch_size or 64, lr=args.lr, penalty=penalty,
                         rho=args.sparsity_target, beta=args.sparsity_lambda, l1_lambda=args.sparsity_lambda, seed=args.seed)
    torch.manual_seed(args.seed)
    model = SparseAutoencoder(model_config)
    history = fit(model, data.train_images, data.test_images, config, device=device_of(args.device))
    print(f"test reconstruction loss {history.test_recon[-1]:.4f} after {history.steps} steps")
    if args.save_model:
        print(f"saved {checkpoint.save(model, args.output_dir / 'sae_mnist.pt', metadata={'train_config': vars_of(config)})}")
    if args.save_plots:
        x_hat, _ = reconstruct(model, data.test_images[: args.num_samples])
        plots.plot_reconstructions(data.test_images, x_hat, n=args.num_samples, path=args.output_dir / "images" / "reconstructions.png")
        plots.plot_losses(history, path=args.output_dir / "images" / "training_loss.png")


def vars_of(config: TrainConfig) -> dict:
    """A TrainConfig as a plain dict."""
    return {k: getattr(config, k) for k in config.__dataclass_fields__}


def split(samples: torch.Tensor, seed: int, fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded train/validation split of the samples (at least one validation sample)."""
    order = torch.randperm(len(samples), generator=torch.Generator().manual_seed(seed))
    n_val = max(1, int(len(samples) * fraction))
    return samples[order[n_val:]], samples[order[:n_val]]


def train_recordings(args: argparse.Namespace) -> None:
    """The neural flavour: linear over-complete L1 SAE; the best validation model is saved at the end."""
    samples = to_samples(load_recording(args.data_path))
    if len(samples) < 2:
        raise ValueError(f"{args.data_path} holds {len(samples)} samples; need at least 2 to keep one for validation")
    standardizer = Standardizer.fit(samples)
    train_x, val_x = split(standardizer(samples), args.seed)
    config = TrainConfig(epochs=args.epochs or 100, batch_size=args.batch_size or 32, lr=args.lr, penalty=args.penalty or "l1",
                         rho=args.sparsity_target, beta=args.sparsity_weight, l1_lambda=args.sparsity_weight, seed=args.seed)
    torch.manual_seed(args.seed)
    model = SparseAutoencoder(dictionary_config(samples.shape[1], args.embedding_dim))
    best = {"loss": float("inf"), "epoch": 0, "state": None}

    def keep_best(epoch: int, history: History) -> None:
        if history.test_total[-1] < best["loss"]:
            best.update(loss=history.test_total[-1], epoch=epoch, state=copy.deepcopy(model.state_dict()))

    history = fit(model, train_x, val_x, config, device=device_of(args.device), on_epoch_end=keep_best)
    model.load_state_dict(best["state"])
    run = {"data_path": str(args.data_path), "model": model.config.to_dict(), "train": vars_of(config),
           "best_epoch": best["epoch"], "best_validation_loss": best["loss"]}
    path = checkpoint.save(model.cpu(), args.output_dir / "checkpoints" / "best_model.pt",
                           metadata={"standardizer": standardizer.to_dict(), "run": run})
    (args.output_dir / "config.json").write_text(json.dumps(run, indent=2) + "\n")
    (args.output_dir / "history.json").write_text(json.dumps(history.to_dict(), indent=1) + "\n")
    plots.plot_losses(history, path=args.output_dir / "loss.png")
    print(f"best validation loss {best['loss']:.4f} at epoch {best['epoch']}; saved {path}")


def infer(args: argparse.Namespace) -> None:
    """Encode recordings with a saved model; write codes, reconstruction errors and figures."""
    model = checkpoint.load(args.model_path).to(device_of(args.device))
    metadata = checkpoint.load_metadata(args.model_path)
    if "standardizer" not in metadata:
        raise ValueError(f"{args.model_path} has no standardisation statistics: was it written by `train --data-path`?")
    standardizer = Standardizer.from_dict(metadata["standardizer"])
    samples = to_samples(load_recording(args.data_path))
    if samples.shape[1] != model.config.input_dim:
        raise ValueError(f"{args.data_path} has {samples.shape[1]} neurons but the model expects {model.config.input_dim}")
    x = standardizer(samples)
    parts = [reconstruct(model, batch) for batch in torch.split(x, args.batch_size)]
    x_hat, z = torch.cat([p[0].cpu() for p in parts]), torch.cat([p[1].cpu() for p in parts])
    errors = ((x - x_hat) ** 2).mean(dim=1)
    out = args.output_dir
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "codes.npy", z.numpy())
    np.save(out / "reconstruction_error.npy", errors.numpy())
    summary = {"samples": len(x), "mean_squared_error": errors.mean().item(), "l0": (z > 0).sum(dim=1).float().mean().item()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    plot_population(x[: args.num_samples], x_hat[: args.num_samples], out / "reconstructions.png")
    plots.plot_latent_heatmap(z, n=min(40, len(z)), path=out / "code_heatmap.png")
    plot_top_atoms(model, z, out / "top_atoms.png")
    print(f"{len(x)} samples: mean squared error {summary['mean_squared_error']:.4f}, L0 {summary['l0']:.1f}; results in {out}")


def plot_population(x: torch.Tensor, x_hat: torch.Tensor, path: Path) -> Figure:
    """Original and reconstructed population vectors, one panel per sample."""
    fig = Figure(figsize=(3 * len(x), 2.6))
    for ax, original, rebuilt in zip(fig.subplots(1, len(x), squeeze=False)[0], x, x_hat):
        ax.plot(original.numpy(), label="original")
        ax.plot(rebuilt.numpy(), label="reconstruction", linestyle="--")
        ax.set(xlabel="neuron")
    fig.axes[0].legend(fontsize=8)
    return plots.finish(fig, path)


def plot_top_atoms(model: SparseAutoencoder, z: torch.Tensor, path: Path, k: int = 8) -> Figure:
    """How often each atom is used, and the k most used atoms as population patterns."""
    usage = (z > 0).float().mean(dim=0)
    top = usage.argsort(descending=True)[:k]
    fig = Figure(figsize=(10, 3.2))
    ax_use, ax_atoms = fig.subplots(1, 2)
    ax_use.bar(range(len(usage)), usage.sort(descending=True).values.numpy())
    ax_use.set(xlabel="atom (most used first)", ylabel="fraction of samples", title="dictionary usage")
    for j in top.tolist():
        ax_atoms.plot(model.dictionary[j].detach().cpu().numpy(), label=f"atom {j}")
    ax_atoms.set(xlabel="neuron", title=f"the {k} most used atoms")
    ax_atoms.legend(fontsize=7, ncol=2)
    return plots.finish(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; expected failures become one line on stderr and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "infer":
            infer(args)
        elif args.data_path is not None:
            train_recordings(args)
        else:
            train_mnist(args)
    except (OSError, ValueError, RuntimeError, FloatingPointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
