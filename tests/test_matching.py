"""One-to-one atom matching, mixtures of true atoms, and the speckle measure of image filters."""

import numpy as np
import pytest
import torch

from sae_lib.metrics import assign_atoms, match_atoms, mmcs, roughness


def test_mmcs_both_ways_cannot_see_a_duplicate_but_the_assignment_can():
    true = torch.eye(4)
    duplicated = torch.cat([true[:3], true[:1] * 2])  # atom 3 never found, atom 0 learned twice
    assert mmcs(duplicated, true) == pytest.approx(1.0)  # every learned atom matches a true one
    assert mmcs(true, duplicated) == pytest.approx(0.75)
    index, cosine = match_atoms(true, duplicated)
    assert index[0] in (0, 3) and cosine[3] == pytest.approx(0.0)
    index, cosine = assign_atoms(true, duplicated)
    assert len(set(index.tolist())) == 4 and int((cosine > 0.9).sum()) == 3  # the copy is spent on atom 3


def test_assignment_maximises_the_total_not_each_atom_greedily():
    true = torch.tensor([[1.0, 0.0], [0.8, 0.6]])
    learned = torch.tensor([[0.8, 0.6], [0.0, 1.0]])  # the cosines are [[0.8, 0], [1, 0.6]]
    assert match_atoms(true, learned)[0].tolist() == [0, 0]  # each true atom's best: learned 0 twice
    index, cosine = assign_atoms(true, learned)
    assert index.tolist() == [0, 1] and cosine.sum().item() == pytest.approx(0.8 + 0.6)  # beats 1.0 + 0


def test_assignment_recovers_a_permuted_noisy_dictionary():
    g = torch.Generator().manual_seed(0)
    true = torch.randn(20, 16, generator=g, dtype=torch.float64)
    order = torch.randperm(30, generator=g)
    learned = torch.cat([true, torch.randn(10, 16, generator=g, dtype=torch.float64)])[order] * 3
    learned += 0.01 * torch.randn(learned.shape, generator=g, dtype=torch.float64)
    index, cosine = assign_atoms(true.numpy(), learned)  # NumPy arrays are accepted too
    assert torch.equal(order[index], torch.arange(20)) and (cosine > 0.99).all()


@pytest.mark.parametrize("true, learned", [(torch.eye(4), torch.eye(4)[:3]), (torch.eye(3), torch.eye(4)),
                                           (torch.ones(3), torch.ones(3, 3))])
def test_assignment_refuses_what_it_cannot_match(true, learned):
    with pytest.raises(ValueError, match="at least as many learned"):
        assign_atoms(true, learned)


def test_roughness_is_0_for_flat_1_for_noise_2_for_a_checkerboard():
    flat = torch.full((1, 8, 8), 3.0)
    checker = (torch.tensor([[1.0, -1.0], [-1.0, 1.0]]).repeat(4, 4))[None]
    noise = torch.randn(500, 28, 28, generator=torch.Generator().manual_seed(0))
    ramp = torch.linspace(-1, 1, 28)[None, None].expand(1, 28, 28)
    assert roughness(flat).item() == pytest.approx(0.0)
    assert roughness(checker).item() == pytest.approx(2.0)
    assert roughness(noise).mean().item() == pytest.approx(1.0, abs=0.02)
    assert roughness(ramp.reshape(1, -1)).item() < 0.01  # [n, side²] rows work too
    blurred = torch.nn.functional.avg_pool2d(noise[:, None], 3, stride=1, padding=1)[:, 0]
    assert (roughness(blurred) < roughness(noise)).all()  # smoothing lowers it, filter by filter


def test_roughness_refuses_non_square_filters():
    with pytest.raises(ValueError, match="square"):
        roughness(np.zeros((2, 10)))


def test_mixture_residuals_tell_a_mix_of_true_atoms_from_a_random_direction():
    from sae_lib.neural import mixture_residuals

    g = torch.Generator().manual_seed(1)
    true = torch.nn.functional.normalize(torch.randn(128, 64, generator=g, dtype=torch.float64), dim=1)
    mixes = 0.55 * true[:10] + 0.45 * true[10:20]  # two true atoms each, non-negative weights
    random = torch.randn(10, 64, generator=g, dtype=torch.float64)
    assert (mixture_residuals(true[:5] * 4, true, k=1) < 1e-9).all()  # a true atom is its own mix, at any scale
    assert (mixture_residuals(mixes, true, k=3) < 1e-6).all()
    assert (mixture_residuals(-mixes, true, k=3) > 0.8).all()  # negative weights are not allowed
    assert (mixture_residuals(random, true, k=3) > 0.7).all()
    # with all 128 atoms in 64 dimensions, non-negative mixes fit random directions: why k stays small
    assert mixture_residuals(random, true, k=128).max() < mixture_residuals(random, true, k=3).min()


@pytest.mark.parametrize("k", [0, 129, 2.0, True])
def test_mixture_residuals_refuse_a_bad_k(k):
    from sae_lib.neural import mixture_residuals

    with pytest.raises(ValueError, match="k must be"):
        mixture_residuals(torch.eye(128)[:3], torch.eye(128), k=k)
