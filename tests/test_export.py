"""Export to the field's formats, checked by round trip: the files are opened by `transformers`, TransformerLens
and SAELens themselves and must compute what the course computes.

Tolerances: `transformers` and TransformerLens's bridge run the course's float32 operations with attention summed
in another order (an explicit mask; eager attention), so their logits agree to 2e-4 (measured up to 6e-5 on
logits of size 20) and the MLP neurons to 1e-4; an SAE's reconstruction through
SAELens agrees to 1e-5 (measured 5e-7) and the spliced loss to 1e-3 nats/char.
"""

import os

import pytest
import torch

from sae_lib import checkpoint, lm
from sae_lib.cli import main
from sae_lib.lm import export
from sae_lib.model import SparseAutoencoder

os.environ["HF_HUB_OFFLINE"] = "1"  # build everything from local files: a test that tried to download fails
MISSING = export.missing_field_packages()
needs_field = pytest.mark.skipif(bool(MISSING), reason=f"the [field] extra is not installed ({MISSING})")
TEXT = "def f(x):\n    return {'a': x}  # é\n"


@pytest.fixture(scope="module")
def course():
    model, _ = lm.load_pretrained()
    return model


@pytest.fixture(scope="module")
def model_dir(course, tmp_path_factory):
    if MISSING:
        pytest.skip(f"the [field] extra is not installed ({MISSING})")
    return export.export_model(tmp_path_factory.mktemp("export") / "model", course)


@pytest.fixture(scope="module")
def ids():
    return lm.load_corpus().held_out_ids[:8 * 128 + 1]


def _saes() -> dict[str, SparseAutoencoder]:
    """One SAE of each exportable kind: the shipped TopK and small ReLU, BatchTopK and JumpReLU ones."""
    torch.manual_seed(0)
    kw = dict(input_dim=512, hidden_dims=(), latent_dim=64, output_activation="none")
    relu = SparseAutoencoder(latent_activation="relu", pre_encoder_bias=False, **kw)
    batchtopk = SparseAutoencoder(latent_activation="batchtopk", k=4, pre_encoder_bias=True, **kw)
    batchtopk.activation.threshold.fill_(0.05)
    batchtopk.activation.initialized.fill_(True)
    jumprelu = SparseAutoencoder(latent_activation="jumprelu", init_threshold=0.02, pre_encoder_bias=True, **kw)
    with torch.no_grad():
        jumprelu.activation.log_threshold.add_(torch.randn(64) * 0.5)
        for sae in (relu, batchtopk, jumprelu):
            sae.decoder[0].bias.normal_(0, 0.1)
            sae.encoder[0].bias.normal_(0, 0.05)
    return {"topk": checkpoint.load_asset("lm_sae_topk_auxk.pt"), "relu": relu.eval(), "batchtopk": batchtopk.eval(),
            "jumprelu": jumprelu.eval()}


@pytest.mark.slow  # loads transformers and a GPT-2: 3 s
@needs_field
def test_the_model_opens_in_transformers_with_the_course_logits_and_characters(model_dir, course, ids):
    import transformers
    hf = transformers.AutoModelForCausalLM.from_pretrained(model_dir)
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    windows = ids[:-1].reshape(8, 128)
    with torch.no_grad():
        assert (hf(windows).logits - course(windows)).abs().max() < 2e-4
    assert tok(TEXT)["input_ids"] == lm.encode(TEXT).tolist()  # newline and indentation kept, é → UNKNOWN
    assert tok.decode(lm.encode(TEXT)) == lm.decode(lm.encode(TEXT))


@needs_field
@pytest.mark.parametrize("kind", ["topk", "relu", "batchtopk", "jumprelu"])
def test_every_sae_kind_survives_the_saelens_format_both_ways(kind, tmp_path, course, ids):
    sae = _saes()[kind]
    folder = export.export_sae(sae, tmp_path / kind)
    back = export.load_saelens(folder)
    x = lm.neuron_activations(course, ids)[:512]
    with torch.no_grad():
        x_hat, z = sae(x)
        x_back, z_back = back(x)
    assert (x_back - x_hat).abs().max() < 1e-5 and torch.equal(z_back != 0, z != 0)


