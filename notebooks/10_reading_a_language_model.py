# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["launch-header"]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/10_reading_a_language_model.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/10_reading_a_language_model.ipynb)

# %% tags=["launch-header"]
# Set-up for Google Colab (anywhere else this cell does nothing): install sae_lib from the course
# repository. Colab already has torch, torchvision, matplotlib, seaborn, scikit-learn and ipywidgets,
# so --no-deps keeps its versions (upgrading ipywidgets mid-session would need a restart).
import sys

if "google.colab" in sys.modules:
    # %pip install -q --no-deps "sae_lib @ git+https://github.com/sae-course/sparse-autoencoders@main"
    from sae_lib.widgets import enable_colab_widgets

    enable_colab_widgets()  # Colab's custom widget manager, so the sliders show

# %% [markdown]
# # 10 · An SAE reads a language model
#
# **After this notebook you can** load a small transformer the course trained on Python's own source
# code, read its MLP neurons, splice a sparse autoencoder's reconstruction back into the model and
# measure its **fidelity** as the field does (L0, normalised MSE, and the next-character **loss
# recovered**), say what TopK SAEs in Gao et al.'s recipe change and what the **AuxK** loss does for
# dead latents, and read a latent from its **dashboard**: the text where it fires, how often, and the
# next characters it pushes the model towards.
#
# This is what sparse autoencoders are for. Chapters 01–09 trained SAEs on inputs (pixels, recordings,
# toy features) whose ground truth we knew or could see. Here the input is the inside of a trained
# network, whose features nobody wrote down. The research versions of this lesson need a GPU and
# downloads (GPT-2 or Gemma from Hugging Face, SAELens, Neuronpedia); this one runs offline on a laptop,
# because the model is tiny (one transformer block, under a quarter of a million parameters) and reads characters,
# and because everything it needs ships inside `sae_lib`: the corpus, the model, and two trained SAEs
# (each trained by a script in `scripts/`, with a checksum). Source code is a good first language for
# this: its structure (strings, comments, brackets, indentation, keywords) is visible to us, so we can
# check what a latent seems to track. Chapter 11 turns that check into numbers.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch
from IPython.display import HTML, display

from sae_lib import checkpoint, exercises, lm, metrics
from sae_lib.lm import dashboards
from sae_lib.lm.dashboards import feature_dashboard_widget
from sae_lib.plots import plot_feature_density

# Everything here is inference on a tiny model: the CPU is as fast as a GPU would be, so we stay on it.
_ = torch.manual_seed(0)

# %% [markdown]
# ## The corpus and the model
#
# The corpus is about 3 MB of CPython's standard library (whole modules, no tests; the PSF licence is in
# `sae_lib/assets/README.md`). Every tenth file is **held out**: the model never trained on it, and every
# number below is measured on it. The vocabulary is the 95 printable ASCII characters, newline, and
# one symbol (shown as ¤) for everything else.

# %%
corpus = lm.load_corpus()
print(f"training text: {len(corpus.train_text):,} characters; held-out text: {len(corpus.held_out_text):,}")
print(corpus.held_out_text[:400])

# %% [markdown]
# The model, `lm.CharTransformer`, is GPT-shaped: character and position embeddings, one block
# (4-head causal self-attention, then an MLP of 512 GELU neurons, each with a residual connection and a
# LayerNorm before it), a final LayerNorm and an unembedding to 97 next-character logits.
# `scripts/train_language_model.py` trained it for a few minutes on two CPU cores and stored the
# held-out loss it measured; we measure it again. A model is only as good as what it beats, so beside
# it are two honest baselines fitted on the same training text (`lm.ngram_loss`): character frequencies
# (a unigram model) and next-character frequencies given the current character (a bigram model).

# %%
model, meta = lm.load_pretrained()
print(model)
held_out = corpus.held_out_ids
loss_model = lm.next_char_loss(model, held_out)


