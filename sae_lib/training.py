"""Training: Adam on in-memory batches, reconstruction loss plus an optional sparsity penalty."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

import torch
import torch.nn.functional as F
from torch import Tensor
from tqdm.auto import tqdm

from .data import batches, check_finite
from .matryoshka import check_prefixes, matryoshka_loss
from .metrics import evaluate
from .model import SAEConfig, SparseAutoencoder
from .penalties import (
    check_rho,
    check_weight,
    kl_divergence,
    l0_penalty,
    l1_penalty,
    mean_activation,
    weighted_l1_penalty,
)

__all__ = ["DEFAULT_STEPS", "DIVERGENCE_FACTOR", "LOSSES", "PENALTIES", "History", "KeepAtStep", "KeepBest", "Loss",
    "Penalty", "TrainConfig", "WarmStartTrainer", "architecture_runs", "auxk_loss", "batch_losses", "default_device",
    "fit", "resample_dead_latents", "resampled_weights", "sweep", "train"]

Penalty = Literal["kl", "l1", "l1_decoder_norm", "l0", "none"]
Loss = Literal["mse", "bce"]
PENALTIES: tuple[Penalty, ...] = get_args(Penalty)
LOSSES: tuple[Loss, ...] = get_args(Loss)
#: The default training length in optimiser steps (the course's recipe), used unless `epochs` is given.
DEFAULT_STEPS = 3000
#: Inputs scored when resampling dead latents during training: a latent silent on all of them counts as dead.
_RESAMPLE_SAMPLES = 4096


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimiser settings, the sparsity penalty and its weight, and the seed.

    The defaults are the course's recipe: Adam at 1e-2 for 3,000 steps of 128 takes the classic
    784 → 128 → 32 model to a test variance explained of about 0.76 on MNIST (at 1e-3 it would still
    be near the mean image after 600 steps).

    Penalties: `"kl"` adds beta · Σ_j KL(rho ‖ ρ̂_j); `"l1"` adds l1_lambda · mean_i ‖z_i‖₁;
    `"l1_decoder_norm"` adds l1_lambda · mean_i Σ_j |z_ij|·‖W_dec,j‖ (one-layer decoder); `"l0"` adds
    l0_lambda · mean_i Σ_j H(pre_ij − θ_j) (JumpReLU models: it trains the thresholds); `"none"` trains
    a plain autoencoder, or a TopK/BatchTopK one, whose k sets the sparsity.

    Length: `steps` (optimiser steps, rounded up to whole epochs, so a small data set gets as much
    training as a large one) or `epochs`, which then replaces the default step budget; giving other
    steps and epochs together is an error. `resample_every=N` revives the latents dead at every N-th
    step (`resample_dead_latents`), except in the last N steps, so revived latents have time to learn.

    `weight_decay` λ is an L2 penalty (λ/2)·Σ W² on the weight matrices only, not the biases (as in
    UFLDL's sparse autoencoder): Adam adds λ·W to each weight's gradient. It is not part of the
    reported losses (History holds reconstruction and sparsity only).
    """

    epochs: int | None = None
    batch_size: int = 128
    lr: float = 1e-2
    penalty: Penalty = "kl"
    rho: float = 0.05
    beta: float = 5e-3
    l1_lambda: float = 1e-3
    loss: Loss = "mse"
    seed: int = 0
    steps: int | None = DEFAULT_STEPS
    weight_decay: float = 0.0
    l0_lambda: float = 1e-3
    resample_every: int | None = None
    #: AuxK (Gao et al. 2024; TopK and BatchTopK models): the aux_k dead latents with the largest
    #: pre-activations reconstruct the residual x − x̂, so dead latents get a gradient at every step. Its
    #: normalised error is weighted aux_coef relative to the variance-normalised reconstruction error, as in
    #: Gao et al. A latent is dead when it has not fired for `dead_steps` optimiser steps (dead_steps ×
    #: batch_size inputs; Gao et al. use 10 million tokens).
    aux_k: int | None = None
    aux_coef: float = 1 / 32
    dead_steps: int = 200
    #: Matryoshka training (Bussmann et al. 2025; `sae_lib.matryoshka`): the reconstruction loss becomes the sum of
    #: the errors of the first m latents alone, for each m here (the last must be latent_dim). None: plain loss.
    matryoshka_prefixes: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.penalty not in PENALTIES:
            raise ValueError(f"penalty must be one of {PENALTIES}, got {self.penalty!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.loss!r}")
        if self.penalty == "kl":
            check_rho(self.rho)
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        for name in ("epochs", "steps", "resample_every", "aux_k", "dead_steps"):
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
        check_weight("l0_lambda", self.l0_lambda)
        check_weight("aux_coef", self.aux_coef)
        if self.matryoshka_prefixes is not None:
            object.__setattr__(self, "matryoshka_prefixes", check_prefixes(self.matryoshka_prefixes))

    @property
    def sparsity_weight(self) -> float:
        """The weight on the chosen penalty: beta for KL, l1_lambda for both L1s, l0_lambda for L0, 0 for none."""
        return {"kl": self.beta, "l1": self.l1_lambda, "l1_decoder_norm": self.l1_lambda, "l0": self.l0_lambda,
                "none": 0.0}[self.penalty]

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
    resampled: list[int] = field(default_factory=list)  # latents revived at each resampling (if any)
    train_aux: list[float] = field(default_factory=list)  # AuxK loss (unweighted), averaged over the epoch
    #: At each epoch's end: latents that had not fired for TrainConfig.dead_steps steps (or all steps so far).
    dead_latents: list[int] = field(default_factory=list)

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


