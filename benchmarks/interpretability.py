"""Chapter 11's measurements over several seeds: are the SAE's latents more specific than the neurons, and than
the latents of the same SAE trained on a randomly initialised transformer? And what does ablating a latent do?

For each seed, two SAEs are trained from scratch as scripts/train_lm_saes.py trains them (1,024 latents,
k = 16, AuxK; at half its steps): one on the trained transformer's neurons, one on the neurons of a
transformer left at a random initialisation (its own seed). All are scored on the first 200,000 held-out
characters, labelled with `tokenize` (8 syntactic concepts and the 40 most frequent names).

Run: python benchmarks/interpretability.py   (10 to 20 minutes on 2 cores)
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from pathlib import Path

import torch
from report import publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from train_lm_saes import AUXK, RANDOM_LM_SEED, SAE_CONFIG, TRAIN_CHARS, train_sae  # noqa: E402

from sae_lib import lm  # noqa: E402
from sae_lib.lm import concepts, dashboards, interventions  # noqa: E402

SEEDS = (0, 1, 2)
STEPS = 2000
HELD_OUT_CHARS = 200_000
PROBED = [*concepts.SYNTAX, "token:self", "token:return", "token:if", "token:def"]
KS = (1, 2, 5)
STEERED = ("s", ".", "e")


def specificity_row(name: str, scores: list[concepts.BestConcepts]) -> str:
    """A table row: mean and range over seeds of the shares of specific units."""
    cells = []
    for threshold, beyond in ((0.9, False), (0.5, True)):
        shares = [s.share(threshold, beyond) for s in scores]
        cells.append(f"{statistics.mean(shares):.1%} ({min(shares):.1%}–{max(shares):.1%})")
    medians = [float(s.precision[~s.precision.isnan()].median()) for s in scores]
    return f"| {name} | {' | '.join(cells)} | {statistics.mean(medians):.2f} |"


def main() -> None:
    start = time.perf_counter()
    model, _ = lm.load_pretrained()
    corpus = lm.load_corpus()
    text = corpus.held_out_text[:HELD_OUT_CHARS]
    ids = lm.encode(text)
    labels = concepts.label_source(text, tokens=concepts.frequent_names(text, 40))
    neurons = lm.neuron_activations(model, ids)
    n = len(neurons)
    matrix = labels.matrix[:n]
    train_ids = corpus.train_ids[:TRAIN_CHARS + 1]
    config = dataclasses.replace(AUXK, steps=STEPS)
    latents, controls, control_neurons, coverage, steering = [], [], [], {"latents": [], "control": []}, []
    train_neurons = lm.neuron_activations(model, train_ids)
    for seed in SEEDS:
        sae, _ = train_sae(train_neurons, SAE_CONFIG, dataclasses.replace(config, seed=seed))
        codes = dashboards.encode_text(model, sae, ids, neurons=neurons)
        latents.append(concepts.best_concepts(*codes.top(50), ids, matrix))
        coverage["latents"].append(concepts.coverage_table(sae.encode(neurons).detach(), labels, PROBED, KS, seed))
        for char in STEERED:
            j = interventions.promoting_latent(model, sae, char)
            clean, ablated = interventions.ablation_effect(model, sae, ids, j, dashboards.top_contexts(codes, j, 20),
                                                           char)
            steering.append((seed, char, j, float(clean.mean()), float(ablated.mean())))
        torch.manual_seed(RANDOM_LM_SEED + seed)
        random_model = lm.CharTransformer().eval()
        random_train = lm.neuron_activations(random_model, train_ids)
        control, _ = train_sae(random_train, SAE_CONFIG, dataclasses.replace(config, seed=seed))
        random_neurons = lm.neuron_activations(random_model, ids)
        controls.append(concepts.best_concepts(*dashboards.encode_text(random_model, control, ids,
                                                                      neurons=random_neurons).top(50), ids, matrix))
        control_neurons.append(concepts.best_concepts(*random_neurons.topk(50, dim=0), ids, matrix))
        coverage["control"].append(concepts.coverage_table(control.encode(random_neurons).detach(), labels, PROBED,
                                                           KS, seed))
        print(f"seed {seed} done after {time.perf_counter() - start:.0f} s", flush=True)
    trained_neurons = concepts.best_concepts(*neurons.topk(50, dim=0), ids, matrix)
    neuron_coverage = concepts.coverage_table(neurons, labels, PROBED, KS)

    lines = [f"**Specificity** (top-50 precision of each unit's best concept, on {n:,} held-out characters; "
             f"{len(labels.names)} concepts; mean over {len(SEEDS)} seeds, range in brackets):", "",
             "| units | precision ≥ 0.9 | precision beyond the character ≥ 0.5 | median precision |",
             "|---|---:|---:|---:|",
             specificity_row("SAE latents (trained transformer)", latents),
             specificity_row("neurons (trained transformer)", [trained_neurons]),
             specificity_row("SAE latents (random transformer)", controls),
             specificity_row("neurons (random transformer)", control_neurons),
             "", "\"Beyond the character\": precision minus what the characters at the unit's top activations "
             "explain on their own (mean P(concept | character)).", "",
             f"**Coverage**: F1 of a k-sparse probe, mean over the {len(PROBED)} concepts "
             f"({', '.join(PROBED)}); balanced samples:", "",
             "| units | " + " | ".join(f"k = {k}" for k in KS) + " |", "|---|" + "---:|" * len(KS)]
    for name, tables in [("SAE latents (trained)", coverage["latents"]), ("neurons (trained)", [neuron_coverage]),
                         ("SAE latents (random transformer)", coverage["control"])]:
        means = torch.stack([t.mean(dim=0) for t in tables])
        lines.append(f"| {name} | " + " | ".join(f"{means[:, i].mean():.2f} ({means[:, i].min():.2f}–"
                                                  f"{means[:, i].max():.2f})" for i in range(len(KS))) + " |")
    lines += ["", "**Ablation**: P(next character) on the latent's top 20 contexts, as it is and with the latent "
              "that promotes that character most ablated (each seed's own SAE):", "",
              "| seed | character | latent | P as it is | P ablated |", "|---:|---|---:|---:|---:|"]
    lines += [f"| {seed} | `{char}` | {j} | {clean:.2f} | {ablated:.2f} |"
              for seed, char, j, clean, ablated in steering]
    lines += ["", f"Whole benchmark: {time.perf_counter() - start:.0f} s."]
    publish("interpretability", "\n".join(lines), "python benchmarks/interpretability.py")


if __name__ == "__main__":
    main()
