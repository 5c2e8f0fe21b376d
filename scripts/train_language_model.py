"""Train the course's character-level transformer on the shipped corpus and write it with its checksum.

    python scripts/train_language_model.py                       # the shipped model (about 8 min on 2 cores)
    python scripts/train_language_model.py --steps 5 --out /tmp  # a smoke run (tests do this)

Seeded, so the same machine and PyTorch give the same weights. Prints the time and the held-out loss,
stores both in the file's metadata, and records the file's SHA-256 in checksums.json beside it.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sae_lib import checkpoint, lm  # noqa: E402

ASSETS = ROOT / "sae_lib" / "assets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = lm.LMTrainConfig()
    parser.add_argument("--steps", type=int, default=defaults.steps)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for the weights and checksums.json")
    parser.add_argument("--held-out-chars", type=int, default=None, help="score on this many (default: all)")
    args = parser.parse_args()
    config = lm.LMTrainConfig(steps=args.steps, seed=args.seed)
    corpus = lm.load_corpus()
    start = time.perf_counter()
    model = lm.train_language_model(corpus.train_ids, config, log_every=max(1, args.steps // 10))
    seconds = time.perf_counter() - start
    held_out = lm.next_char_loss(model, corpus.held_out_ids[:args.held_out_chars])
    print(f"trained {args.steps} steps in {seconds:.0f} s; held-out loss {held_out:.4f} nats/char")
    print(lm.sample(model, "def ", 300))
    meta = dict(held_out_loss=held_out, held_out_chars=args.held_out_chars or len(corpus.held_out_ids),
                train_config=config.__dict__, seconds=seconds,
                torch=str(torch.__version__), machine=platform.machine(), threads=torch.get_num_threads())
    args.out.mkdir(parents=True, exist_ok=True)
    digest = lm.save_pretrained(model, args.out / lm.PRETRAINED_FILE, meta)
    checkpoint.record_checksum(args.out, lm.PRETRAINED_FILE)
    print(f"wrote {args.out / lm.PRETRAINED_FILE} (SHA-256 {digest})")


if __name__ == "__main__":
    main()
