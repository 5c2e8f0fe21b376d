"""Data loading: torchvision cache, offline fallback, Fashion-MNIST IDX folders, batching."""

import gzip
import struct

import numpy as np
import pytest
import torch

import sae_lib.data as data
from sae_lib import load_fashion_mnist, load_mnist


def write_idx(path, array):
    """Write a uint8 IDX file (the MNIST format), gzipped when the name ends in .gz."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_mnist_style(folder, n_train=12, n_test=6, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    for prefix, n in [("train", n_train), ("t10k", n_test)]:
        write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", rng.integers(0, 256, (n, 28, 28)))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", rng.integers(0, 10, n))


def test_offline_sample_is_real_mnist_in_unit_range(mnist):
    assert mnist.train_images.shape == (4000, 1, 28, 28) and mnist.test_images.shape == (1000, 1, 28, 28)
    assert mnist.train_images.dtype == torch.float32
    assert mnist.train_images.min() == 0.0 and mnist.train_images.max() == 1.0
    assert set(mnist.test_labels.tolist()) == set(range(10))
    assert 0.1 < mnist.train_images.mean() < 0.15  # MNIST's mean pixel is about 0.13


def test_cached_torchvision_files_load_without_network(tmp_path):
    write_mnist_style(tmp_path / "MNIST" / "raw")
    d = load_mnist(tmp_path, download=False)
    assert d.train_images.shape == (12, 1, 28, 28) and d.test_images.shape == (6, 1, 28, 28)
    assert "MNIST" in d.source and d.train_images.max() <= 1.0


def test_failed_download_falls_back_to_offline_sample_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "MNIST_MIRRORS", ["http://127.0.0.1:9/"])  # a closed port: the real download path fails
    d = load_mnist(tmp_path, download=True)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("Using the offline 5,000-image MNIST sample (the download failed")
    assert d.source.startswith("offline MNIST sample") and len(d.train_images) == 4000


def test_unresolvable_mirrors_fall_back_without_trying_a_download(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(data, "MNIST_MIRRORS", ["https://mnist.invalid/"])  # .invalid never resolves (RFC 2606)
    d = load_mnist(tmp_path, download=True)
    assert capsys.readouterr().out == "Using the offline 5,000-image MNIST sample (no network).\n"
    assert d.source.startswith("offline MNIST sample") and not (tmp_path / "MNIST").exists()


def test_validation_split_is_carved_from_training_images_only(mnist):
    split = data.validation_split(mnist, n_validation=300, seed=1)
    assert len(split.test_images) == 300 and len(split.train_images) == len(mnist.train_images) - 300
    rows = {tuple(r.tolist()) for r in mnist.train_images.flatten(1)[:, ::7]}  # a cheap fingerprint per image
    assert all(tuple(r.tolist()) in rows for r in split.test_images.flatten(1)[:, ::7])
    together = torch.cat([split.train_images, split.test_images]).flatten(1).sum(dim=1).sort().values
    assert torch.equal(together, mnist.train_images.flatten(1).sum(dim=1).sort().values)  # a partition, no overlap
    assert torch.equal(split.test_images, data.validation_split(mnist, 300, seed=1).test_images)  # seeded
    with pytest.raises(ValueError, match="n_validation"):
        data.validation_split(mnist, n_validation=len(mnist.train_images))


def test_offline_sample_split_is_checked():
    with pytest.raises(ValueError, match="n_test"):
        data.load_offline_mnist(n_test=5000)


def test_fashion_mnist_from_a_local_idx_folder(tmp_path):
    write_mnist_style(tmp_path / "idx", gz=True)
    d = load_fashion_mnist(tmp_path / "root", idx_dir=tmp_path / "idx", download=False)
    assert d.train_images.shape == (12, 1, 28, 28) and d.classes[0] == "T-shirt/top"
    assert (tmp_path / "root" / "FashionMNIST" / "raw" / "train-images-idx3-ubyte").exists()


@pytest.mark.skipif(not data.DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_from_debian_package(tmp_path):
    d = load_fashion_mnist(tmp_path, download=False)
    assert len(d.train_images) == 60_000 and len(d.test_images) == 10_000


def test_missing_fashion_mnist_says_how_to_get_it(tmp_path):
    with pytest.raises(RuntimeError, match="dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path, idx_dir=None, download=False)


def test_batches_cover_every_row_once_in_a_seeded_order():
    x = torch.arange(10).unsqueeze(1)
    got = torch.cat(list(data.batches(x, 3, generator=torch.Generator().manual_seed(0))))
    again = torch.cat(list(data.batches(x, 3, generator=torch.Generator().manual_seed(0))))
    assert sorted(got.flatten().tolist()) == list(range(10)) and torch.equal(got, again)
    assert [len(b) for b in data.batches(x, 4, shuffle=False)] == [4, 4, 2]
    with pytest.raises(ValueError, match="batch_size"):
        next(data.batches(x, 0))


def test_check_finite_names_the_problem():
    x = torch.zeros(3, 4)
    x[1, 2] = float("nan")
    with pytest.raises(ValueError, match=r"1 NaN/inf values \(first at index \(1, 2\)\)"):
        data.check_finite(x)
