"""Chapter 13's measurements over seeds: does a transcoder stand in for the MLP as well as the SAE stands in for
its neurons, are its latents as interpretable, and do its attribution graphs predict what interventions do?

Fidelity and interpretability: the shipped transcoders (scripts/train_transcoders.py: 1,024 latents, k = 16,
seeds 0, 1, 2, without and with the skip connection) against SAEs of the same shape trained here on the same
characters for the same steps (scripts/train_lm_saes.py's recipe, seeds 0, 1, 2; `--sae-seeds` to change),
all scored on the first 100,000 held-out characters: loss recovered against zero- and mean-ablation (an SAE
ablates the neurons, a transcoder the MLP's output; mean-ablation is the same for both), normalised MSE of
what each reconstructs, L0, dead latents; specificity (top-50 precision of each latent's best `tokenize`
concept, and beyond what the character explains, as notebook 11 measures) and the score of each latent's best
explanation over all its firings (`transcoders.best_explanation` among its top characters, its top
two-character endings and its best concept; 200 random live latents per model).

Intervention agreement: for 200 random held-out positions, the attribution graph of the next character after
the 64 characters up to it (each plain transcoder), tested by ablating the graph's top 3 latents and top 3
characters against 3 random ones (`attribution.intervention_agreement`).

Run: python benchmarks/circuits.py   (tens of minutes on a busy 2-core machine; one thread)
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import torch
from report import publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from train_lm_saes import AUXK, SAE_CONFIG, train_sae  # noqa: E402
from train_transcoders import HELD_OUT_CHARS, SEEDS, TRAIN, TRAIN_CHARS  # noqa: E402

from sae_lib import checkpoint, lm  # noqa: E402
from sae_lib.lm import attribution, concepts, dashboards, explanations, transcoders  # noqa: E402

N_PROMPTS, PROMPT_CHARS, N_EXPLAINED = 200, 64, 200


def interpretability(acts_of, n_latents: int, codes: dashboards.LatentCodes, text: str, ids: torch.Tensor,
                     labels: concepts.ConceptLabels, seed: int) -> dict[str, float]:
    """Specificity shares and the mean scores of the best explanation of N_EXPLAINED random live latents."""
    n = len(codes.ids)
    best = concepts.best_concepts(*codes.top(50), ids[:n], labels.matrix[:n])
    live = (~best.precision.isnan()).nonzero().flatten()
    picked = live[torch.randperm(len(live), generator=torch.Generator().manual_seed(seed))[:N_EXPLAINED]].tolist()
    scores = []
    for j in picked:
        acts = acts_of(j)
        name = labels.names[int(best.concept[j])]
        candidates = [*transcoders.candidate_explanations(acts, text[:n]),
                      explanations.explain(name, explanations.concept(labels, name))]
        scores.append(transcoders.best_explanation(acts, text[:n], candidates=candidates))
    scores = [s for s in scores if s is not None]
    f1 = [2 * s.precision * s.recall / max(s.precision + s.recall, 1e-12) for s in scores]
    return dict(specific=best.share(0.9), beyond_char=best.share(0.5, beyond_char=True),
                explanation_f1=statistics.mean(f1), explanation_precision=statistics.mean(s.precision for s in scores),
                weakest_precision=statistics.mean(s.weakest_precision for s in scores))


def cell(values: list[float], fmt: str) -> str:
    """Mean (min–max) over seeds."""
    return f"{format(statistics.mean(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sae-seeds", type=int, nargs="*", default=list(SEEDS),
                        help="SAE seeds to train here; none (`--sae-seeds` alone) scores the shipped SAE instead")
    parser.add_argument("--prompts", type=int, default=N_PROMPTS)
    parser.add_argument("--no-publish", action="store_true", help="print the table without writing the README")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    model, _ = lm.load_pretrained()
    corpus = lm.load_corpus()
    text = corpus.held_out_text[:HELD_OUT_CHARS + 1]
    ids = lm.encode(text)
    labels = concepts.label_source(text, tokens=concepts.frequent_names(text, 40))
    io = transcoders.mlp_io(model, ids)
    neurons = lm.neuron_activations(model, ids)
    rows: dict[str, list[dict]] = {}
    anchors = None
    for kind in ("", "_skip"):
        for seed in SEEDS:
            tc, _ = transcoders.load_transcoder(f"transcoder{kind}_s{seed}.pt")
            f = transcoders.transcoder_fidelity(model, tc, ids, io=io, anchors=anchors)
            anchors = {k: f[k] for k in ("loss_clean", "loss_zero_ablated", "loss_mean_ablated")}
            codes = transcoders.encode_text(model, tc, ids, mlp_in=io[0])
            f.update(interpretability(codes.latent, tc.config.n_latents, codes, text, ids, labels, seed))
            rows.setdefault(f"transcoder{' + skip' if kind else ''}", []).append(f)
            print(f"transcoder{kind} seed {seed}: {f}", flush=True)
    train_neurons = lm.neuron_activations(model, corpus.train_ids[:TRAIN_CHARS + 1]) if args.sae_seeds else None
    sae_anchors = lm.lm_anchor_losses(model, ids, neurons=neurons)
    sae_name = "SAE on the neurons" if args.sae_seeds else "SAE on the neurons (shipped)"
    for seed in args.sae_seeds or [0]:
        if args.sae_seeds:
            sae, _ = train_sae(train_neurons, SAE_CONFIG, dataclasses.replace(AUXK, steps=TRAIN.steps, seed=seed))
        else:  # the shipped SAE: seed 0, trained for twice the steps on twice the characters
            sae = checkpoint.load_asset("lm_sae_topk_auxk.pt")
        f = lm.lm_fidelity(model, sae, ids, neurons=neurons, anchors=sae_anchors)
        codes = dashboards.encode_text(model, sae, ids, neurons=neurons)
        f.update(interpretability(codes.latent, sae.config.latent_dim, codes, text, ids, labels, seed))
        rows.setdefault(sae_name, []).append(f)
        print(f"SAE seed {seed}: {f}", flush=True)

    generator = torch.Generator().manual_seed(0)
    positions = torch.randint(PROMPT_CHARS, len(text) - 1, (args.prompts,), generator=generator).tolist()
    prompts = [text[p - PROMPT_CHARS + 1:p + 1] for p in positions]
    targets = [text[p + 1] for p in positions]
    agreement = []
    for seed in SEEDS:
        tc, _ = transcoders.load_transcoder(f"transcoder_s{seed}.pt")
        summary = attribution.intervention_agreement(model, tc, prompts, targets, n=3, seed=seed).summary()
        agreement.append(summary)
        print(f"agreement seed {seed}: {summary}", flush=True)

    n_seeds = {name: len(r) for name, r in rows.items()}
    lines = [f"**Fidelity and interpretability** on {len(neurons):,} held-out characters (1,024 latents, k = 16, "
             f"{TRAIN.steps:,} steps on {TRAIN_CHARS:,} training characters each; mean over seeds, range in "
             "brackets; seeds: " + ", ".join(f"{k} {v}" for k, v in n_seeds.items()) + "):", "",
             "| model | loss recovered (zero-abl.) | loss recovered (mean-abl.) | normalised MSE | L0 | dead | "
             "top-50 precision ≥ 0.9 | beyond the character ≥ 0.5 | best explanation F1 | its precision "
             "(weakest tenth) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        get = lambda key, r=r: [x[key] for x in r]  # noqa: E731
        lines.append(f"| {name} | {cell(get('loss_recovered'), '.3f')} | {cell(get('loss_recovered_mean'), '.3f')} "
                     f"| {cell(get('normalized_mse'), '.3f')} | {statistics.mean(get('l0')):.1f} | "
                     f"{cell(get('dead_fraction'), '.1%')} | {cell(get('specific'), '.1%')} | "
                     f"{cell(get('beyond_char'), '.1%')} | {cell(get('explanation_f1'), '.2f')} | "
                     f"{statistics.mean(get('explanation_precision')):.2f} "
                     f"({statistics.mean(get('weakest_precision')):.2f}) |")
    clean, zero = anchors["loss_clean"], anchors["loss_zero_ablated"]
    if not args.sae_seeds:
        lines += ["", "The shipped SAE (lm_sae_topk_auxk.pt, seed 0) was trained for 4,000 steps on 400,000 characters "
                  "by scripts/train_lm_saes.py, twice the transcoders' budget; `--sae-seeds 0 1 2` trains SAEs on the "
                  "transcoders' budget instead."]
    lines += ["", f"Clean loss {clean:.3f} nats/char; the MLP's output zero-ablated {zero:.3f}, mean-ablated "
              f"{anchors['loss_mean_ablated']:.3f}; the neurons zero-ablated {sae_anchors['loss_zero_ablated']:.3f}.",
              "", f"**Intervention agreement** of the attribution graphs ({int(agreement[0]['n_prompts'])} held-out "
              f"prompts of {PROMPT_CHARS} characters, target the true next character; each plain transcoder seed):", "",
              "| ablated | r(predicted, actual) | graph's top 3 move the logit more than 3 random | mean abs. Δ logit, "
              "graph's top 3 | mean abs. Δ logit, 3 random |", "|---|---:|---:|---:|---:|"]
    for what, key in (("latents", "latent"), ("characters (mean embedding)", "char")):
        get = lambda name, key=key: [a[f"{key}_{name}"] for a in agreement]  # noqa: E731
        lines.append(f"| {what} | {cell(get('corr'), '.3f')} | {cell(get('top_beats_random'), '.0%')} | "
                     f"{cell(get('top_mean_abs'), '.2f')} | {cell(get('random_mean_abs'), '.2f')} |")
    lines += ["", f"Whole benchmark: {time.perf_counter() - start:.0f} s."]
    markdown = "\n".join(lines)
    if args.no_publish:
        print(markdown)
    else:
        publish("circuits", markdown, " ".join(["python", "benchmarks/circuits.py", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
