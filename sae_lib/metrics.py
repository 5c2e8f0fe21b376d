"""Evaluation: reconstruction error, mean activation ρ̂, L0, feature density, dead and dense units;
the orientation selectivity and spatial extent of image filters.

A unit is *active* on an input when its code exceeds a threshold: 0 for ReLU and linear codes
(any non-zero magnitude), and 0.1 for sigmoid codes, which never reach exactly 0. Change it
with the `threshold` argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .model import SparseAutoencoder
from .penalties import mean_activation

__all__ = ["DENSE_DENSITY", "SIGMOID_THRESHOLD", "assign_atoms", "band_shares", "baselines", "dead_fraction",
    "decoder_features", "default_threshold", "dense_fraction", "evaluate", "feature_density", "interpolate_frontier",
    "l0", "loss_recovered", "match_atoms", "mmcs", "normalized_mse",
    "orientation_selectivity", "preferred_orientation", "reconstruct", "roughness", "shrinkage_slope",
    "spatial_extent", "variance_explained"]

SIGMOID_THRESHOLD = 0.1


def default_threshold(latent_activation: str) -> float:
    """The activity threshold for a latent activation: 0.1 for sigmoid, 0 otherwise."""
    return SIGMOID_THRESHOLD if latent_activation == "sigmoid" else 0.0


@torch.no_grad()
def reconstruct(model: SparseAutoencoder, x: Tensor) -> tuple[Tensor, Tensor]:
    """(x̂, z) for a whole set, in eval mode, on the model's device."""
    model.eval()
    device = next(model.parameters()).device
    return model(x.to(device))


def _active(z: Tensor, threshold: float) -> Tensor:
    """Boolean mask of active units: |z| > threshold."""
    return z.abs() > threshold


def l0(z: Tensor, threshold: float) -> float:
    """Mean number of active units per input."""
    return _active(z, threshold).sum(dim=1).float().mean().item()


def feature_density(z: Tensor, threshold: float) -> Tensor:
    """Each unit's firing rate: the fraction of inputs on which it is active (one value per unit)."""
    return _active(z, threshold).float().mean(dim=0)


def band_shares(z: Tensor, edges: Sequence[float]) -> Tensor:
    """Per unit, the share of inputs whose activation falls in each band [edges[i], edges[i+1]): [bands, units].

    Unlike a histogram pooled over all units, this says how each unit reaches its mean activation ρ̂
    (on for a few inputs and off otherwise, or a little on for most of them)."""
    edges = [float(e) for e in edges]
    if len(edges) < 2 or any(a >= b for a, b in zip(edges, edges[1:])):
        raise ValueError(f"edges must be at least two increasing numbers, got {edges}")
    if z.dim() != 2:
        raise ValueError(f"z must be a 2-D tensor [inputs, units], got shape {tuple(z.shape)}")
    return torch.stack([((z >= lo) & (z < hi)).float().mean(dim=0) for lo, hi in zip(edges, edges[1:])])


def dead_fraction(z: Tensor, threshold: float) -> float:
    """Fraction of units active on no input of the set."""
    return (~_active(z, threshold).any(dim=0)).float().mean().item()


#: A unit active on more than this share of inputs is *dense*: it no longer picks anything out.
DENSE_DENSITY = 0.5


def dense_fraction(z: Tensor, threshold: float, max_density: float = DENSE_DENSITY) -> float:
    """Fraction of units active on more than `max_density` of the inputs (always-on: dead_fraction misses them)."""
    return (feature_density(z, threshold) > max_density).float().mean().item()


def variance_explained(x: Tensor, x_hat: Tensor) -> float:
    """1 − Σ_d Var(x − x̂)_d / Σ_d Var(x)_d over a set of flat inputs.

    Caveat: the variance of the residual ignores its mean, so a reconstruction that is off by a
    constant per pixel still scores 1. `normalized_mse` counts that offset.
    """
    x = x.reshape(len(x), -1)
    return (1.0 - (x - x_hat).var(dim=0).sum() / x.var(dim=0).sum()).item()


def normalized_mse(x: Tensor, x_hat: Tensor) -> float:
    """‖x − x̂‖² / ‖x − x̄‖² over a set: 0 is perfect, 1 is what predicting the mean input x̄ scores.

    This is the normalised MSE of OpenAI's SAE paper; 1 − normalized_mse ≤ variance_explained, with
    equality exactly when the residual x − x̂ has zero mean in every dimension.
    """
    x = x.reshape(len(x), -1)
    return (((x - x_hat) ** 2).sum() / ((x - x.mean(dim=0)) ** 2).sum()).item()


