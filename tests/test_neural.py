"""Neural recordings: synthetic data, samples, standardisation, MMCS, and dictionary recovery."""

import numpy as np
import pytest
import torch

from sae_lib.neural import (
    Standardizer,
    learn_dictionary,
    load_recording,
    mmcs,
    raw_atoms,
    synthetic_recording,
    to_samples,
)


def test_synthetic_recording_shapes_and_sparsity():
    rec = synthetic_recording(n_neurons=16, n_atoms=32, n_time=10, n_presentations=7, active=3, seed=1)
    assert rec.data.shape == (16, 10, 7) and rec.atoms.shape == (32, 16) and rec.codes.shape == (70, 32)
    np.testing.assert_allclose(np.linalg.norm(rec.atoms, axis=1), 1, rtol=1e-5)
    assert ((rec.codes > 0).sum(axis=1) == 3).all() and (rec.codes >= 0).all()
    again = synthetic_recording(n_neurons=16, n_atoms=32, n_time=10, n_presentations=7, active=3, seed=1)
    np.testing.assert_array_equal(rec.data, again.data)


def test_samples_are_population_vectors_per_presentation_and_time():
    rec = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)  # 2 neurons, 3 times, 4 presentations
    samples = to_samples(rec)
    assert samples.shape == (12, 2)
    torch.testing.assert_close(samples[1], torch.tensor([rec[0, 1, 0], rec[1, 1, 0]]))  # presentation 0, time 1
    # noiseless synthetic data: each sample is exactly its code times the atoms
    clean = synthetic_recording(n_neurons=8, n_atoms=10, n_time=5, n_presentations=3, active=2, noise=0.0)
    torch.testing.assert_close(to_samples(clean.data), torch.tensor(clean.codes @ clean.atoms), rtol=1e-5, atol=1e-5)


def test_standardizer_round_trip():
    x = torch.randn(500, 6) * torch.tensor([1, 2, 3, 4, 5, 6.0]) + 10
    x[:, 5] = 3.0  # a silent neuron must not divide by zero
    s = Standardizer.fit(x)
    z = s(x)
    torch.testing.assert_close(z[:, :5].mean(0), torch.zeros(5), atol=1e-4, rtol=0)
    torch.testing.assert_close(z[:, :5].std(0), torch.ones(5), atol=1e-4, rtol=0)
    assert torch.isfinite(z).all()
    torch.testing.assert_close(Standardizer.from_dict(s.to_dict())(x), z)
    with pytest.raises(ValueError, match="neurons"):
        s(torch.zeros(3, 4))


def test_mmcs_known_cases():
    atoms = torch.nn.functional.normalize(torch.randn(20, 8), dim=1)
    assert mmcs(atoms, atoms) == pytest.approx(1.0)
    assert mmcs(atoms, 3 * atoms[torch.randperm(20)]) == pytest.approx(1.0)  # order and scale do not matter
    assert mmcs(atoms, torch.cat([atoms[:10], -atoms[10:]])) < 1.0  # sign does: codes are non-negative
    assert mmcs(torch.eye(4), torch.tensor([[1.0, 1, 0, 0]])) == pytest.approx(2 ** -0.5 / 2)
    with pytest.raises(ValueError, match="same dim"):
        mmcs(atoms, torch.randn(3, 5))


@pytest.mark.slow  # 1,500 training steps: 14 s of CPU
def test_sae_recovers_a_small_dictionary():
    rec = synthetic_recording(n_neurons=32, n_atoms=48, n_time=40, n_presentations=100, active=3, seed=2)
    x = to_samples(rec.data)
    s = Standardizer.fit(x)
    model, _ = learn_dictionary(s(x), n_latents=128, l1_lambda=0.02, steps=1500, lr=3e-3, device="cpu")
    assert mmcs(rec.atoms, raw_atoms(model, s)) > 0.9
    assert mmcs(rec.atoms, torch.randn(128, 32)) < 0.6  # a random dictionary scores far lower


def test_load_recording_checks(tmp_path):
    np.save(tmp_path / "flat.npy", np.zeros((4, 5)))
    bad = np.zeros((2, 3, 4))
    bad[1, 1, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match=r"3-D array .*\(4, 5\)"):
        load_recording(tmp_path / "flat.npy")
    with pytest.raises(ValueError, match="NaN"):
        load_recording(tmp_path / "nan.npy")
    with pytest.raises(ValueError, match="not a readable"):
        load_recording(tmp_path / "junk.npy")
    with pytest.raises(FileNotFoundError):
        load_recording(tmp_path / "missing.npy")