class KeepAtStep:
    """An `on_epoch_end` callback that keeps a copy of the model as it was once `step` optimiser steps were done.

    Epochs are whole, so the copy is taken at the end of the first epoch that reaches `step`; `taken_at`
    says at how many steps exactly (train a twin for that many to compare like for like). Both stay
    None if the run ends sooner.
    """

    def __init__(self, model: SparseAutoencoder, step: int) -> None:
        if isinstance(step, bool) or not isinstance(step, int) or step < 1:
            raise ValueError(f"step must be a positive integer, got {step!r}")
        self.model, self.step = model, step
        self.taken_at: int | None = None
        self.copy: SparseAutoencoder | None = None

    def __call__(self, epoch: int, history: History) -> None:
        if self.copy is None and history.steps >= self.step:
            self.taken_at, self.copy = history.steps, copy.deepcopy(self.model).eval()


#: A run whose loss grows this many times above its first step's is diverging, not learning.
DIVERGENCE_FACTOR = 1e4


def _check_loss(value: float, first_loss: float, where: str, lr: float) -> None:
    """Stop a run whose loss is NaN/inf or has grown DIVERGENCE_FACTOR-fold: its weights are not worth keeping."""
    if not math.isfinite(value):
        raise FloatingPointError(f"loss became {value} at {where}; try a lower lr (now {lr})")
    if first_loss > 0 and value > DIVERGENCE_FACTOR * first_loss:
        raise FloatingPointError(f"training diverged: the loss grew from {first_loss:.3g} to {value:.3g} by {where}; "
                                 f"try a lower lr (now {lr})")


def default_device() -> torch.device:
    """CUDA when it is there, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def batch_losses(model: SparseAutoencoder, x: Tensor, config: TrainConfig) -> tuple[Tensor, Tensor]:
    """(reconstruction loss, unweighted sparsity penalty) on one batch."""
    recon, sparsity, _ = _batch_terms(model, x, config)
    return recon, sparsity


def _batch_terms(model: SparseAutoencoder, x: Tensor, config: TrainConfig) -> tuple[Tensor, Tensor, tuple]:
    """batch_losses, plus the forward pass's (x_flat, pre, z, x_hat) for AuxK and dead-latent tracking."""
    x_flat = model.flatten(x)
    pre = model.pre_activation(x_flat)
    z = model.activation(pre)
    x_hat = model.decode(z)
    if config.matryoshka_prefixes is not None:
        recon = matryoshka_loss(model, x_flat, z, config.matryoshka_prefixes)
    elif config.loss == "bce":
        recon = F.binary_cross_entropy(x_hat.clamp(0.0, 1.0), x_flat)
    else:
        recon = F.mse_loss(x_hat, x_flat)
    if config.penalty == "kl":
        sparsity = kl_divergence(config.rho, mean_activation(z))
    elif config.penalty == "l1":
        sparsity = l1_penalty(z)
    elif config.penalty == "l1_decoder_norm":
        sparsity = weighted_l1_penalty(z, model.dictionary.norm(dim=1))
    elif config.penalty == "l0":
        sparsity = l0_penalty(pre, model.activation.threshold, model.activation.bandwidth)
    else:
        sparsity = torch.zeros((), device=x.device)
    return recon, sparsity, (x_flat, pre, z, x_hat)


