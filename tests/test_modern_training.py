"""Training the modern architectures: decoder-norm-weighted L1, JumpReLU's L0, TopK/BatchTopK, dead-latent resampling."""

import pytest
import torch

from sae_lib import SAEConfig, SparseAutoencoder, TrainConfig, evaluate, fit, train
from sae_lib.metrics import reconstruct
from sae_lib.penalties import l1_penalty, weighted_l1_penalty
from sae_lib.training import DEFAULT_STEPS, resample_dead_latents, resampled_weights


def sparse_data(n: int = 2000, dim: int = 12, atoms: int = 16, active: int = 2, seed: int = 0) -> torch.Tensor:
    """Sparse non-negative combinations of random unit atoms: data an SAE can learn in a few hundred steps."""
    g = torch.Generator().manual_seed(seed)
    dictionary = torch.nn.functional.normalize(torch.randn(atoms, dim, generator=g), dim=1)
    codes = torch.zeros(n, atoms)
    chosen = torch.rand(n, atoms, generator=g).argsort(dim=1)[:, :active]
    codes.scatter_(1, chosen, torch.rand(n, active, generator=g) + 0.5)
    return codes @ dictionary


def linear(activation: str, latent_dim: int = 24, **kwargs) -> SAEConfig:
    return SAEConfig(input_dim=12, hidden_dims=(), latent_dim=latent_dim, latent_activation=activation,
                     output_activation="none", **kwargs)


def test_defaults_are_unchanged():
    c = TrainConfig()
    assert (c.penalty, c.lr, c.batch_size, c.steps, c.epochs, c.resample_every) == ("kl", 1e-2, 128, 3000, None, None)
    assert DEFAULT_STEPS == 3000


def test_weighted_l1_by_hand_and_equal_to_l1_for_unit_norms():
    z = torch.tensor([[1.0, -2.0, 0.0], [0.0, 3.0, 1.0]])
    norms = torch.tensor([2.0, 0.5, 1.0])
    assert weighted_l1_penalty(z, norms).item() == pytest.approx(((2 + 1) + (1.5 + 1)) / 2)
    assert weighted_l1_penalty(z, torch.ones(3)).item() == pytest.approx(l1_penalty(z).item())
    with pytest.raises(ValueError, match="decoder_norms"):
        weighted_l1_penalty(z, torch.ones(4))


def test_weighted_l1_closes_the_scaling_loophole():
    """Shrinking z by 10 and growing the decoder by 10 leaves x̂ alone: plain L1 falls tenfold, weighted L1 does not."""
    x = sparse_data(50)
    model = SparseAutoencoder(linear("relu"))
    z = model.encode(x)
    norms = model.dictionary.norm(dim=1)
    assert l1_penalty(z / 10).item() == pytest.approx(l1_penalty(z).item() / 10, rel=1e-5)
    assert weighted_l1_penalty(z / 10, norms * 10).item() == pytest.approx(weighted_l1_penalty(z, norms).item(), rel=1e-5)


@pytest.mark.slow  # training runs: 5-9 s
def test_decoder_norm_weighted_l1_trains_sparser_codes_than_none():
    x = sparse_data()
    kwargs = dict(steps=300, lr=1e-2, progress=False, device="cpu")
    weighted, _ = train(x, model_config=linear("relu"), penalty="l1_decoder_norm", l1_lambda=0.05, **kwargs)
    plain, _ = train(x, model_config=linear("relu"), penalty="none", **kwargs)
    assert evaluate(weighted, x)["l0"] < 0.5 * evaluate(plain, x)["l0"]
    assert evaluate(weighted, x)["normalized_mse"] < 0.3


def test_topk_trains_with_exactly_k_active_and_learns():
    x = sparse_data()
    model, history = train(x, x[:500], linear("topk", k=2), TrainConfig(penalty="none", steps=300), progress=False,
                           device="cpu")
    m = evaluate(model, x)
    assert m["l0"] <= 2.0 and m["normalized_mse"] < 0.2
    assert history.test_recon[-1] < 0.5 * history.test_recon[0]


def test_batchtopk_learns_a_threshold_that_keeps_about_k_at_eval():
    x = sparse_data()
    model, _ = train(x, model_config=linear("batchtopk", k=2), config=TrainConfig(penalty="none", steps=300),
                     progress=False, device="cpu")
    assert model.activation.threshold.item() > 0
    m = evaluate(model, x)
    assert 1.0 < m["l0"] < 3.5 and m["normalized_mse"] < 0.2


@pytest.mark.slow  # training runs: 5-9 s
def test_jumprelu_l0_penalty_moves_the_thresholds_and_buys_sparsity():
    x = sparse_data()
    cfg = linear("jumprelu", init_threshold=0.1, bandwidth=0.1)
    runs = {lam: train(x, model_config=cfg, penalty="l0", l0_lambda=lam, steps=300, progress=False, device="cpu")[0]
            for lam in (1e-4, 3e-3)}
    assert not torch.allclose(runs[3e-3].activation.threshold, torch.full((24,), 0.1))
    assert evaluate(runs[3e-3], x)["l0"] < evaluate(runs[1e-4], x)["l0"]
    assert runs[3e-3].activation.threshold.mean() > runs[1e-4].activation.threshold.mean()


