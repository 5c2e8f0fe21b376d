"""Chapter 12's comparison: absorption, fidelity and splitting of TopK and Matryoshka SAEs on the language model.

Reads the shipped SAEs (no training): chapter 10/11's TopK SAEs at 256, 1,024 and 4,096 latents (one seed
each), and `scripts/train_matryoshka.py`'s TopK and Matryoshka SAEs (1,024 latents, L0 = 16, seeds 0, 1, 2,
trained alike; the Matryoshka SAEs also with their eval threshold set to keep exactly MATCHED_L0 latents per
character on the text, since the one estimated in training keeps more). For each, on the first HELD_OUT_CHARS
held-out characters:

- loss recovered (against zero-ablation), normalised MSE and L0 (`lm.lm_fidelity`);
- absorption (`sae_lib.lm.absorption`, Chanin et al. 2024) on the character ⊃ character-in-a-token pairs, mean
  over the pairs: the main latent's F1 as a classifier of the character, its false-negative rate on the sub-case
  and on the rest of the character, and the absorption rate;
- the splitting family of chapter 11: for each of the 256-latent SAE's latents the best decoder cosine with a
  latent of this SAE, averaged (do the general latents survive as the SAE widens?), and for chapter 11's family
  parent, its best cosine;
- specificity: the share of live latents whose best `tokenize` concept holds in ≥ 90 % of their top 50
  activations (`concepts.best_concepts`).

Run: python benchmarks/absorption.py   (a few minutes on 2 cores)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
from report import publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from train_matryoshka import MATRYOSHKA_FILES, PREFIXES, TOPK_FILES  # noqa: E402

from sae_lib import checkpoint, lm  # noqa: E402
from sae_lib.lm import absorption, concepts, dashboards  # noqa: E402

HELD_OUT_CHARS = 100_000
PAIRS = [("char:f", "char:f & token:self"), ("char:d", "char:d & token:def"), ("char:e", "char:e & token:return"),
         ("char:s", "char:s & token:self")]
WIDTHS = {256: "lm_sae_256.pt", 1024: "lm_sae_topk_auxk.pt", 4096: "lm_sae_4096.pt"}
#: The TopK SAEs' L0: the Matryoshka SAEs are also scored with their threshold set to keep exactly this many.
MATCHED_L0 = 16


def _unit(rows: torch.Tensor) -> torch.Tensor:
    """Rows scaled to unit norm, so that products are cosines."""
    return rows / rows.norm(dim=1, keepdim=True).clamp_min(1e-8)


def main() -> None:
    torch.set_num_threads(1)
    start = time.perf_counter()
    model, _ = lm.load_pretrained()
    text = lm.load_corpus().held_out_text[:HELD_OUT_CHARS]
    ids = lm.encode(text)
    neurons = lm.neuron_activations(model, ids)
    text = text[:len(neurons)]
    anchors = lm.lm_anchor_losses(model, ids, 0, neurons)
    labels = concepts.label_source(text, tokens=concepts.frequent_names(text, 40))
    masks = {p: (absorption.concept_mask(labels, p[0], text), absorption.concept_mask(labels, p[1], text))
             for p in PAIRS}
    probes = {p: absorption.probe_direction(neurons, g) for p, (g, _) in masks.items()}
    small = checkpoint.load_asset(WIDTHS[256])
    wide = checkpoint.load_asset(WIDTHS[4096])
    children = (_unit(small.dictionary) @ _unit(wide.dictionary).T > 0.5).sum(dim=1)
    family_parent = int(children.argmax())  # chapter 11's family: the parent with most children at 4,096

    runs = [("TopK, chapter 10/11 (fully trained)", width, 0, (name, None)) for width, name in WIDTHS.items()]
    runs += [("TopK (chapter 12, trained alike)", 1024, seed, (name, None)) for seed, name in TOPK_FILES.items()]
    runs += [(f"Matryoshka BatchTopK {PREFIXES}", 1024, seed, (name, None)) for seed, name in MATRYOSHKA_FILES.items()]
    runs += [(f"Matryoshka, threshold set to L0 = {MATCHED_L0}", 1024, seed, (name, MATCHED_L0))
             for seed, name in MATRYOSHKA_FILES.items()]
    scored = {}  # chapter 10's SAE is also the comparison's TopK seed 0, and is measured once
    for name, match_l0 in dict.fromkeys(key for *_, key in runs):
        sae = checkpoint.load_asset(name)
        if match_l0:  # its eval threshold, estimated on training batches, keeps more than k here
            with torch.no_grad():
                sae.activation.match_l0_(sae.pre_activation(neurons), match_l0)
        fidelity = lm.lm_fidelity(model, sae, ids, neurons=neurons, anchors=anchors)
        measured = [absorption.measure_absorption(sae, neurons, *masks[p], p, probe=probes[p]) for p in PAIRS]
        cos = (_unit(small.dictionary) @ _unit(sae.dictionary).T).detach()  # decoder rows need not be unit norm
        codes = dashboards.encode_text(model, sae, ids, neurons=neurons)
        scored[name, match_l0] = dict(
            l0=fidelity["l0"], loss_recovered=fidelity["loss_recovered"], nmse=fidelity["normalized_mse"],
            f1=statistics.mean(a.main_f1 for a in measured),
            fn=statistics.mean(a.false_negative_specific for a in measured),
            fn_rest=statistics.mean(a.false_negative_rest for a in measured),
            absorbed=statistics.mean(a.absorption_rate for a in measured),
            partial=statistics.mean(a.partial_rate for a in measured),
            survive=float(cos.max(dim=1).values.mean()), family=float(cos[family_parent].max()),
            specific=concepts.best_concepts(*codes.top(50), ids, labels.matrix[:len(neurons)]).share(0.9))
        print(f"{name} (L0 set to {match_l0}): done after {time.perf_counter() - start:.0f} s", flush=True)
    rows = [dict(arch=arch, width=width, seed=seed, **scored[key]) for arch, width, seed, key in runs]

    pairs = "; ".join(f"{g[5:]} ⊃ {g[5:]} of {s.split(' & ')[1][6:]}" for g, s in PAIRS)
    lines = [f"On the first {len(neurons):,} held-out characters. Absorption: mean over {len(PAIRS)} pairs "
             f"({pairs}) of the main latent's F1 as a classifier of the character, its false-negative rate on the "
             "sub-case (and on the rest of the character) and the share of the sub-case absorbed by another latent "
             "(Chanin et al. 2024). Survive: the 256-latent SAE's latents' best decoder cosine with a latent here, "
             f"averaged; family: best cosine with chapter 11's family parent (latent {family_parent} of the "
             "256-latent SAE). Specific: share of live latents whose best concept holds in ≥ 90 % of their top 50 "
             "activations. Chapter 10's 1,024-latent SAE is also the comparison's TopK seed 0. A BatchTopK SAE's "
             "eval threshold is estimated on training batches; the last rows set it to keep exactly "
             f"{MATCHED_L0} latents per character on this text (`BatchTopK.match_l0_`).", "",
             "| architecture | latents | seed | L0 | loss recovered | nMSE | main F1 | false neg. (sub-case / rest) "
             "| absorbed | partly | survive | family | specific |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['arch']} | {r['width']:,} | {r['seed']} | {r['l0']:.1f} | {r['loss_recovered']:.3f} | "
                     f"{r['nmse']:.3f} | {r['f1']:.2f} | {r['fn']:.2f} / {r['fn_rest']:.2f} | {r['absorbed']:.2f} | "
                     f"{r['partial']:.2f} | {r['survive']:.2f} | {r['family']:.2f} | {r['specific']:.2f} |")
    lines += ["", "Means over seeds 0, 1 and 2 (1,024 latents, trained alike):", "",
              "| architecture | L0 | loss recovered | nMSE | main F1 | false neg. (sub-case / rest) | absorbed "
              "| survive | specific |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for arch in dict.fromkeys(r["arch"] for r in rows if "chapter 10" not in r["arch"]):
        mean = {key: statistics.mean(r[key] for r in rows if r["arch"] == arch) for key in scored[runs[0][3]]}
        lines.append(f"| {arch} | {mean['l0']:.1f} | {mean['loss_recovered']:.3f} | {mean['nmse']:.3f} | "
                     f"{mean['f1']:.3f} | {mean['fn']:.3f} / {mean['fn_rest']:.3f} | {mean['absorbed']:.3f} | "
                     f"{mean['survive']:.3f} | {mean['specific']:.3f} |")
    lines += ["", f"Whole benchmark: {time.perf_counter() - start:.0f} s."]
    publish("absorption", "\n".join(lines), "python benchmarks/absorption.py")


if __name__ == "__main__":
    main()