def auxk_loss(model: SparseAutoencoder, x: Tensor, pre: Tensor, x_hat: Tensor, dead: Tensor, aux_k: int) -> Tensor:
    """AuxK (Gao et al. 2024): how well the aux_k largest dead latents reconstruct the residual x − x̂.

    Normalised MSE of the residual (its MSE over its variance), so it is of order 1 whatever the data's
    scale. The residual is a fixed target (detached): the aux term trains the dead latents, not the
    live ones; 0 when no latent is dead.
    """
    if not dead.any():
        return torch.zeros((), device=x.device)
    residual = (x - x_hat).detach()
    candidates = pre.masked_fill(~dead, -math.inf)
    values, indices = candidates.topk(min(aux_k, int(dead.sum())), dim=1)
    z_aux = torch.zeros_like(pre).scatter(1, indices, values.relu())
    residual_hat = z_aux @ model.dictionary  # the decoder's directions, without its bias
    return F.mse_loss(residual_hat, residual) / residual.var(dim=0).sum().div(x.shape[1]).clamp_min(1e-12)


@torch.no_grad()
def _remove_parallel_grad(model: SparseAutoencoder) -> None:
    """Remove from each decoder column's gradient its component along the column (Gao et al. 2024).

    The column is renormalised after every step anyway; the parallel part of the gradient would only
    change its length, and through Adam's per-weight scaling it would also bend the direction.
    """
    w = model.decoder[0].weight
    if w.grad is not None:
        w.grad -= w * (w * w.grad).sum(dim=0, keepdim=True)


def _check_compatible(model: SparseAutoencoder, config: TrainConfig) -> None:
    """Raise ValueError when the training settings need a model this one is not."""
    if config.loss == "bce" and model.config.output_activation != "sigmoid":
        raise ValueError("loss='bce' needs outputs in [0, 1]: use output_activation='sigmoid' or loss='mse'")
    if config.penalty == "l0" and model.config.latent_activation != "jumprelu":
        raise ValueError(f"penalty='l0' needs latent_activation='jumprelu' (it trains the thresholds), "
                         f"got {model.config.latent_activation!r}")
    if config.penalty == "l1_decoder_norm" and model.config.hidden_dims:
        raise ValueError("penalty='l1_decoder_norm' needs a one-layer decoder (hidden_dims=())")
    if config.aux_k is not None and (model.config.hidden_dims or model.config.latent_activation not in ("topk",
                                                                                                        "batchtopk")):
        raise ValueError(f"aux_k needs a one-layer TopK or BatchTopK model (hidden_dims=()), got latent_activation="
                         f"{model.config.latent_activation!r}, hidden_dims={model.config.hidden_dims!r}")
    if config.matryoshka_prefixes is not None:
        if model.config.hidden_dims or model.config.output_activation != "none" or config.loss != "mse":
            raise ValueError("matryoshka_prefixes needs a one-layer SAE with a linear output (hidden_dims=(), "
                             "output_activation='none') and loss='mse'")
        check_prefixes(config.matryoshka_prefixes, model.config.latent_dim)
    if config.resample_every is not None and (model.config.hidden_dims or model.config.latent_activation == "sigmoid"):
        raise ValueError("resample_every needs hidden_dims=() and codes that are exactly 0 when off (not sigmoid)")


@torch.no_grad()
def resampled_weights(w_enc: Tensor, b_enc: Tensor, w_dec: Tensor, dead: Tensor, directions: Tensor,
                      encoder_norm: float) -> tuple[Tensor, Tensor, Tensor]:
    """New (encoder weight, encoder bias, decoder weight) with each dead latent pointed along one of `directions`.

    Dead latent j (dead[j] True, in order) gets the unit vector u of its direction as decoder column
    w_dec[:, j], u · encoder_norm as encoder row w_enc[j], and encoder bias 0. Shapes are nn.Linear's:
    w_enc [latents, inputs], w_dec [inputs, latents]; `directions` is [dead.sum(), inputs].
    """
    u = directions / directions.norm(dim=1, keepdim=True).clamp_min(1e-8)
    w_enc, b_enc, w_dec = w_enc.clone(), b_enc.clone(), w_dec.clone()
    w_dec[:, dead] = u.T
    w_enc[dead] = u * encoder_norm
    b_enc[dead] = 0.0
    return w_enc, b_enc, w_dec


