"""Train the transcoders that chapter 13 reads: TopK latents that read block 0's MLP input and predict its output.

    python scripts/train_transcoders.py                      # the shipped six (minutes on one thread)
    python scripts/train_transcoders.py --only transcoder_s0.pt
    python scripts/train_transcoders.py --steps 5 --train-chars 5000 --held-out-chars 5000 --out /tmp/tc  # smoke run

1,024 latents, k = 16 (the shape of the course's SAE, lm_sae_topk_auxk.pt), trained with
`sae_lib.lm.transcoders.train_transcoder` (Adam on normalised MSE, unit-norm decoder rows, AuxK for dead
latents) on the MLP's input and output at the first TRAIN_CHARS characters of the training text: seeds 0, 1
and 2 without the skip connection (notebook 13 reads seed 0; the benchmark compares the three with the SAE)
and with it. Runs on one CPU thread (the machine is shared); prints each one's time and held-out fidelity,
stores them in its metadata, writes float16 weights and records each file's SHA-256 in checksums.json.
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
from sae_lib.lm import transcoders  # noqa: E402

ASSETS = ROOT / "sae_lib" / "assets"
LAYER = 0
CONFIG = transcoders.TranscoderConfig(d_in=128, d_out=128, n_latents=1024, k=16, skip=False)
TRAIN = transcoders.TranscoderTrainConfig()
SEEDS = (0, 1, 2)
#: file name → (TranscoderConfig, seed)
TRANSCODERS = {  # the two that notebook 13 reads first, then the other seeds
    **{f"transcoder{kind}_s{seed}.pt": (dataclasses.replace(CONFIG, skip=bool(kind)), seed)
       for seed in SEEDS for kind in ("", "_skip")},
}
#: Characters of the training text whose MLP input and output train the transcoders (about 200 MB of float32).
TRAIN_CHARS = 200_000
#: Held-out characters the script scores each transcoder on.
HELD_OUT_CHARS = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=TRAIN.steps)
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for the transcoders and checksums.json")
    parser.add_argument("--train-chars", type=int, default=TRAIN_CHARS)
    parser.add_argument("--held-out-chars", type=int, default=HELD_OUT_CHARS)
    parser.add_argument("--only", nargs="+", choices=sorted(TRANSCODERS), help="train only these")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: the machine is shared)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, model_meta = language_model.load_pretrained()
    corpus = language_model.load_corpus()
    mlp_in, mlp_out = transcoders.mlp_io(model, corpus.train_ids[:args.train_chars + 1], LAYER)
    held_out = corpus.held_out_ids[:args.held_out_chars + 1]
    held_io = transcoders.mlp_io(model, held_out, LAYER)
    anchors = None
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or TRANSCODERS:
        config, seed = TRANSCODERS[name]
        train = dataclasses.replace(TRAIN, steps=args.steps, seed=seed)
        start = time.perf_counter()
        tc, history = transcoders.train_transcoder(mlp_in, mlp_out, config, train)
        seconds = time.perf_counter() - start
        fidelity = transcoders.transcoder_fidelity(model, tc, held_out, LAYER, io=held_io, anchors=anchors)
        anchors = {k: fidelity[k] for k in ("loss_clean", "loss_zero_ablated", "loss_mean_ablated")}
        scores = ", ".join(f"{k} {v:.4f}" for k, v in fidelity.items())
        print(f"{name}: {train.steps} steps in {seconds:.0f} s; {scores}", flush=True)
        meta = dict(train_config=dataclasses.asdict(train), seconds=seconds, layer=LAYER, fidelity=fidelity,
                    history=history, train_chars=args.train_chars, held_out_chars=args.held_out_chars,
                    lm_sha256=checkpoint.file_digest(checkpoint.asset_path(language_model.PRETRAINED_FILE)),
                    lm_held_out_loss=model_meta["held_out_loss"], torch=str(torch.__version__))
        path = transcoders.save_transcoder(tc, args.out / name, meta)
        digest = checkpoint.record_checksum(args.out, name)
        print(f"wrote {path} (SHA-256 {digest})", flush=True)


if __name__ == "__main__":
    main()