losses = {"unigram": lm.ngram_loss(corpus.train_ids, held_out, 1),
          "bigram": lm.ngram_loss(corpus.train_ids, held_out, 2), "transformer": loss_model}
for name, value in losses.items():
    print(f"{name:>12}: {value:.3f} nats/char held out ({value / 0.6931:.2f} bits)")
print(f"the script reported {meta['held_out_loss']:.3f} after {meta['train_config']['steps']:,} steps "
      f"({meta['seconds'] / 60:.1f} min)")

# %%
assert abs(loss_model - meta["held_out_loss"]) < 2e-3, "the shipped model should score what its script reported"
assert loss_model < 0.6 * losses["bigram"], "the transformer should beat next-character counts by far"

# %% [markdown]
# Samples (temperature 0.8, seeded) show what it has learned: Python's *surface*. Indentation after a
# colon, `self.`, `is not None`, `raise`, comments after `#`.
# Not its sense: names are invented, sentences in comments wander, most lines would not parse. A model of
# this size that reads one character at a time learns local structure, which is what we need
# to find features in it. (At lower temperatures it sometimes gets stuck emitting spaces: it cannot
# count how deep an indentation already is.)

# %%
for seed, prompt in enumerate(["def ", "import os\n", "class Parser:\n    def __init__(self"], start=1):
    print(lm.sample(model, prompt, 200, temperature=0.8, seed=seed))
    print("-" * 60)

# %% [markdown]
# ## Where the SAE reads: the MLP neurons
#
# `model(ids, cache=...)` stores the residual stream before and after each part of the block and the
# 512 MLP neurons (after the GELU). `lm.neuron_activations` runs the held-out text through the model
# window by window (128 characters of context) and returns one row of 512 neurons per character: row r
# is what the MLP computes at character r, on the way to predicting character r + 1.
#
# Neurons make a poor unit of analysis because they are dense: a GELU neuron is exactly zero only at
# zero, so none is ever "off", and dozens of them are positive at every character (the histogram), against
# the 16 latents the SAE below will use. (From here on we work on the first 100,000 held-out characters:
# 99,968 in whole windows of 128.)

# %%
text = held_out[:100_000]
neurons = lm.neuron_activations(model, text)
on_per_char = (neurons > 0).sum(dim=1).float()
print(f"neurons: {tuple(neurons.shape)}; on average {on_per_char.mean():.0f} of 512 are positive at a character")
fig, ax = plt.subplots(figsize=(5, 2.6))
ax.hist(on_per_char.numpy(), bins=40, color="tab:gray")
ax.set(xlabel="neurons > 0 at one character", ylabel="characters", title="MLP neurons are dense")
plt.show()

# %% [markdown]
# ## The SAE: TopK in Gao et al.'s recipe
#
# `scripts/train_lm_saes.py` trained two SAEs on the neurons of the training text (how many characters
# is printed below): 512 inputs, 1,024 latents (twice over-complete), **TopK** with k = 16, so every character is explained
# by exactly 16 latents. Gao et al. (2024, OpenAI) trained TopK SAEs with four details, all in
# `sae_lib` (`SAEConfig` and `TrainConfig` fields):
#
# | detail | what it does | in `sae_lib` |
# |---|---|---|
# | pre-encoder bias | the encoder reads x − b_pre and the decoder adds b_pre back, so latents describe departures from a typical activation | `pre_encoder_bias=True` (b_pre is the decoder's bias, started at the neurons' mean) |
# | unit-norm decoder, parallel gradient removed | each latent's decoder direction has length 1, so its size lives in z; the gradient's component along the direction (which would only change its length) is removed before each step | `unit_norm_decoder=True` |
# | tied initialisation | the encoder starts as the decoder's transpose: each latent first reads along the direction it writes, so few latents start dead | `tied_init=True` |
# | AuxK | the `aux_k` dead latents with the largest pre-activations try to reconstruct the main reconstruction's residual x − x̂; their normalised error is added with weight 1/32 of the normalised reconstruction error, so **dead latents get a gradient at every step** instead of none | `TrainConfig(aux_k=256)` |
#
# A latent counts as dead in training when it has not fired for `dead_steps` steps (in characters,
# printed below; Gao et al. used 10 million tokens, for far larger models). AuxK can only
# revive a dead latent whose pre-activation is still positive on some inputs (it keeps the largest ones,
# through a ReLU, as Gao et al.'s code does).

