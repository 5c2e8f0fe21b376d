"""TopK as Gao et al. (2024) train it: pre-encoder bias, tied initialisation, unit-norm decoder with the
parallel gradient removed, and the AuxK loss that gives dead latents a gradient at every step."""

import copy

import pytest
import torch
from test_modern_training import sparse_data

from sae_lib import SAEConfig, SparseAutoencoder, TrainConfig, fit
from sae_lib.training import _remove_parallel_grad, auxk_loss


def gao(latent_dim: int = 48, k: int = 2, **kwargs) -> SAEConfig:
    return SAEConfig(input_dim=12, hidden_dims=(), latent_dim=latent_dim, latent_activation="topk", k=k,
                     output_activation="none", unit_norm_decoder=True, pre_encoder_bias=True, tied_init=True, **kwargs)


def test_tied_init_starts_the_encoder_as_the_unit_norm_decoder_transpose():
    torch.manual_seed(0)
    model = SparseAutoencoder(gao())
    assert torch.allclose(model.dictionary.norm(dim=1), torch.ones(48), atol=1e-6)
    assert torch.equal(model.encoder[0].weight, model.dictionary)


def test_pre_encoder_bias_subtracts_the_decoder_bias_before_encoding():
    torch.manual_seed(0)
    model = SparseAutoencoder(gao())
    with torch.no_grad():
        model.decoder[0].bias.fill_(3.0)
    x = torch.randn(5, 12)
    expected = model.encoder[0](x - 3.0)
    assert torch.allclose(model.pre_activation(x), expected, atol=1e-6)
    # moving the input and the bias together leaves the code unchanged: the encoder sees x − b_pre
    with torch.no_grad():
        model.decoder[0].bias.add_(1.0)
    assert torch.allclose(model.pre_activation(x + 1.0), expected, atol=1e-5)


@pytest.mark.parametrize("flag", ["pre_encoder_bias", "tied_init", "unit_norm_decoder"])
def test_the_recipe_needs_a_one_layer_model(flag):
    with pytest.raises(ValueError, match=f"{flag} needs hidden_dims=()"):
        SAEConfig(hidden_dims=(16,), **{flag: True})


def test_parallel_gradient_is_removed_from_each_decoder_column():
    torch.manual_seed(0)
    model = SparseAutoencoder(gao())
    model.decoder[0].weight.grad = torch.randn_like(model.decoder[0].weight)
    before = model.decoder[0].weight.grad.clone()
    _remove_parallel_grad(model)
    w, g = model.decoder[0].weight, model.decoder[0].weight.grad
    assert (w * g).sum(dim=0).abs().max() < 1e-5  # each column's gradient is orthogonal to the column
    assert not torch.allclose(g, before)


def test_auxk_loss_is_zero_without_dead_latents_and_trains_only_dead_ones():
    torch.manual_seed(0)
    model = SparseAutoencoder(gao())
    x = sparse_data(64)
    pre = model.pre_activation(x)
    x_hat = model.decode(model.activation(pre))
    assert auxk_loss(model, x, pre, x_hat, torch.zeros(48, dtype=torch.bool), 8).item() == 0.0
    dead = torch.zeros(48, dtype=torch.bool)
    dead[:10] = True
    loss = auxk_loss(model, x, pre, x_hat, dead, 4)
    assert loss.item() > 0
    loss.backward()
    grad = model.encoder[0].weight.grad
    assert grad[:10].abs().sum() > 0 and grad[10:].abs().sum() == 0  # the living latents get nothing from it


def test_auxk_loss_is_normalised_by_the_residual_variance():
    """A perfect aux reconstruction scores 0; predicting nothing scores about 1 (the residual's own variance)."""
    torch.manual_seed(0)
    model = SparseAutoencoder(gao())
    x = sparse_data(256)
    pre = torch.full((256, 48), -1.0)  # no dead latent would fire: ê = 0
    x_hat = x - (x - x.mean(dim=0))  # residual = x − mean: variance-normalised MSE of ê = 0 is exactly 1
    dead = torch.ones(48, dtype=torch.bool)
    assert auxk_loss(model, x, pre, x_hat, dead, 4).item() == pytest.approx(1.0, rel=0.05)


@pytest.mark.slow  # two seeds of three training runs each: 12 s of CPU a seed
@pytest.mark.parametrize("seed", [0, 1])
def test_auxk_revives_dead_latents_that_plain_topk_leaves_dead(seed):
    """A TopK SAE first trained hard enough (lr 1e-2, k = 2) that most of its latents die, then trained on from
    that same state with and without AuxK: AuxK ends with fewer dead latents and a lower reconstruction error."""
    x = sparse_data(4000, dim=16, atoms=64, active=3)
    torch.manual_seed(seed)
    start = SparseAutoencoder(SAEConfig(input_dim=16, hidden_dims=(), latent_dim=128, latent_activation="topk", k=2,
                                        output_activation="none", unit_norm_decoder=True, pre_encoder_bias=True))
    with torch.no_grad():
        start.encoder[0].bias.normal_(0, 0.3)
    history = fit(start, x, None, TrainConfig(penalty="none", steps=300, lr=1e-2, dead_steps=30, seed=seed),
                  device="cpu", progress=False)
    assert history.dead_latents[-1] > 64  # most latents dead: the situation AuxK is for
    runs = {}
    for aux_k in (None, 32):
        model = copy.deepcopy(start)
        config = TrainConfig(penalty="none", steps=600, lr=3e-3, aux_k=aux_k, dead_steps=30, seed=seed)
        runs[aux_k] = fit(model, x, None, config, device="cpu", progress=False)
    assert runs[32].dead_latents[-1] < 0.9 * runs[None].dead_latents[-1]
    assert runs[32].train_recon[-1] < runs[None].train_recon[-1]
    assert runs[32].train_aux and not runs[None].train_aux


def test_aux_k_needs_a_topk_model():
    model = SparseAutoencoder(SAEConfig(input_dim=12, hidden_dims=(), latent_dim=8, latent_activation="relu",
                                        output_activation="none"))
    with pytest.raises(ValueError, match="aux_k needs a one-layer TopK"):
        fit(model, sparse_data(32), None, TrainConfig(penalty="none", steps=1, aux_k=4), progress=False)
    with pytest.raises(ValueError, match="aux_k must be a positive integer"):
        TrainConfig(aux_k=0)
