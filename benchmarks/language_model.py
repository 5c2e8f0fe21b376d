"""Chapter 10's numbers: the course's language model and the SAEs that read it, on the whole held-out text.

1. The shipped CharTransformer's held-out loss against unigram and bigram baselines.
2. The shipped SAEs (TopK in Gao et al.'s recipe, with and without AuxK): loss recovered against zero- and
   mean-ablation, L0, normalised MSE, dead and dense fractions.
3. AuxK's effect on dead latents over 3 seeds and two learning rates, each SAE trained from scratch as
   scripts/train_lm_saes.py does (at half its steps, to fit a benchmark run).

Run: python benchmarks/language_model.py   (10 to 30 minutes on 2 cores, depending on what else runs)
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from pathlib import Path

from report import publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from train_lm_saes import SAE_CONFIG, SAES, TRAIN_CHARS, TRAIN_CONFIG, train_sae  # noqa: E402

from sae_lib import (  # noqa: E402
    checkpoint,
    lm,  # noqa: E402
    )

SEEDS = (0, 1, 2)
LEARNING_RATES = (1e-3, 3e-3)
SWEEP_STEPS = 2000
SWEEP_HELD_OUT_CHARS = 100_000


def fidelity_row(name: str, f: dict) -> str:
    """One table row of a fidelity dict."""
    return (f"| {name} | {f['loss_sae']:.3f} | {f['loss_recovered']:.3f} | {f['loss_recovered_mean']:.3f} | "
            f"{f['l0']:.1f} | {f['normalized_mse']:.3f} | {f['dead_fraction']:.2%} | {f['dense_fraction']:.2%} |")


def main() -> None:
    start = time.perf_counter()
    model, meta = lm.load_pretrained()
    corpus = lm.load_corpus()
    held_out = corpus.held_out_ids
    loss = lm.next_char_loss(model, held_out)
    lines = ["**The language model** (1 block, d_model 128, 512 MLP neurons; "
             f"{sum(p.numel() for p in model.parameters()):,} parameters; {meta['train_config']['steps']:,} steps in "
             f"{meta['seconds'] / 60:.1f} min by `scripts/train_language_model.py`), cross-entropy on the "
             f"{len(held_out):,} held-out characters:", "",
             "| model | nats/char | bits/char |", "|---|---:|---:|"]
    for name, value in [("unigram counts", lm.ngram_loss(corpus.train_ids, held_out, 1)),
                        ("bigram counts", lm.ngram_loss(corpus.train_ids, held_out, 2)), ("CharTransformer", loss)]:
        lines.append(f"| {name} | {value:.3f} | {value / 0.693147:.3f} |")

    neurons = lm.neuron_activations(model, held_out)
    header = ["| SAE | L_sae | loss recovered (zero-abl.) | loss recovered (mean-abl.) | L0 | normalised MSE | dead | "
              "dense |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += ["", f"**The shipped SAEs** (512 neurons → latents, TopK k = {SAE_CONFIG.k}, {TRAIN_CONFIG.steps:,}+ "
              f"steps of {TRAIN_CONFIG.batch_size}; all but `lm_sae_topk.pt` with AuxK) on the same text; L_clean "
              f"{loss:.3f} nats/char:", "", *header]
    for name, (lm_file, model_config, _) in SAES.items():
        if lm_file != lm.PRETRAINED_FILE:  # the random-transformer control is chapter 11's, not a stand-in
            continue
        sae = checkpoint.load_asset(name)
        f = lm.lm_fidelity(model, sae, held_out, neurons=neurons)
        lines.append(fidelity_row(f"`{name}` ({model_config.latent_dim:,} latents)", f))
        print(lines[-1], flush=True)
    zero_loss, mean_loss = f["loss_zero_ablated"], f["loss_mean_ablated"]
    lines += ["", f"Zero-ablating the neurons gives {zero_loss:.3f} nats/char, mean-ablating them {mean_loss:.3f}."]

    train_neurons = lm.neuron_activations(model, corpus.train_ids[:TRAIN_CHARS + 1])
    text = held_out[:SWEEP_HELD_OUT_CHARS]
    sweep_neurons = neurons[:len(lm.windows(text, model.config.context)) * model.config.context]
    lines += ["", f"**AuxK and dead latents** ({len(SEEDS)} seeds per row, each SAE trained from scratch for "
              f"{SWEEP_STEPS:,}+ steps; dead = fires on none of {SWEEP_HELD_OUT_CHARS:,} held-out characters):", "",
              "| lr | AuxK | dead latents (each seed) | loss recovered (mean, min) | normalised MSE (mean) |",
              "|---:|---|---|---:|---:|"]
    for lr in LEARNING_RATES:
        for aux_k in (None, 256):
            dead, recovered, nmse = [], [], []
            for seed in SEEDS:
                config = dataclasses.replace(TRAIN_CONFIG, steps=SWEEP_STEPS, lr=lr, seed=seed, aux_k=aux_k)
                sae, _ = train_sae(train_neurons, SAE_CONFIG, config)
                f = lm.lm_fidelity(model, sae, text, neurons=sweep_neurons)
                dead.append(round(f["dead_fraction"] * SAE_CONFIG.latent_dim))
                recovered.append(f["loss_recovered"])
                nmse.append(f["normalized_mse"])
            lines.append(f"| {lr:g} | {'yes' if aux_k else 'no'} | {', '.join(map(str, dead))} | "
                         f"{statistics.mean(recovered):.3f}, {min(recovered):.3f} | {statistics.mean(nmse):.4f} |")
            print(lines[-1], flush=True)
    lines += ["", f"Whole benchmark: {time.perf_counter() - start:.0f} s."]
    publish("language_model", "\n".join(lines), "python benchmarks/language_model.py")


if __name__ == "__main__":
    main()