# %%
sae = checkpoint.load_asset("lm_sae_topk_auxk.pt")
sae_plain = checkpoint.load_asset("lm_sae_topk.pt")
sae_meta = checkpoint.load_metadata(checkpoint.asset_path("lm_sae_topk_auxk.pt"))
print(sae)
config_used = sae_meta["train_config"]
print(f"trained on the neurons of {sae_meta['train_chars']:,} training characters: {sae_meta['steps_run']:,} steps "
      f"of {config_used['batch_size']} in {sae_meta['seconds']:.0f} s (Adam, lr {config_used['lr']:g}); "
      f"aux_k = {config_used['aux_k']}; dead after {config_used['dead_steps']} steps = "
      f"{config_used['dead_steps'] * config_used['batch_size']:,} characters without firing")

# %% [markdown]
# ## Fidelity: does the model still work with the SAE inside it?
#
# Normalised MSE says how far x̂ is from x, but not whether the *model* cares about the difference: a
# small error along a direction the model relies on can cost more than a large one it ignores. So the
# field splices the reconstruction into the forward pass (`edit_neurons=lm.replace_neurons(0, fn)`
# hands the block `fn(neurons)` instead of its neurons) and measures the next-character cross-entropy
# L_sae. Two anchors give it a scale: the clean model's L_clean, and L_ablated, the loss with the layer
# *ablated*: neurons set to zero (zero-ablation) or to their mean over the text (mean-ablation).
#
# **loss recovered** = (L_ablated − L_sae) / (L_ablated − L_clean)
#
# It is 1 when the SAE is as good as the real neurons and 0 when it is no better than deleting them
# (Nanda's replication of Towards Monosemanticity; SAELens reports it as "CE loss score"). Caveat:
# the number depends on the anchor. A destructive anchor (a large L_ablated − L_clean) flatters: the
# score then measures mostly the distance between a broken model and a working one. So read it beside
# the increase L_sae − L_clean itself (in nats/char), and against a gentler anchor too.
#
# ### Exercise 1: loss recovered
#
# Write it. The checker tries cases that include a perfect SAE and one worse than ablation.

# %%
# NBVAL_CHECK_OUTPUT
def my_loss_recovered(loss_clean, loss_sae, loss_ablated):
    raise NotImplementedError  # your code here


exercises.check_loss_recovered(my_loss_recovered)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_loss_recovered(loss_clean, loss_sae, loss_ablated):
    return (loss_ablated - loss_sae) / (loss_ablated - loss_clean)


exercises.check_loss_recovered(my_loss_recovered)

# %% [markdown]
# `lm.lm_fidelity` measures every number at once on the 100,000 held-out characters:

# %%
anchors = lm.lm_anchor_losses(model, text, neurons=neurons)  # clean, zero- and mean-ablated: computed once
fidelity = {name: lm.lm_fidelity(model, s, text, neurons=neurons, anchors=anchors)
            for name, s in [("TopK + AuxK", sae), ("TopK", sae_plain)]}
row = fidelity["TopK + AuxK"]
names = ["clean", "SAE spliced in", "mean-ablated", "zero-ablated"]
values = [row["loss_clean"], row["loss_sae"], row["loss_mean_ablated"], row["loss_zero_ablated"]]
fig, ax = plt.subplots(figsize=(6, 2.6))
ax.barh(names[::-1], values[::-1], color=["tab:red", "tab:orange", "tab:blue", "tab:green"])
for y, v in enumerate(values[::-1]):
    ax.text(v + 0.03, y, f"{v:.3f}", va="center", fontsize=9)
