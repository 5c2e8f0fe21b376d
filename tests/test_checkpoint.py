"""Checkpoints keep weights and configuration, are written atomically and fail clearly."""

import pytest
import torch

from sae_lib import SAEConfig, SparseAutoencoder, checkpoint, load, save


def test_round_trip_keeps_weights_config_and_metadata(tmp_path):
    model = SparseAutoencoder(SAEConfig(hidden_dims=(64,), latent_dim=100, latent_activation="relu"))
    path = save(model, tmp_path / "sub" / "m.pt", metadata={"mean": [0.5, 0.25], "note": "x"})
    loaded = load(path)
    assert loaded.config == model.config
    x = torch.rand(4, 784)
    torch.testing.assert_close(loaded(x)[0], model.eval()(x)[0])
    assert checkpoint.load_metadata(path) == {"mean": [0.5, 0.25], "note": "x"}


def test_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = save(SparseAutoencoder(latent_dim=8), tmp_path / "m.pt")
    good = path.read_bytes()

    def crash(obj, f):
        f.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint.torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save(SparseAutoencoder(latent_dim=16), path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load(tmp_path / "nope.pt")


def test_corrupt_file(tmp_path):
    (tmp_path / "bad.pt").write_bytes(b"\x00not a checkpoint" * 10)
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load(tmp_path / "bad.pt")


def test_foreign_torch_file(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a sae_lib checkpoint"):
        load(tmp_path / "other.pt")


def test_weights_that_do_not_match_the_config(tmp_path):
    path = save(SparseAutoencoder(latent_dim=8), tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    payload["config"]["latent_dim"] = 9
    torch.save(payload, path)
    with pytest.raises(ValueError, match="do not match"):
        load(path)


def test_unknown_version(tmp_path):
    path = save(SparseAutoencoder(latent_dim=8), tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    payload["version"] = 99
    torch.save(payload, path)
    with pytest.raises(ValueError, match="version 99"):
        load(path)


@pytest.mark.parametrize("activation, extra", [("topk", {"k": 3}), ("batchtopk", {"k": 3}),
                                               ("jumprelu", {"init_threshold": 0.2, "bandwidth": 0.05})])
def test_every_architecture_round_trips_with_its_learned_state(tmp_path, activation, extra):
    config = SAEConfig(input_dim=6, hidden_dims=(), latent_dim=8, latent_activation=activation, output_activation="none",
                       **extra)
    model = SparseAutoencoder(config)
    model.train()(torch.randn(32, 6))  # BatchTopK: estimates its eval threshold
    with torch.no_grad():
        if activation == "jumprelu":
            model.activation.log_threshold.copy_(torch.linspace(-3, 0, 8))  # as if learned
    model.eval()
    loaded = load(save(model, tmp_path / f"{activation}.pt"))
    assert loaded.config == config and not loaded.training
    state, loaded_state = model.state_dict(), loaded.state_dict()
    assert state.keys() == loaded_state.keys()
    for key in state:
        torch.testing.assert_close(loaded_state[key], state[key])
    x = torch.randn(16, 6)
    torch.testing.assert_close(loaded(x)[1], model(x)[1])
    if activation == "batchtopk":
        assert loaded.activation.threshold.item() > 0


def test_old_checkpoints_without_the_new_fields_still_load(tmp_path):
    path = save(SparseAutoencoder(latent_dim=8), tmp_path / "m.pt")
    payload = torch.load(path, weights_only=True)
    for name in ("k", "init_threshold", "bandwidth"):
        del payload["config"][name]
    torch.save(payload, path)
    assert load(path).config == SAEConfig(latent_dim=8)


def test_load_if_matching_reuses_only_a_model_made_the_same_way(tmp_path):
    from sae_lib.checkpoint import load_if_matching

    path = tmp_path / "m.pt"
    key = {"train": {"lr": 0.01}, "data": "sample"}
    assert load_if_matching(path, key) is None  # nothing saved yet
    model = SparseAutoencoder(hidden_dims=(), latent_dim=4)
    save(model, path, metadata={"key": key})
    loaded = load_if_matching(path, key)
    assert loaded is not None and torch.equal(loaded.encoder[0].weight, model.encoder[0].weight)
    assert load_if_matching(path, {**key, "data": "full MNIST"}) is None
    path.write_bytes(b"not a checkpoint")
    assert load_if_matching(path, key) is None