@torch.no_grad()
def resample_dead_latents(model: SparseAutoencoder, x: Tensor, dead: Tensor,
                          optimizer: torch.optim.Optimizer | None = None, generator: torch.Generator | None = None,
                          scale: float = 0.2) -> int:
    """Revive dead latents Anthropic-style (Towards Monosemanticity, 2023); return how many were resampled.

    Inputs of `x` are drawn with probability ∝ (squared reconstruction error)², so badly reconstructed
    inputs are favoured; each dead latent gets one of them (minus the decoder bias) as its direction via
    `resampled_weights`, with encoder rows scaled to `scale` × the mean norm of the living latents' rows.
    A JumpReLU latent's threshold goes back to its initial value, and Adam's state for the changed weights
    is reset (`_reset_adam_state`), so stale momentum does not undo the resampling.
    """
    if model.config.hidden_dims:
        raise ValueError("resampling needs a one-layer encoder and decoder (hidden_dims=())")
    dead = torch.as_tensor(dead, dtype=torch.bool, device=x.device)
    if dead.shape != (model.config.latent_dim,):
        raise ValueError(f"dead must be a boolean mask of {model.config.latent_dim} latents, "
                         f"got shape {tuple(dead.shape)}")
    n_dead = int(dead.sum())
    if n_dead == 0:
        return 0
    x = model.flatten(x)
    encoder, decoder = model.encoder[0], model.decoder[0]
    was_training = model.training
    x_hat, _ = model.eval()(x)  # eval: a BatchTopK model must not update its threshold on this sample
    model.train(was_training)
    weights = ((x - x_hat) ** 2).sum(dim=1).square().cpu().double()
    if not weights.sum() > 0:
        weights = torch.ones_like(weights)
    picks = torch.multinomial(weights, n_dead, replacement=n_dead > len(x), generator=generator).to(x.device)
    alive = ~dead
    encoder_norm = encoder.weight[alive].norm(dim=1).mean().item() if alive.any() else 1.0
    new = resampled_weights(encoder.weight, encoder.bias, decoder.weight, dead, x[picks] - decoder.bias,
                            scale * encoder_norm)
    for param, value in zip((encoder.weight, encoder.bias, decoder.weight), new):
        param.copy_(value)
        _reset_adam_state(optimizer, param, dead, latent_dim=1 if param is decoder.weight else 0)
    if model.config.latent_activation == "jumprelu":
        model.activation.log_threshold[dead] = math.log(model.config.init_threshold)
        _reset_adam_state(optimizer, model.activation.log_threshold, dead, latent_dim=0)
    return n_dead


def _reset_adam_state(optimizer: torch.optim.Optimizer | None, param: Tensor, dead: Tensor, latent_dim: int) -> None:
    """Forget Adam's momentum for the dead latents' slice of `param`; give it the living latents' mean second moment.

    Zeroing the second moment too would be wrong: Adam's step count is not reset, so with no history
    the next update would be (1 − β1)/√(1 − β2) ≈ 3 times the learning rate, enough to kill the
    revived latent again within a few steps.
    """
    state = optimizer.state.get(param, {}) if optimizer is not None else {}
    if "exp_avg" not in state:
        return
    index = (slice(None), dead) if latent_dim == 1 else (dead,)
    alive = (slice(None), ~dead) if latent_dim == 1 else (~dead,)
    state["exp_avg"][index] = 0.0
    if (~dead).any():
        state["exp_avg_sq"][index] = state["exp_avg_sq"][alive].mean(dim=latent_dim, keepdim=latent_dim == 1)


def _param_groups(model: SparseAutoencoder, weight_decay: float) -> list[dict]:
    """Adam parameter groups: weight decay on the weight matrices, none on the biases."""
    weights = [p for p in model.parameters() if p.dim() > 1]
    biases = [p for p in model.parameters() if p.dim() <= 1]
    return [{"params": weights, "weight_decay": weight_decay}, {"params": biases, "weight_decay": 0.0}]


@torch.no_grad()
def _evaluate_losses(model: SparseAutoencoder, x: Tensor, config: TrainConfig) -> tuple[float, float]:
    """(reconstruction, sparsity) on a whole set at once, in eval mode."""
    model.eval()
    recon, sparsity = batch_losses(model, x, config)
    model.train()
    return recon.item(), sparsity.item()