ax.set(xlabel="next-character cross-entropy on held-out text (nats/char)", xlim=(0, max(values) * 1.15),
       title="the model with its MLP neurons replaced")
plt.show()
print(f"loss recovered: {row['loss_recovered']:.3f} against zero-ablation, {row['loss_recovered_mean']:.3f} "
      f"against mean-ablation; the SAE adds {row['loss_sae'] - row['loss_clean']:.3f} nats/char to the clean loss")
print(f"L0 {row['l0']:.1f} of 1,024 latents; normalised MSE {row['normalized_mse']:.3f}")
unigram_here = lm.ngram_loss(corpus.train_ids, text, 1)
bigram_here = lm.ngram_loss(corpus.train_ids, text, 2)
print(f"on these characters the clean model scores {row['loss_clean']:.3f} (on the whole held-out text "
      f"{loss_model:.3f}); the unigram model {unigram_here:.3f}, the bigram model {bigram_here:.3f}; with the "
      f"bigram model as the anchor the SAE recovers "
      f"{metrics.loss_recovered(row['loss_clean'], row['loss_sae'], bigram_here):.2f}")

# %%
assert row["loss_recovered"] >= 0.85, "the SAE the notebook reads must stand in for the neurons"
assert row["loss_clean"] < row["loss_sae"] < row["loss_mean_ablated"]
assert abs(row["l0"] - 16) < 0.01
assert min(row["loss_zero_ablated"], row["loss_mean_ablated"]) > unigram_here  # the ablations break the model
assert metrics.loss_recovered(row["loss_clean"], row["loss_sae"], bigram_here) < row["loss_recovered"]

# %% [markdown]
# The SAE keeps most of what the layer does with 16 active latents per character instead of 512 dense
# neurons, but not all: the extra loss it adds (printed above) is the part of the layer's work that its
# latents miss. This extra loss is the "dark matter" that larger SAEs shrink but, so far, never close:
# in GPT-2 and Gemma too, splicing in an SAE costs a measurable amount of loss. Both ablations break
# the model so badly that it falls below character counts (the unigram model), which is why the score
# against them is high; against the bigram model, which knows nothing of context beyond one character,
# it is lower (printed). Zeroing the neurons costs slightly less than setting them to their mean, an
# unusual order: here the MLP's output bias alone is a better guess than its average output.
#
# ## Dead latents, with and without AuxK
#
# The two SAEs differ only in the AuxK loss (same data, seed and steps). A latent is *dead* here if it
# fires on none of the 100,000 held-out characters; the histogram shows how often the rest fire.

# %%
codes = {name: dashboards.encode_text(model, s, text, neurons=neurons)
         for name, s in [("TopK + AuxK", sae), ("TopK", sae_plain)]}
fig = plot_feature_density({name: c.density() for name, c in codes.items()})
display(fig)
for name, r in fidelity.items():
    print(f"{name:>12}: dead {r['dead_fraction']:.2%}, loss recovered {r['loss_recovered']:.3f}, "
          f"normalised MSE {r['normalized_mse']:.4f}; dead during training at each epoch's end: "
          f"{checkpoint.load_metadata(checkpoint.asset_path('lm_sae_topk_auxk.pt' if '+' in name else 'lm_sae_topk.pt'))['dead_latents_per_epoch']}")

# %%
dead = {name: int((c.density() == 0).sum()) for name, c in codes.items()}
assert dead["TopK + AuxK"] <= dead["TopK"]
assert abs(fidelity["TopK + AuxK"]["loss_recovered"] - fidelity["TopK"]["loss_recovered"]) < 0.02