def test_what_has_no_saelens_form_is_refused_in_one_line(tmp_path):
    if MISSING:
        pytest.skip(f"the [field] extra is not installed ({MISSING})")
    with pytest.raises(ValueError, match="only one-layer SAEs"):
        export.export_sae(SparseAutoencoder(), tmp_path / "mnist")  # two layers, sigmoid output
    untrained = SparseAutoencoder(input_dim=8, hidden_dims=(), latent_dim=4, latent_activation="batchtopk", k=1,
                                  output_activation="none")
    with pytest.raises(ValueError, match="never trained"):
        export.export_sae(untrained, tmp_path / "untrained")
    with pytest.raises(ValueError, match="neither a checkpoint file nor a shipped SAE"):
        export.resolve_sae("no_such_sae.pt")
    with pytest.raises(FileNotFoundError, match="not a SAELens folder"):
        export.load_saelens(tmp_path)


def test_the_command_line_writes_both_folders_and_fails_in_one_line(tmp_path, capsys):
    if MISSING:
        pytest.skip(f"the [field] extra is not installed ({MISSING})")
    assert main(["export", "model", str(tmp_path / "m")]) == 0
    assert main(["export", "sae", "lm_sae_256.pt", str(tmp_path / "s")]) == 0
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"config.json", "model.safetensors", "tokenizer.json",
                                                           "tokenizer_config.json"}
    assert {p.name for p in (tmp_path / "s").iterdir()} == {"cfg.json", "sae_weights.safetensors"}
    assert main(["export", "sae", "nope.pt", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.pt" in err and not (tmp_path / "x").exists()


@pytest.mark.slow
@needs_field
def test_transformerlens_and_saelens_reproduce_neurons_reconstructions_and_spliced_loss(model_dir, course, ids,
                                                                                         tmp_path):
    import transformers
    from sae_lens import SAE
    from transformer_lens.model_bridge import TransformerBridge
    hf = transformers.AutoModelForCausalLM.from_pretrained(model_dir)
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    bridge = TransformerBridge.boot_transformers(str(model_dir), hf_model=hf, tokenizer=tok, device="cpu")
    windows = ids[:-1].reshape(8, 128)
    cache: dict = {}
    with torch.no_grad():
        logits, tl_cache = bridge.run_with_cache(windows)
        assert (logits - course(windows, cache=cache)).abs().max() < 2e-4
    for ours, hook in export.FIELD_HOOKS.items():
        assert (tl_cache[hook.format(layer=0)] - cache[f"{ours}.0"]).abs().max() < 1e-4, hook
    ours = checkpoint.load_asset("lm_sae_topk_auxk.pt")
    sae = SAE.load_from_disk(export.export_sae(ours, tmp_path / "sae"))
    x = lm.neuron_activations(course, ids)
    with torch.no_grad():
        assert (sae.decode(sae.encode(x)) - ours(x)[0]).abs().max() < 1e-5
        spliced = bridge.run_with_hooks(ids[None, :128], return_type="loss",
                                        fwd_hooks=[(export.DEFAULT_HOOK, lambda acts, hook: sae(acts))]).item()
    # the course predicts 128 characters per window; TransformerLens's loss the 127 it can check inside it
    x_hat = ours(lm.neuron_activations(course, ids[:129]))[0]
    with torch.no_grad():
        edit = lm.replace_neurons(0, lambda h: x_hat)
        logits = course(ids[None, :128], edit_neurons=edit)
        expected = torch.nn.functional.cross_entropy(logits[0, :-1], ids[1:128]).item()
    assert abs(spliced - expected) < 1e-3


@pytest.mark.slow
@needs_field
def test_the_gpt2_path_runs_offline_on_a_random_gpt2_built_from_a_config():
    from sae_lib.lm import field
    run = field.open_run("gpt2-random", lm.load_corpus().held_out_text[:16 * 128 + 1], n_windows=16)
    metrics = field.evaluate_run(run)
    assert run.kind == "gpt2-random" and "random" in run.description and run.tokens.shape == (16, 128)
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values()) and metrics["l0"] <= run.sae.cfg.k
    assert abs(metrics["ce_loss_without_sae"] - field.spliced_loss(run, False)) < 1e-4
    with pytest.raises(ValueError, match="kind must be one of"):
        field.open_run("gpt3", "x")