@pytest.mark.parametrize(
    "model_config, train_kwargs, match",
    [
        (linear("relu"), {"penalty": "l0"}, "penalty='l0' needs latent_activation='jumprelu'"),
        (SAEConfig(latent_activation="relu"), {"penalty": "l1_decoder_norm"}, "one-layer decoder"),
        (SAEConfig(), {"resample_every": 10}, "resample_every needs"),
    ],
)
def test_training_settings_that_need_another_model_are_refused(model_config, train_kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit(SparseAutoencoder(model_config), torch.rand(20, model_config.input_dim), steps=1, progress=False, **train_kwargs)


@pytest.mark.parametrize("name, value", [("l0_lambda", -1.0), ("resample_every", 0), ("resample_every", 2.5)])
def test_bad_new_train_settings_raise(name, value):
    with pytest.raises(ValueError, match=name):
        TrainConfig(**{name: value})


def test_resampled_weights_by_hand():
    w_enc, b_enc, w_dec = torch.ones(3, 2), torch.full((3,), -1.0), torch.ones(2, 3)
    dead = torch.tensor([False, True, True])
    directions = torch.tensor([[3.0, 4.0], [0.0, -2.0]])
    e, b, d = resampled_weights(w_enc, b_enc, w_dec, dead, directions, encoder_norm=0.5)
    torch.testing.assert_close(d, torch.tensor([[1.0, 0.6, 0.0], [1.0, 0.8, -1.0]]))
    torch.testing.assert_close(e, torch.tensor([[1.0, 1.0], [0.3, 0.4], [0.0, -0.5]]))
    torch.testing.assert_close(b, torch.tensor([-1.0, 0.0, 0.0]))
    assert (w_enc == 1).all()  # inputs untouched


def test_resample_points_dead_latents_at_badly_reconstructed_inputs_and_resets_adam():
    x = sparse_data(200)
    torch.manual_seed(0)
    model = SparseAutoencoder(linear("relu"))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model(x)[0].pow(2).mean().backward()
    optimizer.step()
    optimizer.state[model.encoder[0].weight]["exp_avg"].fill_(1.0)
    dead = torch.zeros(24, dtype=torch.bool)
    dead[[3, 7]] = True
    assert resample_dead_latents(model, x, dead, optimizer, torch.Generator().manual_seed(0)) == 2
    columns = model.dictionary[[3, 7]]
    torch.testing.assert_close(columns.norm(dim=1), torch.ones(2))
    centred = torch.nn.functional.normalize(x - model.decoder[0].bias, dim=1)
    assert ((columns @ centred.T).max(dim=1).values > 0.9999).all()  # each is one of the inputs' directions
    assert (model.encoder[0].bias[[3, 7]] == 0).all()
    state = optimizer.state[model.encoder[0].weight]
    assert (state["exp_avg"][[3, 7]] == 0).all() and (state["exp_avg"][0] == 1).all()
    alive = torch.ones(24, dtype=torch.bool)
    alive[[3, 7]] = False
    expected = state["exp_avg_sq"][alive].mean(dim=0)  # Adam's step size stays that of a living latent
    torch.testing.assert_close(state["exp_avg_sq"][3], expected)
    torch.testing.assert_close(state["exp_avg_sq"][7], expected)
    decoder_state = optimizer.state[model.decoder[0].weight]
    torch.testing.assert_close(decoder_state["exp_avg_sq"][:, 3], decoder_state["exp_avg_sq"][:, alive].mean(dim=1))
    assert resample_dead_latents(model, x, torch.zeros(24, dtype=torch.bool)) == 0
    with pytest.raises(ValueError, match="boolean mask of 24"):
        resample_dead_latents(model, x, torch.zeros(5, dtype=torch.bool))


@pytest.mark.slow  # training runs: 5-9 s
def test_training_with_resampling_revives_latents_killed_at_the_start():
    x = sparse_data()
    torch.manual_seed(0)
    config = TrainConfig(penalty="l1", l1_lambda=0.01, steps=400, resample_every=100)
    revived = []
    for resample in (None, 100):
        model = SparseAutoencoder(linear("relu"))
        with torch.no_grad():
            model.encoder[0].bias[:8] = -100.0  # 8 latents that can never fire
        history = fit(model, x, config=TrainConfig(**{**config.__dict__, "resample_every": resample}), progress=False,
                      device="cpu")
        revived.append((reconstruct(model, x)[1][:, :8] != 0).any(dim=0).sum().item())
    assert revived[0] == 0  # without resampling they stay dead
    assert history.resampled[0] >= 8 and revived[1] >= 6  # all 8 resampled at step 100; most stay alive
