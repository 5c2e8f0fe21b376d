"""Natural-image patches and their whitening: shapes, zero mean, identity covariance, clear errors."""

import numpy as np
import pytest
import torch

from sae_lib.data import NATURAL_IMAGES, natural_images, pca_whiten, sample_patches, zca_whiten


def covariance(x):
    x = x.double() - x.double().mean(dim=0)
    return x.T @ x / len(x)


@pytest.fixture(scope="module")
def correlated():
    """Full-rank data with very unequal variances and strong correlations (like image pixels), off-centre."""
    g = torch.Generator().manual_seed(0)
    mixing = torch.randn(6, 6, generator=g, dtype=torch.float64) * torch.tensor([5.0, 2.0, 1.0, 0.5, 0.1, 0.01], dtype=torch.float64)[:, None]
    return torch.randn(5000, 6, generator=g, dtype=torch.float64) @ mixing + 3.0


def test_natural_images_are_grey_averaged_photos_in_unit_range():
    full, small = natural_images(downsample=1), natural_images(downsample=3)
    assert len(full) == len(NATURAL_IMAGES) == 8
    assert full[NATURAL_IMAGES.index("chelsea")].shape == (300, 451)  # a colour photo, turned grey
    assert small[NATURAL_IMAGES.index("chelsea")].shape == (100, 150)
    assert all(0.0 <= im.min() and im.max() <= 1.0 for im in full + small)
    assert np.isclose(small[0][0, 0], full[0][:3, :3].mean())  # each pixel is the mean of a 3 × 3 block
    assert [im.shape for im in natural_images(2, names=("grass", "moon"))] == [(256, 256), (256, 256)]


@pytest.mark.parametrize("downsample", [0, 2.5, True])
def test_bad_downsample_is_refused(downsample):
    with pytest.raises(ValueError, match=f"downsample must be a positive integer, got {downsample!r}"):
        natural_images(downsample=downsample)


@pytest.mark.parametrize("names", [(), "grass", ("grass", "brick"), ("text",)])
def test_unknown_or_missing_image_names_are_refused(names):
    with pytest.raises(ValueError, match="names must be a non-empty tuple drawn from"):
        natural_images(names=names)


def test_patches_are_distinct_windows_of_the_images_and_reproducible():
    images = [np.arange(20 * 30, dtype=float).reshape(20, 30), -np.ones((10, 12))]
    p = sample_patches(images, n=400, size=4, seed=1)
    assert p.shape == (400, 16) and p.dtype == torch.float32
    assert torch.equal(p, sample_patches(images, n=400, size=4, seed=1))
    assert not torch.equal(p, sample_patches(images, n=400, size=4, seed=2))
    from_second = (p == -1).all(dim=1)
    # 17 · 27 = 459 windows in the first image, 7 · 9 = 63 in the second: drawn in proportion
    assert 25 < from_second.sum() < 75
    first = p[~from_second].reshape(-1, 4, 4)
    top_left = first[:, 0, 0]
    assert len(top_left.unique()) == len(top_left)  # no window drawn twice
    rows, cols = top_left // 30, top_left % 30
    assert (rows <= 16).all() and (cols <= 26).all()  # every window lies inside the image
    expected = torch.stack([torch.as_tensor(images[0][int(r):int(r) + 4, int(c):int(c) + 4]) for r, c in zip(rows, cols)])
    assert torch.equal(first, expected.float())
    every = sample_patches(images[:1], n=459, size=4)  # as many patches as windows: each window exactly once
    assert len(every[:, 0].unique()) == 459


@pytest.mark.parametrize("size", [0, 11, -3, 2.5, "8"])
def test_bad_patch_size_names_the_value(size):
    images = [np.zeros((10, 12)), np.zeros((40, 40))]
    with pytest.raises(ValueError, match=f"patch size must be an integer from 1 to 10 .* got {size!r}"):
        sample_patches(images, n=5, size=size)


def test_bad_images_or_count_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        sample_patches([np.zeros((8, 8, 3))], n=5)
    with pytest.raises(ValueError, match="non-empty"):
        sample_patches([], n=5)
    with pytest.raises(ValueError, match="n must be an integer from 1 to 25 .* got 0"):
        sample_patches([np.zeros((8, 8))], n=0, size=4)
    with pytest.raises(ValueError, match="n must be an integer from 1 to 25 .* got 26"):
        sample_patches([np.zeros((8, 8))], n=26, size=4)  # more patches than distinct windows


@pytest.mark.parametrize("whiten", [pca_whiten, zca_whiten])
def test_whitening_gives_zero_mean_and_identity_covariance(whiten, correlated):
    w = whiten(correlated)
    assert w.shape == correlated.shape and w.dtype == correlated.dtype
    assert torch.allclose(w.mean(dim=0), torch.zeros(6, dtype=torch.float64), atol=1e-9)
    assert torch.allclose(covariance(w), torch.eye(6, dtype=torch.float64), atol=1e-8)


@pytest.mark.parametrize("whiten", [pca_whiten, zca_whiten])
def test_epsilon_damps_low_variance_directions(whiten, correlated):
    eigenvalues = torch.linalg.eigvalsh(covariance(correlated))
    spectrum = torch.linalg.eigvalsh(covariance(whiten(correlated, epsilon=0.5)))
    assert torch.allclose(spectrum, eigenvalues / (eigenvalues + 0.5), atol=1e-8)
    assert spectrum.min() < 0.01 and spectrum.max() > 0.95  # the smallest direction is damped, not blown up


def test_pca_orders_by_variance_and_zca_stays_closest_to_the_data(correlated):
    x = (correlated - correlated.mean(dim=0)).float()
    x = x / x.std(dim=0)  # unit variances: whitening now only removes correlations
    pca, zca = pca_whiten(x), zca_whiten(x)
    assert torch.allclose(pca.var(dim=0), torch.ones(6), atol=1e-3)
    assert torch.allclose(zca, pca_whiten(x) @ torch.linalg.eigh(covariance(x))[1].flip(1).T.float(), atol=1e-4)
    # ZCA is the whitening that moves the data least: it stays nearer x than PCA's rotation does
    assert (zca - x).norm() < (pca - x).norm()


def test_singular_covariance_needs_epsilon():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(200, 5, generator=g)
    x = x - x.mean(dim=1, keepdim=True)  # each row sums to 0, like mean-removed patches
    with pytest.raises(ValueError, match="singular.*use epsilon > 0"):
        zca_whiten(x)
    assert torch.isfinite(zca_whiten(x, epsilon=1e-3)).all()


@pytest.mark.parametrize("x, epsilon, match", [
    (torch.zeros(10), 0.1, "2-D"), (torch.zeros(1, 4), 0.1, "at least 2 samples"), (np.zeros((5, 2)), 0.1, "2-D tensor"),
    (torch.randn(10, 3), -0.1, "epsilon must be a non-negative number, got -0.1"),
    (torch.randn(10, 3), float("nan"), "epsilon"),
])
def test_bad_whitening_arguments_are_refused(x, epsilon, match):
    with pytest.raises(ValueError, match=match):
        zca_whiten(x, epsilon)