# %% [markdown]
# No latent died in the SAE trained with AuxK; a few did in the one without (counted above, and at each
# epoch's end of training). At this size few latents die either way, and fidelity hardly changes. This is
# one seed: `python benchmarks/language_model.py` repeats the comparison over three seeds at this
# learning rate and at three times it (README, *Measured results*). It finds AuxK's small benefit here
# again, and none at the higher rate, where dozens of latents die with or without it. A likely reason
# (not measured here): AuxK keeps the largest *positive* pre-activations of dead latents (through a
# ReLU, as Gao et al.'s code does), so a latent whose pre-activations have all turned negative gets no
# gradient from it either. AuxK is not a cure for every way to die. The tests of `sae_lib` train a case where it does help: most latents of a
# small TopK SAE dead, some with positive pre-activations left, and AuxK revives a share of them.
#
# ## Reading a latent: the dashboard
#
# A **feature dashboard** (Anthropic's, SAE-Vis, Neuronpedia) puts together what we know of one latent:
#
# * its **top-activating contexts**: the characters where it fires most, each character shaded by the
#   latent's activation (the outlined character is the peak; hover for the value; ⏎ is a newline);
# * how often it fires (its **density**) and the histogram of its non-zero activations;
# * its **logit effects**: the next characters its decoder direction promotes and suppresses. The
#   direction d_j (512 neuron values) goes through the MLP's output weights, the final LayerNorm's gain
#   and the unembedding: `lm.neuron_logit_weights()` maps each neuron to its effect on the 97 logits,
#   centred over the characters (softmax ignores a shift shared by all). In a one-block model this is
#   the only path from the MLP to the logits; what it leaves out is the final LayerNorm's division by
#   the residual's size (a positive factor, so it changes no ranking) and everything else that writes
#   to the residual at the same time: a latent's push is one term of a sum.
#
# `dashboards.encode_text` encodes every held-out character once and keeps the codes sparse (16 values a
# row), so each dashboard below takes milliseconds. The three latents are picked by a rule you can
# read: for each of three next characters, the latent whose decoder direction promotes it most.

# %%
effects = sae.dictionary @ model.neuron_logit_weights()  # [latents, 97]: every latent's direct logit effect
chosen = {c: int(effects[:, lm.VOCAB.index(c)].argmax()) for c in ["s", ".", "e"]}
print("the latent that most promotes each character:", chosen)
main_codes = codes["TopK + AuxK"]
for j in chosen.values():
    display(HTML(dashboards.dashboard_html(model, sae, main_codes, j, n_contexts=6)))

# %% [markdown]
# Read them before the prose does. The `s` latent fires on `sy`, the start of `sys`; the `.` latent fires
# on the `s` of the name `os` (`os.path`, `os.environ`, and `_os`); the `e` latent fires on `th` in prose
# (`the`, `their`), where `e` usually follows. All three are word-level features: they know which word
# they are in and predict its next letter, or what follows the word. Each is a guess from a handful of
# examples, and chapter 11 tests guesses like
# these against exact labels. The histograms of their activations (log scale) say what the contexts
# leave out:

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 2.8), sharey=True)
for ax, j in zip(axes, chosen.values()):
    dashboards.plot_activation_histogram(main_codes, j, ax=ax)
axes[0].set_yscale("log")
plt.tight_layout()
plt.show()

# %% [markdown]
# The dashboard shows a latent's strongest contexts. For some latents most firings are far weaker, and
# what a latent means when it fires weakly is not on show; it may be something else (Anthropic's
# dashboards sample every activation range for this reason). For others nearly every firing is strong.
# Counted:

# %%
weak = {}
for j in chosen.values():
    acts = main_codes.latent(j)
    shown = acts[dashboards.top_contexts(main_codes, j, 6)].min()  # the weakest of the six contexts displayed
    weak[j] = (acts[acts > 0] < shown / 2).float().mean().item()
    print(f"latent {j:>4}: {weak[j]:.0%} of its firings are below half the weakest activation its dashboard shows")
assert max(weak.values()) > 0.5 and min(weak.values()) < 0.3

# %% [markdown]
# Check the prose against the data: for each chosen latent, the share of its top 20 contexts in which
# the next character is the one it promotes most, against how often that character follows *any*
# character in the text (its base rate). The latent that most promotes `'` is in the list as a warning;
# its dashboard first.