def mmcs(true_atoms: Tensor | np.ndarray, learned_atoms: Tensor | np.ndarray) -> float:
    """Mean over true atoms of the best cosine similarity with any learned atom (rows are atoms).

    This is recall: did every true atom find a match? Swap the arguments for the other direction
    (does every learned atom match a true one?), which exposes junk atoms (close to no true atom) but
    not duplicates: a copy of a found atom scores as high as the original, in both directions. Count
    duplicates with a one-to-one matching (`assign_atoms`) or the learned atoms per true atom.
    """
    return _cosines(true_atoms, learned_atoms).max(dim=1).values.mean().item()


def _cosines(true_atoms: Tensor | np.ndarray, learned_atoms: Tensor | np.ndarray) -> Tensor:
    """All cosine similarities [true, learned] between two sets of atoms (rows), in float64 on the CPU."""
    true = torch.as_tensor(true_atoms, dtype=torch.float64).detach().cpu()
    learned = torch.as_tensor(learned_atoms, dtype=torch.float64).detach().cpu()
    if true.dim() != 2 or learned.dim() != 2 or true.shape[1] != learned.shape[1]:
        raise ValueError(f"atoms must be 2-D [atoms, dim] with the same dim, got {tuple(true.shape)} and "
                         f"{tuple(learned.shape)}")
    return F.normalize(true, dim=1) @ F.normalize(learned, dim=1).T


def match_atoms(true_atoms: Tensor | np.ndarray, learned_atoms: Tensor | np.ndarray) -> tuple[Tensor, Tensor]:
    """For each true atom, the index of the learned atom most cosine-similar to it, and that cosine (rows are atoms)."""
    best = _cosines(true_atoms, learned_atoms).max(dim=1)
    return best.indices, best.values


def assign_atoms(true_atoms: Tensor | np.ndarray, learned_atoms: Tensor | np.ndarray) -> tuple[Tensor, Tensor]:
    """A one-to-one matching of true to learned atoms (rows) that maximises the summed cosine similarity.

    The Hungarian assignment (scipy's linear_sum_assignment): each learned atom serves at most one true
    atom, so a duplicate cannot count twice, unlike `match_atoms`. Returns, for each true atom, its
    learned atom's index and their cosine; needs at least as many learned atoms as true ones.
    """
    from scipy.optimize import linear_sum_assignment  # imported here: only the matching needs it

    need = "at least as many learned atoms as true ones"
    try:
        cos = _cosines(true_atoms, learned_atoms)
    except ValueError as error:
        raise ValueError(f"{error}; the assignment also needs {need}") from None
    if cos.shape[1] < cos.shape[0]:
        raise ValueError(f"need {need}, got {cos.shape[1]} learned for {cos.shape[0]} true")
    rows, cols = linear_sum_assignment(cos.numpy(), maximize=True)  # rows come back as 0 … n_true − 1
    cols = torch.as_tensor(cols)
    return cols, cos[torch.as_tensor(rows), cols]


def shrinkage_slope(true_codes: Tensor, learned_codes: Tensor) -> float:
    """Least-squares slope through the origin of learned against true code magnitudes, Σ t·l / Σ t².

    Only entries where both codes are non-zero count, so the slope measures the size of the codes a
    model does give, not how often it misses: 1 means magnitudes are right, below 1 means shrunk.
    """
    true, learned = torch.as_tensor(true_codes).double(), torch.as_tensor(learned_codes).double()
    if true.shape != learned.shape:
        raise ValueError(f"true and learned codes must have the same shape, got {tuple(true.shape)} and "
                         f"{tuple(learned.shape)}")
    both = (true != 0) & (learned != 0)
    if not both.any():
        raise ValueError("no entry where both the true and the learned code are non-zero")
    return ((true[both] * learned[both]).sum() / (true[both] ** 2).sum()).item()


