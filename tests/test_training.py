"""Training: the loss falls, sparsity follows ρ, runs are reproducible, failures are loud."""

import pytest
import torch

from sae_lib import History, SAEConfig, SparseAutoencoder, TrainConfig, evaluate, fit, train
from sae_lib.metrics import reconstruct
from sae_lib.training import DEFAULT_STEPS, _param_groups


@pytest.mark.slow  # training runs: 7-13 s
def test_short_run_lowers_loss_and_moves_mean_activation_toward_rho(mnist):
    x = mnist.train_images[:1000]
    torch.manual_seed(0)
    model = SparseAutoencoder()
    before = reconstruct(model, x)[1].mean().item()  # ≈ 0.5 for fresh sigmoid units
    history = fit(model, x, mnist.test_images[:200], steps=300, rho=0.05, beta=0.05, progress=False, device="cpu")
    after = reconstruct(model, x)[1].mean().item()
    assert history.train_recon[-1] < 0.5 * history.train_recon[0]
    assert history.test_recon[-1] < history.test_recon[0]
    assert abs(after - 0.05) < 0.5 * abs(before - 0.05)
    assert history.steps >= 300 and len(history.test_total) == len(history.train_total)


def test_same_seed_gives_identical_losses_and_other_seeds_differ(mnist):
    x = mnist.train_images[:300]
    runs = [train(x, x[:50], config=TrainConfig(epochs=2, batch_size=64, seed=s), progress=False, device="cpu")[1]
            for s in (3, 3, 4)]
    assert runs[0].train_total == runs[1].train_total and runs[0].test_total == runs[1].test_total
    assert runs[0].train_total != runs[2].train_total


@pytest.mark.slow  # training runs: 7-13 s
def test_l1_and_none_penalties(mnist):
    x = mnist.train_images[:500]
    cfg = SAEConfig(hidden_dims=(), latent_dim=64, latent_activation="relu")
    l1 = train(x, model_config=cfg, penalty="l1", l1_lambda=0.05, steps=150, progress=False, device="cpu")
    plain = train(x, model_config=cfg, penalty="none", steps=150, progress=False, device="cpu")
    assert evaluate(l1[0], x)["l0"] < evaluate(plain[0], x)["l0"]
    assert plain[1].train_sparsity == [0.0] * len(plain[1].train_sparsity)


def test_steps_or_epochs_set_the_training_length():
    assert TrainConfig(batch_size=100, steps=95).epochs_for(1000) == 10
    assert TrainConfig(batch_size=128, steps=3000).epochs_for(4000) == 94
    assert TrainConfig(epochs=7).epochs_for(4000) == 7
    assert TrainConfig().epochs_for(4000) == TrainConfig(steps=DEFAULT_STEPS).epochs_for(4000) == 94
    assert TrainConfig().steps == DEFAULT_STEPS and TrainConfig(epochs=3).steps is None  # epochs replace the default
    with pytest.raises(ValueError, match="steps or epochs, not both"):
        TrainConfig(epochs=10, steps=95)


@pytest.mark.slow  # trains the course's recipe for 3,000 steps: about 8 s, too long for the fast tier
def test_default_recipe_learns(mnist):
    """`train(x)` with no settings must beat the mean image by a wide margin (the course's recipe)."""
    model, history = train(mnist.train_images, progress=False, device="cpu")
    m = evaluate(model, mnist.test_images, rho=TrainConfig().rho)
    assert history.steps >= DEFAULT_STEPS
    assert m["variance_explained"] >= 0.72
    assert m["mean_rho_hat"] == pytest.approx(TrainConfig().rho, rel=0.25)


def test_nan_loss_fails_fast_naming_epoch_and_step(mnist):
    model = SparseAutoencoder()
    calls = {"n": 0}

    def poison(module, inputs, output):
        calls["n"] += 1
        return output * float("nan") if calls["n"] == 5 else output

    model.decoder.register_forward_hook(poison)
    with pytest.raises(FloatingPointError, match="epoch 3, step 1"):
        fit(model, mnist.train_images[:200], epochs=5, batch_size=100, progress=False, device="cpu")


def test_nan_or_inf_in_data_is_rejected(mnist):
    x = mnist.train_images[:20].clone()
    x[3, 0, 5, 5] = float("inf")
    with pytest.raises(ValueError, match="training data contains 1 NaN/inf"):
        fit(SparseAutoencoder(), x, epochs=1, progress=False)
    with pytest.raises(ValueError, match="test data"):
        fit(SparseAutoencoder(), mnist.train_images[:20], x, epochs=1, progress=False)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"penalty": "l2"}, "penalty"), ({"loss": "mae"}, "loss"), ({"rho": 0.0}, "rho"), ({"epochs": 0}, "epochs"),
     ({"batch_size": 2.5}, "batch_size"), ({"lr": 0}, "lr"), ({"beta": -1}, "beta"), ({"steps": 0}, "steps"),
     ({"l1_lambda": float("nan")}, "l1_lambda"), ({"weight_decay": -1e-4}, "weight_decay must be a finite number ≥ 0"),
     ({"weight_decay": float("nan")}, "weight_decay")],
)
def test_bad_training_settings_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_bce_needs_sigmoid_outputs(mnist):
    model = SparseAutoencoder(output_activation="none")
    with pytest.raises(ValueError, match="bce"):
        fit(model, mnist.train_images[:10], loss="bce", progress=False)
    history = fit(SparseAutoencoder(), mnist.train_images[:256], loss="bce", epochs=2, progress=False)
    assert history.train_recon[-1] < history.train_recon[0]