# %%
quote_latent = int(effects[:, lm.VOCAB.index("'")].argmax())
display(HTML(dashboards.dashboard_html(model, sae, main_codes, quote_latent, n_contexts=6)))

# %%
def next_char_hits(j, c, n=20):
    """Share of latent j's top n contexts whose next character is c."""
    positions = dashboards.top_contexts(main_codes, j, n=n)  # at least 20 characters apart: distinct contexts
    return sum(lm.VOCAB[int(text[p + 1])] == c for p in positions if p + 1 < len(text)) / len(positions)


hits = {c: next_char_hits(j, c) for c, j in [*chosen.items(), ("'", quote_latent)]}
for c, j in [*chosen.items(), ("'", quote_latent)]:
    base = (text[1:] == lm.VOCAB.index(c)).float().mean().item()
    print(f"latent {j:>4} (promotes {c!r} most): next character is {c!r} in {hits[c]:.0%} of its top 20 contexts "
          f"(base rate {base:.1%})")
    if c in chosen:
        assert hits[c] > 5 * base, f"latent {j} should predict {c!r} far above its base rate"
assert hits["'"] < 0.5

# %% [markdown]
# The three chosen latents predict what follows them. The `'` latent does not, in its own top contexts:
# it fires on a `p` after a hyphen (`parent-path`, `non-private`, `site-packages`), where the next
# character is the word's next letter, and `'` comes first among the characters it promotes only by a
# little. Its push toward `'` is real but small, one term of a sum that the rest of the residual
# outweighs. Logit effects say what a latent pushes for, not what the model will predict: they too are
# a hypothesis to check.
#
# The picker below shows any latent's dashboard: type a number from 0 to 1,023 (it redraws in a fraction
# of a second). Most latents you pick will look meaningful. That is the warning of chapter 11: SAEs
# trained on a *randomly initialised* transformer also produce dashboards that look meaningful, so a
# dashboard is a hypothesis, not a result.

# %%
feature_dashboard_widget(model, sae, main_codes, latent=chosen["."])

# %% [markdown]
# ### Exercise 2: predict a logit effect
#
# Below are the top contexts of latent 950, without its logit effects. Which next characters does its
# decoder direction promote most: `"capitals"` (an underscore and capital letters), `"lowercase"`
# (lower-case letters) or `"bracket"` (an opening parenthesis)? Decide from the contexts, then run the
# check, and only then open its dashboard in the picker above.

# %%
display(HTML(dashboards.contexts_html(main_codes, 950, n_contexts=8)))

# %%
answer = None  # "capitals", "lowercase" or "bracket"
exercises.check_prediction("what latent 950 promotes", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
exercises.check_prediction("what latent 950 promotes", "capitals")

# %% [markdown]
# ## Summary
#
# * The course's transformer reads Python one character at a time and beats character counts by far
#   (numbers above); its 512 MLP neurons are dense.
# * A TopK SAE with 1,024 latents and k = 16 stands in for those neurons: spliced into the model, it
#   keeps most of the loss the layer is worth (loss recovered ≥ 0.85 against zero-ablation, asserted)
#   with 16 latents per character; the rest is what it misses. The score depends on its anchor: against
#   a gentler one (the bigram model) it is lower.
# * Fidelity is measured downstream (loss recovered, with its anchor) as well as in the activations
#   (normalised MSE), and beside L0 and the count of dead latents.
# * With Gao et al.'s recipe (pre-encoder bias, tied initialisation, unit-norm decoder with the parallel
#   gradient removed) few latents die at this size; with AuxK, which gives dead latents a gradient at
#   every step, none did here; the benchmark finds it does not save the latents that die at a higher
#   learning rate.
# * A dashboard (contexts, density, histogram, logit effects) turns a latent into a readable hypothesis:
#   "fires on `os` and predicts `.`". Its contexts show only the strongest firings, and its logit effects
#   only what it pushes for. Chapter 11 measures such hypotheses against exact labels from Python's
#   `tokenize`, against the neurons, and against an SAE trained on a random network.
