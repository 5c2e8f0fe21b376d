"""Train chapter 12's SAEs: Matryoshka BatchTopK SAEs and the TopK SAEs they are compared with, three seeds each.

    python scripts/train_matryoshka.py                        # the language-model SAEs (see STEPS)
    python scripts/train_matryoshka.py --only lm_sae_matryoshka_s0.pt
    python scripts/train_matryoshka.py --steps 5 --train-chars 20000 --held-out-chars 20000 --out /tmp  # smoke run
    python scripts/train_matryoshka.py --toy                  # the synthetic hierarchy's SAEs (a few minutes)

Every SAE reads block 0's 512 neurons of the course's transformer, has 1,024 latents and keeps 16 per
character (L0 = 16; per character for TopK, on average over a batch for BatchTopK, whose fixed threshold at
evaluation keeps slightly more: each checkpoint's metadata has its L0), and trains with
`train_lm_saes.py`'s recipe (Gao et al.'s TopK with AuxK) at seeds 0, 1 and 2, trained as fully as chapter 10's
SAEs (three epochs of 400,000 characters, 4,689 steps of 256) and scored on 100,000 held-out characters. On one
thread of a 2-core laptop a Matryoshka SAE takes about 160 s and a TopK SAE about 125 s (measured):

- `lm_sae_matryoshka_s{seed}.pt`: BatchTopK with the Matryoshka loss over the prefixes 64, 256 and 1,024
  (Bussmann et al. 2025): the first 64 latents, the first 256 and all 1,024 must each reconstruct the neurons;
- `lm_sae_ch12_topk_s{1,2}.pt`: the TopK SAEs they are compared with, trained exactly alike (same data,
  steps, seeds, L0). Seed 0 is chapter 10's `lm_sae_topk_auxk.pt` (`train_lm_saes.py`, the same recipe, seed and
  data, so retraining it here gives the same weights bit for bit); it is not shipped twice.

`--toy` instead trains the synthetic hierarchy's SAEs (`sae_lib.hierarchy`: 4 parents with 3 children each,
16 latents, k = 3): TopK and Matryoshka with prefixes (4, 16), seeds 0, 1 and 2, and writes them
(`hierarchy_{topk,matryoshka}_s{seed}.pt`) with their absorption scores (`hierarchy_absorption.json`).

One CPU thread, so that it shares a machine politely. Prints each one's time and held-out fidelity, stores
them in the checkpoint's metadata (weights in float16) and records each file's SHA-256 in checksums.json. Then it
scores all six (chapter 10's seed 0 too) on the same held-out characters into `lm_matryoshka_fidelity.json`, which
notebook 12 reads (`--score` does only that).
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
sys.path.insert(0, str(ROOT / "scripts"))

from train_language_model import ASSETS  # noqa: E402
from train_lm_saes import AUXK, LAYER, SAE_CONFIG, TRAIN_CHARS, train_sae  # noqa: E402

from sae_lib import checkpoint, hierarchy  # noqa: E402
from sae_lib import lm as language_model  # noqa: E402

#: The Matryoshka SAE's nested prefixes: 64 general latents, then 256 (the small SAE of chapter 11), then all.
PREFIXES = (64, 256, 1024)
MATRYOSHKA_CONFIG = dataclasses.replace(SAE_CONFIG, latent_activation="batchtopk")
MATRYOSHKA_TRAIN = dataclasses.replace(AUXK, matryoshka_prefixes=PREFIXES)
SEEDS = (0, 1, 2)
#: Chapter 10's schedule: at least 4,000 steps of 256, rounded up to whole epochs (4,689 steps on 400,000 characters).
STEPS = AUXK.steps
CHARS = TRAIN_CHARS
HELD_OUT_CHARS = 100_000
#: Seed 0 of this recipe is chapter 10's SAE (`train_lm_saes.SAES["lm_sae_topk_auxk.pt"]`), trained there.
TOPK_FILES = {0: "lm_sae_topk_auxk.pt", **{seed: f"lm_sae_ch12_topk_s{seed}.pt" for seed in SEEDS[1:]}}
MATRYOSHKA_FILES = {seed: f"lm_sae_matryoshka_s{seed}.pt" for seed in SEEDS}
#: Every comparison SAE's held-out fidelity, scored on the same characters (chapter 10's file was scored on others).
FIDELITY_FILE = "lm_matryoshka_fidelity.json"
SAES = {
    **{MATRYOSHKA_FILES[seed]: (MATRYOSHKA_CONFIG, dataclasses.replace(MATRYOSHKA_TRAIN, seed=seed)) for seed in SEEDS},
    **{TOPK_FILES[seed]: (SAE_CONFIG, dataclasses.replace(AUXK, seed=seed)) for seed in SEEDS[1:]},
}
#: The synthetic hierarchy's SAEs: 16 latents (one per true feature), k = 3; Matryoshka's first prefix holds the
#: four parents.
TOY_K, TOY_PREFIXES, TOY_STEPS = 3, (4, 16), 500
TOY_FILE = "hierarchy_absorption.json"


def train_toy(out: Path, steps: int) -> None:
    """Train and score the synthetic hierarchy's TopK and Matryoshka SAEs (three seeds) and write them to `out`."""
    tree = hierarchy.make_hierarchy()
    rows = []
    for name, prefixes in (("topk", None), ("matryoshka", TOY_PREFIXES)):
        for seed in SEEDS:
            start = time.perf_counter()
            sae, scores = hierarchy.toy_run(tree, TOY_K, prefixes, seed, steps)
            rows.append(dict(architecture=name, steps=steps, seconds=time.perf_counter() - start, **scores))
            print(rows[-1], flush=True)
            checkpoint.save(sae, out / f"hierarchy_{name}_s{seed}.pt", dict(scores=rows[-1]))
            checkpoint.record_checksum(out, f"hierarchy_{name}_s{seed}.pt")
    checkpoint.write_json_asset(rows, out, TOY_FILE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--out", type=Path, default=ASSETS, help="folder for the SAEs and checksums.json")
    parser.add_argument("--train-chars", type=int, default=CHARS, help="characters whose neurons train the SAEs")
    parser.add_argument("--held-out-chars", type=int, default=HELD_OUT_CHARS, help="score on this many")
    parser.add_argument("--only", nargs="+", choices=sorted(SAES), help="train only these SAEs")
    parser.add_argument("--toy", action="store_true", help="train the synthetic hierarchy's SAEs instead")
    parser.add_argument("--score", action="store_true", help=f"train nothing: score the SAEs into {FIDELITY_FILE}")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.toy:
        train_toy(args.out, TOY_STEPS if args.steps == STEPS else args.steps)
        return
    corpus = language_model.load_corpus()
    held_out = corpus.held_out_ids[:args.held_out_chars]
    args.out.mkdir(parents=True, exist_ok=True)
    lm_path = checkpoint.asset_path(language_model.PRETRAINED_FILE)
    lm, lm_meta = language_model.load_pretrained(lm_path)
    neurons = language_model.neuron_activations(lm, corpus.train_ids[:args.train_chars + 1], LAYER)
    held_out_neurons = language_model.neuron_activations(lm, held_out, LAYER)
    anchors = language_model.lm_anchor_losses(lm, held_out, LAYER, held_out_neurons)
    fidelities = {}
    for name in [] if args.score else args.only or SAES:
        model_config, config = SAES[name]
        config = dataclasses.replace(config, steps=args.steps)
        start = time.perf_counter()
        sae, history = train_sae(neurons, model_config, config)
        seconds = time.perf_counter() - start
        fidelity = fidelities[name] = language_model.lm_fidelity(lm, sae, held_out, LAYER, neurons=held_out_neurons,
                                                                 anchors=anchors)
        print(f"{name}: {history.steps} steps in {seconds:.0f} s; dead latents at each epoch's end "
              f"{history.dead_latents}; " + ", ".join(f"{k} {v:.4f}" for k, v in fidelity.items()), flush=True)
        meta = dict(train_config=dataclasses.asdict(config), steps_run=history.steps, seconds=seconds, layer=LAYER,
                    fidelity=fidelity, dead_latents_per_epoch=history.dead_latents,
                    lm_file=language_model.PRETRAINED_FILE, lm_sha256=checkpoint.file_digest(lm_path),
                    lm_held_out_loss=lm_meta["held_out_loss"], train_chars=args.train_chars,
                    prefixes=list(config.matryoshka_prefixes or ()), torch=str(torch.__version__))
        path = checkpoint.save(sae, args.out / name, meta, dtype=torch.float16)
        digest = checkpoint.record_checksum(args.out, name)
        print(f"wrote {path} (SHA-256 {digest})", flush=True)
    for name in (*TOPK_FILES.values(), *MATRYOSHKA_FILES.values()):
        path = args.out / name if (args.out / name).exists() else checkpoint.asset_path(name)
        if name not in fidelities and path.exists():
            fidelities[name] = language_model.lm_fidelity(lm, checkpoint.load(path), held_out, LAYER,
                                                          neurons=held_out_neurons, anchors=anchors)
    rows = [dict(architecture=arch, seed=seed, file=files[seed], held_out_chars=len(held_out),
                 **fidelities[files[seed]]) for arch, files in (("topk", TOPK_FILES), ("matryoshka", MATRYOSHKA_FILES))
            for seed in SEEDS if files[seed] in fidelities]
    print(f"wrote {checkpoint.write_json_asset(rows, args.out, FIDELITY_FILE)} ({len(rows)} SAEs)")


if __name__ == "__main__":
    main()