def test_on_epoch_end_sees_each_epoch(mnist):
    seen = []
    fit(SparseAutoencoder(), mnist.train_images[:100], epochs=3, progress=False,
        on_epoch_end=lambda epoch, h: seen.append((epoch, len(h.train_total))))
    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_a_diverging_run_raises_before_it_can_be_saved(mnist):
    model = SparseAutoencoder(hidden_dims=(), latent_dim=16, latent_activation="relu", output_activation="none")
    with pytest.raises(FloatingPointError, match="diverged"):
        fit(model, mnist.train_images[:512], penalty="l1", lr=1e6, epochs=3, progress=False, device="cpu")


def test_keep_best_holds_the_lowest_test_loss_weights(mnist):
    from sae_lib.training import KeepBest

    torch.manual_seed(0)
    model = SparseAutoencoder(hidden_dims=(), latent_dim=16)
    best = KeepBest(model)
    history = fit(model, mnist.train_images[:512], mnist.test_images[:100], epochs=4, progress=False, on_epoch_end=best)
    assert best.loss == min(history.test_total) and best.epoch == 1 + history.test_total.index(best.loss)
    assert set(best.state) == set(model.state_dict())
    with pytest.raises(ValueError, match="test"):
        KeepBest(model)(1, History())


def test_keep_at_step_copies_the_model_at_the_first_epoch_reaching_the_step_and_matches_a_twin(mnist):
    from sae_lib.training import KeepAtStep

    x = mnist.train_images[:512]  # 4 steps an epoch at batch 128
    torch.manual_seed(0)
    model = SparseAutoencoder(hidden_dims=(), latent_dim=16)
    early, never = KeepAtStep(model, 6), KeepAtStep(model, 17)
    fit(model, x, steps=16, progress=False, device="cpu", on_epoch_end=lambda e, h: (early(e, h), never(e, h)))
    assert early.taken_at == 8 and not early.copy.training
    assert never.taken_at is None and never.copy is None  # the run ended before step 17
    twin, _ = train(x, config=TrainConfig(steps=early.taken_at), model_config=SAEConfig(hidden_dims=(), latent_dim=16),
                    progress=False, device="cpu")
    for name, value in early.copy.state_dict().items():
        assert torch.equal(value, twin.state_dict()[name]), name  # the copy is the 8-step model, not the final one
    assert not torch.equal(early.copy.encoder[0].weight, model.encoder[0].weight)
    for bad in (0, -1, 2.5, True, None):
        with pytest.raises(ValueError, match="step must be a positive integer"):
            KeepAtStep(model, bad)


def test_train_passes_on_epoch_end(mnist):
    seen = []
    train(mnist.train_images[:100], epochs=2, progress=False, on_epoch_end=lambda epoch, h: seen.append(epoch))
    assert seen == [1, 2]


def test_weight_decay_shrinks_weights_but_not_biases_and_stays_out_of_the_losses():
    model = SparseAutoencoder(hidden_dims=(), latent_dim=16)
    groups = _param_groups(model, 0.1)
    assert [g["weight_decay"] for g in groups] == [0.1, 0.0]
    assert {id(p) for p in groups[0]["params"]} == {id(model.encoder[0].weight), id(model.decoder[0].weight)}
    assert {id(p) for p in groups[1]["params"]} == {id(model.encoder[0].bias), id(model.decoder[0].bias)}

    x = torch.rand(256, 64, generator=torch.Generator().manual_seed(0))
    cfg = SAEConfig(input_dim=64, hidden_dims=(), latent_dim=8)
    plain, _ = train(x, model_config=cfg, steps=60, progress=False, device="cpu")
    decayed, history = train(x, model_config=cfg, steps=60, weight_decay=1.0, progress=False, device="cpu")
    for layer in ("encoder", "decoder"):
        assert getattr(decayed, layer)[0].weight.norm() < 0.5 * getattr(plain, layer)[0].weight.norm()
    assert history.train_total == [r + TrainConfig().beta * s for r, s in zip(history.train_recon, history.train_sparsity)]


def test_weight_decay_alone_leaves_biases_untouched():
    """With a zero learning signal the only force is the decay: weights shrink, biases stay put."""
    model = SparseAutoencoder(input_dim=4, hidden_dims=(), latent_dim=3, latent_activation="linear", output_activation="none")
    with torch.no_grad():
        model.decoder[0].weight.zero_()  # x̂ = b₂ whatever the code, so the encoder gets no gradient ...
        model.decoder[0].bias.zero_()
    biases = [model.encoder[0].bias.clone(), model.decoder[0].bias.clone()]
    weight = model.encoder[0].weight.norm().item()
    fit(model, torch.zeros(64, 4), penalty="none", steps=20, lr=1e-2, weight_decay=1.0, progress=False, device="cpu")
    assert model.encoder[0].weight.norm().item() < 0.9 * weight  # ... and x = 0 = x̂: only the decay moves it
    assert torch.equal(model.encoder[0].bias, biases[0]) and torch.equal(model.decoder[0].bias, biases[1])


@pytest.mark.slow  # a training run: over the fast tier's CPU limit
def test_warm_start_trainer_gives_the_same_model_whatever_the_order(mnist):
    from sae_lib.training import WarmStartTrainer

    def weights(order):
        trainer = WarmStartTrainer(mnist.train_images[:500], steps=20, base_steps=30)
        models = {key: trainer.train(*key) for key in order}
        return models[(0.1, 0.03, 32)].encoder[0].weight

    threads = torch.get_num_threads()
    first = weights([(0.1, 0.03, 32), (0.02, 1.0, 32)])
    assert torch.equal(first, weights([(0.02, 1.0, 32), (0.1, 0.03, 32)]))
    assert torch.get_num_threads() == threads  # the one-thread training does not outlive the call
