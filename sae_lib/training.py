"""Training: Adam on in-memory batches, reconstruction loss plus an optional sparsity penalty."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor
from tqdm.auto import tqdm

from .data import batches, check_finite
from .model import SAEConfig, SparseAutoencoder
from .penalties import check_rho, check_weight, kl_divergence, l1_penalty, mean_activation

PENALTIES = ("kl", "l1", "none")
#: The default training length in optimiser steps (the course's recipe), used unless `epochs` is given.
DEFAULT_STEPS = 3000
LOSSES = ("mse", "bce")


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimiser settings, the sparsity penalty and its weight, and the seed.

    `penalty="kl"` adds beta · Σ_j KL(rho ‖ ρ̂_j); `penalty="l1"` adds l1_lambda · mean_i ‖z_i‖₁;
    `penalty="none"` trains a plain autoencoder. Training length is set by `steps` (optimiser steps,
    rounded up to whole epochs, so a small data set gets as much training as a large one) or by
    `epochs`, which then replaces the default step budget (give other steps and epochs together and
    it is an error). The defaults are the course's recipe: Adam at
    1e-2 for 3,000 steps of 128 takes the classic 784 → 128 → 32 model to a test variance explained
    of about 0.76 on MNIST (at 1e-3 it would still be near the mean image after 600 steps).

    `weight_decay` λ is an L2 penalty (λ/2)·Σ W² on the weight matrices only, not the biases (as in
    UFLDL's sparse autoencoder): Adam adds λ·W to each weight's gradient. It is not part of the
    reported losses (History holds reconstruction and sparsity only).
    """

    epochs: int | None = None
    batch_size: int = 128
    lr: float = 1e-2
    penalty: str = "kl"
    rho: float = 0.05
    beta: float = 5e-3
    l1_lambda: float = 1e-3
    loss: str = "mse"
    seed: int = 0
    steps: int | None = DEFAULT_STEPS
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {PENALTIES}, got {self.penalty!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.penalty == "kl":
            check_rho(self.rho)
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        for name in ("epochs", "steps"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
        if self.epochs is not None and self.steps == DEFAULT_STEPS:
            object.__setattr__(self, "steps", None)  # epochs replace the default budget
        if self.epochs is None and self.steps is None:
            raise ValueError("give steps or epochs (both are None)")
        if self.epochs is not None and self.steps is not None:
            raise ValueError(f"give steps or epochs, not both (got steps={self.steps}, epochs={self.epochs})")
        check_weight("beta", self.beta)
        check_weight("l1_lambda", self.l1_lambda)
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not 0 < self.lr < math.inf:
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")
        check_weight("weight_decay", self.weight_decay)

    def epochs_for(self, n_samples: int) -> int:
        """Whole epochs to run on `n_samples` samples: `epochs`, or enough to take `steps`."""
        if self.epochs is not None:
            return self.epochs
        return math.ceil(self.steps / math.ceil(n_samples / self.batch_size))


@dataclass
class History:
    """Per-epoch losses (train averaged over the epoch's batches; test on the whole test set)."""

    train_recon: list[float] = field(default_factory=list)
    train_sparsity: list[float] = field(default_factory=list)
    train_total: list[float] = field(default_factory=list)
    test_recon: list[float] = field(default_factory=list)
    test_sparsity: list[float] = field(default_factory=list)
    test_total: list[float] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """A plain dict, for JSON."""
        return asdict(self)


class KeepBest:
    """An `on_epoch_end` callback that keeps a copy of the model's weights at its lowest test (validation) loss."""

    def __init__(self, model: SparseAutoencoder) -> None:
        self.model, self.loss, self.epoch, self.state = model, math.inf, 0, None

    def __call__(self, epoch: int, history: History) -> None:
        if not history.test_total:
            raise ValueError("KeepBest needs a test (validation) set passed to fit")
        if history.test_total[-1] < self.loss:
            self.loss, self.epoch = history.test_total[-1], epoch
            self.state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}


#: A run whose loss grows this many times above its first step's is diverging, not learning.
DIVERGENCE_FACTOR = 1e4


def default_device() -> torch.device:
    """CUDA when it is there, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def losses(model: SparseAutoencoder, x: Tensor, config: TrainConfig) -> tuple[Tensor, Tensor]:
    """(reconstruction loss, unweighted sparsity penalty) on one batch."""
    x_flat = model.flatten(x)
    x_hat, z = model(x_flat)
    if config.loss == "bce":
        recon = F.binary_cross_entropy(x_hat.clamp(0.0, 1.0), x_flat)
    else:
        recon = F.mse_loss(x_hat, x_flat)
    if config.penalty == "kl":
        sparsity = kl_divergence(config.rho, mean_activation(z))
    elif config.penalty == "l1":
        sparsity = l1_penalty(z)
    else:
        sparsity = torch.zeros((), device=x.device)
    return recon, sparsity


def weight(config: TrainConfig) -> float:
    """The weight on the sparsity penalty: beta for KL, l1_lambda for L1, 0 for none."""
    return {"kl": config.beta, "l1": config.l1_lambda, "none": 0.0}[config.penalty]


def param_groups(model: SparseAutoencoder, weight_decay: float) -> list[dict]:
    """Adam parameter groups: weight decay on the weight matrices, none on the biases."""
    weights = [p for p in model.parameters() if p.dim() > 1]
    biases = [p for p in model.parameters() if p.dim() <= 1]
    return [{"params": weights, "weight_decay": weight_decay}, {"params": biases, "weight_decay": 0.0}]


@torch.no_grad()
def evaluate_losses(model: SparseAutoencoder, x: Tensor, config: TrainConfig) -> tuple[float, float]:
    """(reconstruction, sparsity) on a whole set at once, in eval mode."""
    model.eval()
    recon, sparsity = losses(model, x, config)
    model.train()
    return recon.item(), sparsity.item()


def fit(
    model: SparseAutoencoder,
    train_x: Tensor,
    test_x: Tensor | None = None,
    config: TrainConfig | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    on_epoch_end: Callable[[int, History], None] | None = None,
    **overrides,
) -> History:
    """Train `model` in place on in-memory data and return its per-epoch History.

    `on_epoch_end(epoch, history)` runs after each epoch (e.g. to keep the best checkpoint).
    """
    config = dataclasses.replace(config or TrainConfig(), **overrides)  # replace() re-runs the validation
    if config.loss == "bce" and model.config.output_activation != "sigmoid":
        raise ValueError("loss='bce' needs outputs in [0, 1]: use output_activation='sigmoid' or loss='mse'")
    device = torch.device(device) if device is not None else default_device()
    train_x = check_finite(model.flatten(train_x), "training data").to(device)
    test_x = check_finite(model.flatten(test_x), "test data").to(device) if test_x is not None else None
    model.to(device).train()
    optimizer = torch.optim.Adam(param_groups(model, config.weight_decay), lr=config.lr, fused=True)
    generator = torch.Generator().manual_seed(config.seed)
    history, beta, start, first_loss = History(), weight(config), time.perf_counter(), None
    epochs = config.epochs_for(len(train_x))
    bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not progress, leave=False)
    for epoch in bar:
        recon_sum = sparsity_sum = 0.0
        n_batches = 0
        for step, xb in enumerate(batches(train_x, config.batch_size, generator=generator), start=1):
            recon, sparsity = losses(model, xb, config)
            total = recon + beta * sparsity
            value = total.item()
            first_loss = value if first_loss is None else first_loss
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"loss became {value} at epoch {epoch}, step {step} "
                    f"(recon={recon.item():.4g}, sparsity={sparsity.item():.4g}); try a lower lr (now {config.lr})"
                )
            if first_loss > 0 and value > DIVERGENCE_FACTOR * first_loss:
                raise FloatingPointError(
                    f"training diverged: the loss grew from {first_loss:.3g} to {value:.3g} by epoch {epoch}, "
                    f"step {step}; try a lower lr (now {config.lr})"
                )
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
            if model.config.unit_norm_decoder:
                model.normalize_decoder_()
            recon_sum += recon.item()
            sparsity_sum += sparsity.item()
            n_batches += 1
        history.steps += n_batches
        train_recon, train_sparsity = recon_sum / n_batches, sparsity_sum / n_batches
        history.train_recon.append(train_recon)
        history.train_sparsity.append(train_sparsity)
        history.train_total.append(train_recon + beta * train_sparsity)
        if test_x is not None:
            test_recon, test_sparsity = evaluate_losses(model, test_x, config)
            history.test_recon.append(test_recon)
            history.test_sparsity.append(test_sparsity)
            history.test_total.append(test_recon + beta * test_sparsity)
        bar.set_postfix(recon=f"{train_recon:.4f}", sparsity=f"{train_sparsity:.3f}")
        if on_epoch_end is not None:
            on_epoch_end(epoch, history)
    history.seconds = time.perf_counter() - start
    model.eval()
    return history


def train(
    train_x: Tensor,
    test_x: Tensor | None = None,
    model_config: SAEConfig | None = None,
    config: TrainConfig | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    on_epoch_end: Callable[[int, History], None] | None = None,
    **overrides,
) -> tuple[SparseAutoencoder, History]:
    """Build a SparseAutoencoder under the training seed, fit it, and return (model, history)."""
    config = dataclasses.replace(config or TrainConfig(), **overrides)
    torch.manual_seed(config.seed)
    model = SparseAutoencoder(model_config or SAEConfig())
    return model, fit(model, train_x, test_x, config, device=device, progress=progress, on_epoch_end=on_epoch_end)


@contextlib.contextmanager
def _torch_threads(n: int | None) -> Iterator[None]:
    """Use `n` intra-op threads inside the block and restore the previous count after it (None: leave as is)."""
    previous = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class WarmStartTrainer:
    """Train many (ρ, β) settings of a one-layer sigmoid SAE in a fraction of a second each.

    For each latent size a base model is trained once without a penalty (`base_steps` Adam steps);
    a setting deep-copies it and fine-tunes `steps` more steps with β·KL(ρ ‖ ρ̂). So a setting's
    result depends only on the setting (and the seed), never on the order settings were asked for.
    `threads` is the number of CPU threads used while training and restored afterwards: on a small
    model and shared cores, more threads mostly wait on each other.
    """

    def __init__(self, train_x: Tensor, steps: int = 200, base_steps: int = 1000, lr: float = 1e-2,
                 seed: int = 0, device: str | torch.device = "cpu", threads: int | None = 1) -> None:
        self.train_x = train_x.reshape(len(train_x), -1)
        self.steps, self.base_steps, self.lr, self.seed = steps, base_steps, lr, seed
        self.device, self.threads = device, threads
        self._bases: dict[int, SparseAutoencoder] = {}

    def base(self, latent_dim: int) -> SparseAutoencoder:
        """The unpenalised starting model for a latent size (trained on first use, then reused)."""
        if latent_dim not in self._bases:
            torch.manual_seed(self.seed)
            model = SparseAutoencoder(SAEConfig(input_dim=self.train_x.shape[1], hidden_dims=(), latent_dim=latent_dim))
            with _torch_threads(self.threads):
                fit(model, self.train_x, config=TrainConfig(penalty="none", steps=self.base_steps, lr=self.lr,
                                                           seed=self.seed), progress=False, device=self.device)
            self._bases[latent_dim] = model
        return self._bases[latent_dim]

    def train(self, rho: float, beta: float, latent_dim: int) -> SparseAutoencoder:
        """A copy of the base model fine-tuned with β·KL(ρ ‖ ρ̂) (β = 0: fine-tuned without a penalty)."""
        config = TrainConfig(penalty="kl" if beta > 0 else "none", rho=rho, beta=beta, steps=self.steps,
                             lr=self.lr, seed=self.seed)
        model = copy.deepcopy(self.base(latent_dim))
        with _torch_threads(self.threads):
            fit(model, self.train_x, config=config, progress=False, device=self.device)
        return model
