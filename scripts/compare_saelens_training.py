"""Train a TopK SAE on the course's model with SAELens's trainer and with sae_lib's on one budget; ship the scores.

    python scripts/compare_saelens_training.py                    # the shipped comparison (a few minutes, 1 thread)
    python scripts/compare_saelens_training.py --steps 20 --out /tmp   # smoke run

Both read block 0's 512 MLP neurons of the shipped CharTransformer on the same training characters, with
1,024 latents, k = 16, batches of 256 activations, Adam at lr 1e-3, for the same number of steps, each in its
library's own TopK recipe (sae_lib: Gao et al.'s, AuxK 1/32, as chapter 10's SAE; SAELens: its TopK
defaults, AuxK 1, decoder-norm rescaling). SAELens's trainer is handed the model (a TransformerLens bridge
around the exported GPT-2 folder) and a pre-tokenised dataset, so it runs offline. Each SAE is then scored by
the course's own `lm_fidelity` on the held-out text (SAELens's via its saved folder, read by
`export.load_saelens`). Two seeds each. Writes field_training.json into sae_lib/assets (checksummed).
Needs the [field] extra. Chapter 14 reads the file; SAELens training is too slow for a notebook's budget.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sae_lib import checkpoint  # noqa: E402
from sae_lib import lm as language_model  # noqa: E402
from sae_lib.lm import export  # noqa: E402
from sae_lib.model import SAEConfig, SparseAutoencoder  # noqa: E402
from sae_lib.training import TrainConfig, fit  # noqa: E402

ASSET = "field_training.json"
D_SAE, K, BATCH, LR = 1024, 16, 256, 1e-3
SEEDS = (0, 1)


def train_sae_lib(neurons: torch.Tensor, steps: int, seed: int) -> SparseAutoencoder:
    """sae_lib's TopK SAE in chapter 10's recipe (pre-encoder bias at the mean, tied init, AuxK)."""
    config = SAEConfig(input_dim=512, hidden_dims=(), latent_dim=D_SAE, latent_activation="topk", k=K,
                       output_activation="none", unit_norm_decoder=True, pre_encoder_bias=True, tied_init=True)
    torch.manual_seed(seed)
    sae = SparseAutoencoder(config)
    with torch.no_grad():
        sae.decoder[0].bias.copy_(neurons.mean(dim=0))
    fit(sae, neurons, None, TrainConfig(penalty="none", steps=steps, batch_size=BATCH, lr=LR, seed=seed, aux_k=256),
        device="cpu", progress=False)
    return sae.eval()


def train_saelens(model_dir: Path, train_ids: torch.Tensor, steps: int, seed: int, out: Path) -> SparseAutoencoder:
    """SAELens's trainer with its TopK defaults, handed the bridge and a pre-tokenised dataset; read back."""
    import datasets
    import transformers
    from sae_lens import LanguageModelSAERunnerConfig, LanguageModelSAETrainingRunner, TopKTrainingSAEConfig
    from sae_lens.config import LoggingConfig
    from transformer_lens.model_bridge import TransformerBridge
    hf = transformers.AutoModelForCausalLM.from_pretrained(model_dir)
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    bridge = TransformerBridge.boot_transformers(str(model_dir), hf_model=hf, tokenizer=tok, device="cpu")
    windows = train_ids[: len(train_ids) // 128 * 128].reshape(-1, 128)
    dataset = datasets.Dataset.from_dict({"input_ids": windows.tolist()})
    cfg = LanguageModelSAERunnerConfig(
        sae=TopKTrainingSAEConfig(d_in=512, d_sae=D_SAE, k=K), model_name=export.MODEL_NAME,
        hook_name=export.DEFAULT_HOOK, dataset_path="", is_dataset_tokenized=True, streaming=False,
        context_size=128, prepend_bos=False, training_tokens=steps * BATCH, train_batch_size_tokens=BATCH,
        store_batch_size_prompts=8, n_batches_in_buffer=8, lr=LR, seed=seed, device="cpu",
        logger=LoggingConfig(log_to_wandb=False), n_checkpoints=0, checkpoint_path=None, output_path=str(out),
        verbose=False, n_batches_for_norm_estimate=10)
    LanguageModelSAETrainingRunner(cfg, override_dataset=dataset, override_model=bridge).run()
    return export.load_saelens(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="Adam steps of 256 activations each (default 400)")
    parser.add_argument("--train-chars", type=int, default=200_000)
    parser.add_argument("--held-out-chars", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "sae_lib" / "assets")
    args = parser.parse_args()
    torch.set_num_threads(1)
    corpus = language_model.load_corpus()
    lm, _ = language_model.load_pretrained()
    train_ids = corpus.train_ids[: args.train_chars + 1]
    held_out = corpus.held_out_ids[: args.held_out_chars + 1]
    neurons = language_model.neuron_activations(lm, train_ids)
    held_neurons = language_model.neuron_activations(lm, held_out)
    anchors = language_model.lm_anchor_losses(lm, held_out, neurons=held_neurons)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = export.export_model(Path(tmp) / "model", lm)
        for seed in SEEDS:
            for library in ("sae_lib", "sae_lens"):
                start = time.perf_counter()
                if library == "sae_lib":
                    sae = train_sae_lib(neurons, args.steps, seed)
                else:
                    sae = train_saelens(model_dir, train_ids, args.steps, seed, Path(tmp) / f"saelens_{seed}")
                seconds = time.perf_counter() - start
                f = language_model.lm_fidelity(lm, sae, held_out, neurons=held_neurons, anchors=anchors)
                rows.append(dict(library=library, seed=seed, seconds=seconds, loss_recovered=f["loss_recovered"],
                                 l0=f["l0"], dead_fraction=f["dead_fraction"], normalized_mse=f["normalized_mse"],
                                 loss_sae=f["loss_sae"]))
                print(", ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in rows[-1].items()))
    import sae_lens
    payload = dict(steps=args.steps, batch_size=BATCH, lr=LR, d_sae=D_SAE, k=K, train_chars=args.train_chars,
                   held_out_chars=args.held_out_chars, threads=1, sae_lens=sae_lens.__version__,
                   torch=str(torch.__version__), rows=rows)
    path = checkpoint.write_json_asset(payload, args.out, ASSET)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