def _resample_on_sample(model: SparseAutoencoder, x: Tensor, optimizer: torch.optim.Optimizer,
                       generator: torch.Generator, n_samples: int = _RESAMPLE_SAMPLES) -> int:
    """Resample the latents that fire on none of `n_samples` random rows of x (a unit dead *now*, not ever)."""
    sample = x[torch.randperm(len(x), generator=generator)[:n_samples].to(x.device)]
    with torch.no_grad():
        was_training = model.training
        dead = ~(model.eval().encode(sample) != 0).any(dim=0)
        model.train(was_training)
    return resample_dead_latents(model, sample, dead, optimizer, generator)


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
    _check_compatible(model, config)
    device = torch.device(device) if device is not None else default_device()
    train_x = check_finite(model.flatten(train_x), "training data").to(device)
    test_x = check_finite(model.flatten(test_x), "test data").to(device) if test_x is not None else None
    model.to(device).train()
    optimizer = torch.optim.Adam(_param_groups(model, config.weight_decay), lr=config.lr, fused=True)
    generator = torch.Generator().manual_seed(config.seed)
    history, beta, start, first_loss = History(), config.sparsity_weight, time.perf_counter(), None
    epochs = config.epochs_for(len(train_x))
    total_steps = epochs * math.ceil(len(train_x) / config.batch_size)
    resample_generator = torch.Generator().manual_seed(config.seed + 1)
    bar = tqdm(range(1, epochs + 1), desc="training", unit="epoch", disable=not progress, leave=False)
    steps_since_fired = torch.zeros(model.config.latent_dim, dtype=torch.long, device=device)
    for epoch in bar:
        recon_sum = sparsity_sum = aux_sum = 0.0
        n_batches = 0
        for step, xb in enumerate(batches(train_x, config.batch_size, generator=generator), start=1):
            recon, sparsity, (x_flat, pre, z, x_hat) = _batch_terms(model, xb, config)
            total = recon + beta * sparsity
            with torch.no_grad():
                steps_since_fired += 1
                steps_since_fired[(z != 0).any(dim=0)] = 0
            if config.aux_k is not None:
                aux = auxk_loss(model, x_flat, pre, x_hat, steps_since_fired >= config.dead_steps, config.aux_k)
                # Gao et al. weigh two *normalised* errors; ours is a raw MSE, so the aux term is scaled by the
                # batch's variance to keep aux_coef's meaning (1/32 of a variance-normalised reconstruction error)
                scale = x_flat.detach().var(dim=0).mean()
                total = total + config.aux_coef * scale * aux
                aux_sum += aux.item()
            value = total.item()
            first_loss = value if first_loss is None else first_loss
            _check_loss(value, first_loss, f"epoch {epoch}, step {step}", config.lr)
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            if model.config.unit_norm_decoder:
                _remove_parallel_grad(model)
            optimizer.step()
            if model.config.unit_norm_decoder:
                model.normalize_decoder_()
            done = history.steps + step
            every = config.resample_every
            if every and done % every == 0 and done + every <= total_steps:  # none in the last stretch
                history.resampled.append(_resample_on_sample(model, train_x, optimizer, resample_generator))
            recon_sum += recon.item()
            sparsity_sum += sparsity.item()
            n_batches += 1
        history.steps += n_batches
        history.dead_latents.append(int((steps_since_fired >= min(config.dead_steps, history.steps)).sum()))
        if config.aux_k is not None:
            history.train_aux.append(aux_sum / n_batches)
        train_recon, train_sparsity = recon_sum / n_batches, sparsity_sum / n_batches
        history.train_recon.append(train_recon)
        history.train_sparsity.append(train_sparsity)
        history.train_total.append(train_recon + beta * train_sparsity)
        if test_x is not None:
            test_recon, test_sparsity = _evaluate_losses(model, test_x, config)
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