def interpolate_frontier(l0s: Sequence[float], values: Sequence[float], at: Sequence[float]) -> np.ndarray:
    """A measured sparsity frontier (value against L0) read at other L0s, linear in log L0; NaN outside its range.

    Comparing architectures "at equal L0" needs this: their sweeps rarely land on the same L0s.
    """
    l0s, values = np.asarray(l0s, dtype=float), np.asarray(values, dtype=float)
    if l0s.shape != values.shape or l0s.ndim != 1 or len(l0s) < 2 or (l0s <= 0).any():
        raise ValueError(f"l0s and values must be 1-D of the same length ≥ 2 with positive L0s, "
                         f"got {l0s!r} and {values!r}")
    order = np.argsort(l0s)
    x, at = np.log(l0s[order]), np.log(np.asarray(at, dtype=float))
    return np.where((at >= x[0]) & (at <= x[-1]), np.interp(at, x, values[order]), np.nan)


def decoder_features(model: SparseAutoencoder) -> Tensor:
    """What each latent unit alone adds to the output: decode(e_j) − decode(0), one row per unit."""
    model.eval()
    device = next(model.parameters()).device
    with torch.no_grad():
        eye = torch.eye(model.config.latent_dim, device=device)
        return (model.decode(eye) - model.decode(torch.zeros(1, model.config.latent_dim, device=device))).cpu()


def baselines(train_x: Tensor, test_x: Tensor, n_components: int) -> dict[str, dict[str, float]]:
    """Test MSE and variance explained of two honest baselines fitted on `train_x`: the mean training
    input (every test input "reconstructed" as it), and PCA keeping `n_components` directions."""
    from sklearn.decomposition import PCA  # imported here: scikit-learn takes a second to import

    train_x = train_x.reshape(len(train_x), -1).cpu().double()
    test_x = test_x.reshape(len(test_x), -1).cpu().double()
    mean = train_x.mean(dim=0, keepdim=True).expand_as(test_x)
    pca = PCA(n_components=n_components, random_state=0).fit(train_x.numpy())
    x_pca = torch.as_tensor(pca.inverse_transform(pca.transform(test_x.numpy())))
    return {name: {"test_mse": F.mse_loss(x_hat, test_x).item(),
                   "variance_explained": variance_explained(test_x, x_hat),
                   "normalized_mse": normalized_mse(test_x, x_hat)}
            for name, x_hat in [("mean image", mean), (f"PCA-{n_components}", x_pca)]}


def _square_filters(filters: Tensor | np.ndarray) -> Tensor:
    """Filters as a float64 stack [n, side, side], from [n, side²] rows or [n, side, side]."""
    f = torch.as_tensor(filters).detach().cpu().double()
    side = int(round(f[0].numel() ** 0.5)) if f.dim() >= 2 and len(f) else 0
    if f.dim() not in (2, 3) or side * side != f[0].numel() or (f.dim() == 3 and f.shape[1] != f.shape[2]):
        raise ValueError(f"filters must be [n, side²] rows or [n, side, side] squares, got shape {tuple(f.shape)}")
    return f.reshape(len(f), side, side)


def _orientation_resultant(filters: Tensor | np.ndarray, pad: int) -> tuple[Tensor, Tensor]:
    """(Σ_k P(k) e^{2iθ(k)}, Σ_k P(k)) over each filter's zero-padded power spectrum, DC left out."""
    f = _square_filters(filters)
    if isinstance(pad, bool) or not isinstance(pad, int) or pad < f.shape[-1]:
        raise ValueError(f"pad must be an integer at least the filter side {f.shape[-1]}, got {pad!r}")
    power = torch.fft.fft2(f, s=(pad, pad)).abs() ** 2
    k = torch.fft.fftfreq(pad, dtype=torch.float64)
    ky, kx = torch.meshgrid(k, k, indexing="ij")
    doubled = torch.polar(torch.ones_like(kx), 2 * torch.atan2(ky, kx))
    power[:, 0, 0] = 0.0  # the DC term has no direction
    return (power * doubled).sum(dim=(1, 2)), power.sum(dim=(1, 2))


def orientation_selectivity(filters: Tensor | np.ndarray, pad: int = 32) -> Tensor:
    """How strongly each filter prefers one orientation, from 0 (none) to 1 (a single orientation).

    The doubled-angle resultant of the filter's power spectrum P(k) (zero-padded to pad × pad, DC
    left out): |Σ_k P(k) e^{2iθ(k)}| / Σ_k P(k), with θ(k) the direction of frequency k. Doubling the
    angle makes k and −k (the same orientation) add up. White-noise 8 × 8 filters score about 0.1,
    Gabor-like edge detectors about 0.8. Caveat: it sees orientation only, not position, so a
    grating that fills the whole patch scores as high as a localised edge (see `spatial_extent`).
    """
    resultant, total = _orientation_resultant(filters, pad)
    return (resultant.abs() / total.clamp_min(1e-30)).float()


