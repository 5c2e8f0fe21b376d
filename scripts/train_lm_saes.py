"""Train the sparse autoencoders that chapters 10 and 11 read, on the language model's MLP neurons.

    python scripts/train_lm_saes.py                         # the shipped SAEs (about 10 minutes on 2 cores)
    python scripts/train_lm_saes.py --only lm_sae_256.pt    # one of them
    python scripts/train_lm_saes.py --steps 5 --train-chars 20000 --held-out-chars 20000 --out /tmp  # smoke run

TopK SAEs in Gao et al.'s (2024) recipe (unit-norm decoder with the parallel gradient removed, a
pre-encoder bias started at the neurons' mean, the encoder started as the decoder's transpose), with
the same seed, data and steps: for chapter 10, 1,024 latents with the AuxK loss and without; for
chapter 11, 256 and 4,096 latents (feature splitting) and, as a control, 1,024 latents trained on the
neurons of the same transformer left at its random initialisation (also written, as
char_transformer_random.pt, so the control can be re-read). Seeded; prints each one's time and
its fidelity on the held-out text, stores them in the checkpoint's metadata (weights in float16) and
records each file's SHA-256 in checksums.json beside it.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib import checkpoint  # noqa: E402
from sae_lib import lm as language_model  # noqa: E402
from sae_lib.model import SAEConfig, SparseAutoencoder  # noqa: E402
from sae_lib.training import History, TrainConfig, fit  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from train_language_model import ASSETS  # noqa: E402

#: What the shipped SAEs are: file name → (the transformer whose neurons it reads, SAEConfig, TrainConfig).
#: Every SAE reads block 0's 512 neurons.
LAYER = 0
SAE_CONFIG = SAEConfig(input_dim=512, hidden_dims=(), latent_dim=1024, latent_activation="topk", k=16,
                       output_activation="none", unit_norm_decoder=True, pre_encoder_bias=True, tied_init=True)
TRAIN_CONFIG = TrainConfig(penalty="none", steps=4000, batch_size=256, lr=1e-3, seed=0)
AUXK = dataclasses.replace(TRAIN_CONFIG, aux_k=256)
RANDOM_LM_FILE = "char_transformer_random.pt"
#: The random control's initialisation seed (any seed other than the trained model's would do).
RANDOM_LM_SEED = 1
SAES = {
    "lm_sae_topk_auxk.pt": (language_model.PRETRAINED_FILE, SAE_CONFIG, AUXK),
    "lm_sae_topk.pt": (language_model.PRETRAINED_FILE, SAE_CONFIG, TRAIN_CONFIG),
    "lm_sae_256.pt": (language_model.PRETRAINED_FILE, dataclasses.replace(SAE_CONFIG, latent_dim=256), AUXK),
    "lm_sae_4096.pt": (language_model.PRETRAINED_FILE, dataclasses.replace(SAE_CONFIG, latent_dim=4096), AUXK),
    "lm_sae_random_lm.pt": (RANDOM_LM_FILE, SAE_CONFIG, AUXK),
}
#: Characters of the training text whose neurons the SAEs train on (about 0.8 GB of float32).
TRAIN_CHARS = 400_000


def train_sae(neurons: torch.Tensor, model_config: SAEConfig, config: TrainConfig) -> tuple[SparseAutoencoder, History]:
    """A SAE built under the training seed, its pre-encoder bias at the neurons' mean, trained on `neurons`."""
    torch.manual_seed(config.seed)
    sae = SparseAutoencoder(model_config)
    with torch.no_grad():
        sae.decoder[0].bias.copy_(neurons.mean(dim=0))
    history = fit(sae, neurons, None, config, device="cpu", progress=False)
    return sae, history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=TRAIN_CONFIG.steps)
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for the SAEs and checksums.json")
    parser.add_argument("--train-chars", type=int, default=TRAIN_CHARS, help="characters whose neurons train the SAEs")
    parser.add_argument("--held-out-chars", type=int, default=None, help="score on this many (default: all)")
    parser.add_argument("--only", nargs="+", choices=sorted(SAES), help="train only these SAEs")
    args = parser.parse_args()
    corpus = language_model.load_corpus()
    held_out = corpus.held_out_ids[:args.held_out_chars]
    args.out.mkdir(parents=True, exist_ok=True)
    random_path = args.out / RANDOM_LM_FILE
    if not random_path.exists():
        torch.manual_seed(RANDOM_LM_SEED)
        digest = language_model.save_pretrained(language_model.CharTransformer(), random_path,
                                                dict(held_out_loss=None, seed=RANDOM_LM_SEED, trained_steps=0))
        checkpoint.record_checksum(args.out, RANDOM_LM_FILE)
    data: dict[str, tuple] = {}
    for name in args.only or SAES:
        lm_file, model_config, config = SAES[name]
        if lm_file not in data:  # each transformer's neurons, computed once
            path = checkpoint.asset_path(lm_file) if lm_file == language_model.PRETRAINED_FILE else args.out / lm_file
            lm, lm_meta = language_model.load_pretrained(path)
            data[lm_file] = (lm, lm_meta, path,
                             language_model.neuron_activations(lm, corpus.train_ids[:args.train_chars + 1], LAYER),
                             language_model.neuron_activations(lm, held_out, LAYER))
        lm, lm_meta, lm_path, neurons, held_out_neurons = data[lm_file]
        config = dataclasses.replace(config, steps=args.steps)
        start = time.perf_counter()
        sae, history = train_sae(neurons, model_config, config)
        seconds = time.perf_counter() - start
        fidelity = language_model.lm_fidelity(lm, sae, held_out, LAYER, neurons=held_out_neurons)
        print(f"{name}: {history.steps} steps in {seconds:.0f} s; dead latents at each epoch's end "
              f"{history.dead_latents}; " +
              ", ".join(f"{k} {v:.4f}" for k, v in fidelity.items()))
        meta = dict(train_config=dataclasses.asdict(config), steps_run=history.steps, seconds=seconds, layer=LAYER,
                    fidelity=fidelity, dead_latents_per_epoch=history.dead_latents,
                    lm_file=lm_file, lm_sha256=checkpoint.file_digest(lm_path),
                    lm_held_out_loss=lm_meta["held_out_loss"], train_chars=args.train_chars,
                    torch=str(torch.__version__))
        path = checkpoint.save(sae, args.out / name, meta, dtype=torch.float16)
        digest = checkpoint.file_digest(path)
        checkpoint.record_checksum(args.out, name)
        print(f"wrote {path} (SHA-256 {digest})")


if __name__ == "__main__":
    main()