def architecture_runs(input_dim: int, l1_lambdas: Sequence[float], ks: Sequence[int], l0_lambdas: Sequence[float],
                      latent_dim: int = 128) -> list[tuple[str, float, SAEConfig, dict]]:
    """One run per knob value of each architecture: (name, knob, SAEConfig, TrainConfig overrides).

    ReLU + decoder-norm-weighted L1 (knob λ), TopK and BatchTopK (knob k), JumpReLU + L0 (knob λ₀),
    all one-layer with a linear output: the sweep behind an L0-against-error frontier (notebook 09).
    """
    base = dict(input_dim=input_dim, hidden_dims=(), latent_dim=latent_dim, output_activation="none")
    relu = SAEConfig(latent_activation="relu", **base)
    runs = [("ReLU + L1", lam, relu, dict(penalty="l1_decoder_norm", l1_lambda=lam)) for lam in l1_lambdas]
    runs += [(name, k, SAEConfig(latent_activation=act, k=k, **base), dict(penalty="none"))
             for name, act in [("TopK", "topk"), ("BatchTopK", "batchtopk")] for k in ks]
    jumprelu = SAEConfig(latent_activation="jumprelu", init_threshold=0.2, bandwidth=0.1, **base)
    runs += [("JumpReLU", lam, jumprelu, dict(penalty="l0", l0_lambda=lam)) for lam in l0_lambdas]
    return runs


def sweep(runs: Sequence[tuple[str, float, SAEConfig, dict]], train_x: Tensor, test_x: Tensor, config: TrainConfig,
          device: str | torch.device | None = None) -> list[dict]:
    """Train every run (its overrides applied to `config`) and score it on `test_x`: one row per model with
    architecture, knob, L0, normalised MSE and the model itself."""
    rows = []
    for name, knob, model_config, overrides in runs:
        model, _ = train(train_x, None, model_config, dataclasses.replace(config, **overrides), device=device,
                         progress=False)
        m = evaluate(model, test_x)
        rows.append(dict(architecture=name, knob=knob, l0=m["l0"], nmse=m["normalized_mse"], model=model))
    return rows


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
    a setting deep-copies it and fine-tunes `steps` more steps of `batch_size` inputs with β·KL(ρ ‖ ρ̂).
    So a setting's result depends only on the setting (and the seed), never on the order settings were
    asked for. A step on this small model costs about the same at 32 inputs as at 128 (it is bound by
    per-operation overhead, not arithmetic), so the default fine-tune is one pass of small batches:
    125 steps of 32 over 4,000 digits follow ρ about as closely as 128 steps of 128 did, in half the time.
    `threads` is the number of CPU threads used while fine-tuning, restored afterwards: on a small
    model and shared cores (Binder, a busy laptop) more threads mostly wait on each other, and one
    steady thread keeps every slider move well under a second.
    """

    def __init__(self, train_x: Tensor, steps: int = 125, base_steps: int = 1000, lr: float = 1e-2,
                 seed: int = 0, device: str | torch.device = "cpu", threads: int | None = 1,
                 batch_size: int = 32) -> None:
        self.train_x = train_x.reshape(len(train_x), -1)
        self.steps, self.base_steps, self.lr, self.seed = steps, base_steps, lr, seed
        self.batch_size = batch_size
        self.device, self.threads = device, threads
        self._bases: dict[int, SparseAutoencoder] = {}

    def base(self, latent_dim: int) -> SparseAutoencoder:
        """The unpenalised starting model for a latent size (trained on first use, then reused)."""
        if latent_dim not in self._bases:
            torch.manual_seed(self.seed)
            model = SparseAutoencoder(SAEConfig(input_dim=self.train_x.shape[1], hidden_dims=(), latent_dim=latent_dim))
            # the one-off base model trains on PyTorch's default threads; only the interactive fine-tuning is pinned
            with _torch_threads(None):
                fit(model, self.train_x, config=TrainConfig(penalty="none", steps=self.base_steps, lr=self.lr,
                                                           seed=self.seed), progress=False, device=self.device)
            self._bases[latent_dim] = model
        return self._bases[latent_dim]

    def train(self, rho: float, beta: float, latent_dim: int) -> SparseAutoencoder:
        """A copy of the base model fine-tuned with β·KL(ρ ‖ ρ̂) (β = 0: fine-tuned without a penalty)."""
        config = TrainConfig(penalty="kl" if beta > 0 else "none", rho=rho, beta=beta, steps=self.steps,
                             lr=self.lr, seed=self.seed, batch_size=self.batch_size)
        model = copy.deepcopy(self.base(latent_dim))
        with _torch_threads(self.threads):
            fit(model, self.train_x, config=config, progress=False, device=self.device)
        return model