def preferred_orientation(filters: Tensor | np.ndarray, pad: int = 32) -> Tensor:
    """Each filter's preferred edge orientation in degrees, in [0, 180): 0 horizontal, 90 vertical, 45 rising
    to the right, as the filter is drawn (row 0 at the top).

    The edge runs across the direction of the power spectrum's doubled-angle resultant (see
    `orientation_selectivity`). Caveats: every filter gets an angle, which means little where the selectivity is
    low; and the square patch's own border pulls an oblique edge on an 8 × 8 grid up to about 7° towards the
    nearest axis.
    """
    resultant, _ = _orientation_resultant(filters, pad)
    frequency = torch.angle(resultant) / 2  # the dominant frequency's direction, y pointing down the rows
    return torch.rad2deg(-(frequency + torch.pi / 2)).remainder(180.0).float()  # the edge is across it; y flipped up


def spatial_extent(filters: Tensor | np.ndarray) -> Tensor:
    """The fraction of its pixels each filter effectively uses: (Σ w²)² / (D · Σ w⁴) over its D pixels.

    1/D for a single pixel, 1 when every pixel has the same magnitude (a checkerboard), about 1/3 for
    white noise, more for a grating that fills the patch and less for a localised edge. (This is the
    participation ratio of w², divided by D.)
    """
    f = _square_filters(filters).flatten(1)
    w2 = f**2
    return (w2.sum(dim=1) ** 2 / (f.shape[1] * (w2**2).sum(dim=1)).clamp_min(1e-30)).float()


def roughness(filters: Tensor | np.ndarray) -> Tensor:
    """How speckled each square filter is: the mean squared difference between neighbouring pixels
    (across and down) over twice the mean squared pixel.

    0 for a constant filter, about 1 for white noise, 2 for a checkerboard; smooth strokes score well
    below 1. It measures pixel-to-pixel variation only, not where in the image it sits.
    """
    f = _square_filters(filters)
    across, down = (f[:, :, 1:] - f[:, :, :-1]) ** 2, (f[:, 1:, :] - f[:, :-1, :]) ** 2
    neighbours = (across.sum(dim=(1, 2)) + down.sum(dim=(1, 2))) / (across[0].numel() + down[0].numel())
    return (neighbours / (2 * (f**2).mean(dim=(1, 2))).clamp_min(1e-30)).float()


def evaluate(model: SparseAutoencoder, x: Tensor, rho: float | None = None, threshold: float | None = None) -> dict:
    """The metrics table for one model on one set: test MSE, normalised MSE, variance explained, mean ρ̂, L0,
    dead and dense fractions."""
    threshold = default_threshold(model.config.latent_activation) if threshold is None else threshold
    x_hat, z = reconstruct(model, x)
    x_flat = model.flatten(x.to(x_hat.device))
    metrics = {
        "test_mse": F.mse_loss(x_hat, x_flat).item(),
        "mean_rho_hat": mean_activation(z).mean().item(),
        "l0": l0(z, threshold),
        "dead_fraction": dead_fraction(z, threshold),
        "dense_fraction": dense_fraction(z, threshold),
        "variance_explained": variance_explained(x_flat, x_hat),
        "normalized_mse": normalized_mse(x_flat, x_hat),
    }
    if rho is not None:
        metrics["rho"] = rho
    return metrics


def loss_recovered(loss_clean: float, loss_spliced: float, loss_ablated: float) -> float:
    """(L_ablated − L_spliced) / (L_ablated − L_clean): 1 when the SAE's reconstruction is as good as the layer
    itself, 0 when it is no better than ablating the layer (Nanda; SAELens's "CE loss recovered")."""
    gap = loss_ablated - loss_clean
    if not gap > 0:
        raise ValueError(f"ablating the layer must raise the loss: L_ablated={loss_ablated!r} ≤ L_clean={loss_clean!r}")
    return (loss_ablated - loss_spliced) / gap
