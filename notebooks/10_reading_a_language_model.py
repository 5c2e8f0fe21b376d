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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/10_reading_a_language_model.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/10_reading_a_language_model.ipynb)
#
# Prose and figures © The sparse-autoencoder course contributors, [CC BY 4.0](https://creativecommons.org/licenses/by/4.0/); code [MIT](https://github.com/sae-course/sparse-autoencoders/blob/v0.2.0/LICENSE).

# %% tags=["launch-header"]
# Set-up for Google Colab (anywhere else this cell does nothing): install sae_lib from the course
# repository. Colab already has torch, torchvision, matplotlib, seaborn, scikit-learn and ipywidgets,
# so --no-deps keeps its versions (upgrading ipywidgets mid-session would need a restart).
import sys

if "google.colab" in sys.modules:
    # %pip install -q --no-deps "sae_lib @ git+https://github.com/sae-course/sparse-autoencoders@v0.2.0"
    from sae_lib.widgets import enable_colab_widgets

    enable_colab_widgets()  # Colab's custom widget manager, so the sliders show

# %% [markdown]
# # 10 · An SAE reads a language model
#
# **After this notebook you can** load a small transformer the course trained on Python's own source
# code, show that its MLP neurons are polysemantic, write the hook that splices a sparse autoencoder's
# reconstruction into the model and measure its **fidelity** as the field does (L0, normalised MSE, and
# the next-character **loss recovered**, read against its anchor), say what TopK SAEs in Gao et al.'s
# recipe change and what the **AuxK** loss does for dead latents, read a latent from its **dashboard**
# (whose top-context picker you write), and score the story a dashboard suggests over **all** of the
# latent's firings.
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
import seaborn as sns
import torch
from IPython.display import HTML, display

from sae_lib import checkpoint, exercises, lm, metrics
from sae_lib.lm import dashboards
from sae_lib.lm.dashboards import feature_dashboard_widget

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
# is what the MLP computes at character r, on the way to predicting character r + 1. From here on we
# work on the first 50,000 held-out characters (49,920 in whole windows of 128).

# %%
text = held_out[:50_000]
neurons = lm.neuron_activations(model, text)
chars = lm.decode(text[:len(neurons)])  # the characters the rows belong to, as one string
on_per_char = (neurons > 0).sum(dim=1)
print(f"neurons: {tuple(neurons.shape)}; positive at a character: {on_per_char.float().mean():.0f} of 512 on "
      f"average, {int(on_per_char.min())} at the fewest, {int(on_per_char.max())} at the most")

# %% [markdown]
# A GELU neuron is exactly zero only at zero, so a neuron is never quite "off", and tens of them are
# positive at a typical character (at the fewest, printed, somewhat fewer than the 16 latents the SAE
# below will use). Density is not what makes neurons a poor unit of analysis, though. What does is that one
# neuron answers to several unrelated things: it is **polysemantic**. Take the neuron whose 20 strongest
# characters are the most varied (the most different characters among them), show where it fires most,
# and test the stories its contexts suggest over *every* character where it is positive with
# `sae_lib.lm.explanations`: an explanation is a predicate over the text (here "the character is a newline",
# …), scored by its **precision** (the share of the unit's firings where it holds), its **recall** (the
# share of the places where it holds on which the unit fires), the precision of the **weakest tenth** of
# the firings, and its **detection** score (balanced accuracy of "fires exactly where the explanation
# holds"; 0.5 is chance).

# %%
from sae_lib.lm import concepts
from sae_lib.lm import explanations as ex

strongest = neurons.topk(20, dim=0).indices  # [20, 512]: each neuron's 20 strongest characters
variety = torch.tensor([len({chars[p] for p in strongest[:, n].tolist()}) for n in range(neurons.shape[1])])
poly = int(variety.argmax())
poly_codes = dashboards.unit_codes(text, neurons[:, poly])
print(f"neuron {poly}: positive on {(neurons[:, poly] > 0).float().mean():.1%} of characters; its 8 strongest contexts:")
display(HTML(dashboards.contexts_html(poly_codes, 0, n_contexts=8)))
labels = concepts.label_source(chars)  # exact labels from Python's tokenize: strings, comments, numbers, …
in_string = (labels["string"] | labels["docstring"]).bool()
after_quote = torch.tensor([r > 0 and chars[r - 1] in "'\"" for r in range(len(chars))])
stories = [ex.explain("the first character inside a string or docstring", lambda t: in_string & after_quote),
           ex.explain("a newline", ex.char_in("\n")),
           ex.explain("in a line's indentation", ex.concept(labels, "indentation"))]
poly_scores = ex.score_table(neurons[:, poly], chars, stories)
for score in poly_scores:
    print(score)

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the neuron has no story: no explanation its contexts suggest covers most of its firings.
assert 0 < int(on_per_char.min()) < 16 < on_per_char.float().mean()
assert max(s.precision for s in poly_scores) < 0.6 and max(s.recall for s in poly_scores) < 0.5

# %% [markdown]
# Its strongest contexts are the first letter inside a string or docstring and the newline after a
# closing `"""`; yet those stories hold for few of its firings, and about half of them are in a line's
# indentation, which its top contexts barely show (precisions printed above). No one story holds on
# most of its firings: the neuron mixes several features. The SAE below is meant to pull such mixtures apart into latents
# that each fire for one reason; whether its latents do, we score the same way.

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
# field splices the reconstruction into the forward pass and measures the next-character cross-entropy
# L_sae. The model takes a hook for this: `model(ids, edit_neurons=hook)` calls `hook(layer, neurons)`
# in each block, with that block's neurons [batch, time, 512], and the block uses whatever the hook
# returns in their place.
#
# ### Exercise 1: the splice hook
#
# Write `splice_hook(sae)`: it returns a hook that hands block 0 the SAE's reconstruction x̂ of its
# neurons (the SAE reads rows of 512: `sae(rows)` returns `(x̂, z)`) and leaves any other block's neurons
# alone (this model has one block; a deeper one would not). The checker splices your hook and the
# library's into the model on the same text and compares the neurons, the logits and the loss with
# `lm.lm_fidelity`'s; its hint names the first difference.

# %%
# NBVAL_CHECK_OUTPUT
def splice_hook(sae):
    def hook(layer, neurons):
        raise NotImplementedError  # your code here
    return hook


exercises.check_splice_hook(splice_hook, model, sae, text)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def splice_hook(sae):
    def hook(layer, neurons):
        if layer != 0:
            return neurons
        x_hat, _ = sae(neurons.flatten(0, 1))  # the SAE reads rows of 512 neurons
        return x_hat.reshape(neurons.shape)
    return hook


exercises.check_splice_hook(splice_hook, model, sae, text)

# %% [markdown]
# A spliced loss means little alone: is 0.3 nats/char more than the clean loss a lot? Two anchors give it
# a scale: the clean model's L_clean, and L_ablated, the loss with the layer *ablated*: neurons set to
# zero (zero-ablation) or to their mean over the text (mean-ablation). The field's score, **loss
# recovered**, is the share of the damage that ablating the layer does which the SAE's reconstruction
# undoes: 1 when the SAE is as good as the real neurons, 0 when it is no better than deleting them,
# below 0 when it is worse (Nanda's replication of Towards Monosemanticity; SAELens's "CE loss score").
#
# ### Exercise 2: loss recovered from three losses
#
# Write it as a function of the three losses. The checker tries cases that include a perfect SAE and one
# worse than ablation; below, your function scores the SAE from the losses `lm.lm_fidelity` measures.

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
# `lm.lm_fidelity` measures every number at once, for both SAEs, on the 50,000 held-out characters; the
# bars show them beside the two n-gram baselines of the first section, measured on the same characters.

# %%
anchors = lm.lm_anchor_losses(model, text, neurons=neurons)  # clean, zero- and mean-ablated: computed once
fidelity = {name: lm.lm_fidelity(model, s, text, neurons=neurons, anchors=anchors)
            for name, s in [("TopK + AuxK", sae), ("TopK", sae_plain)]}
row = fidelity["TopK + AuxK"]
unigram_here = lm.ngram_loss(corpus.train_ids, text, 1)
bigram_here = lm.ngram_loss(corpus.train_ids, text, 2)
names = ["clean", "SAE spliced in", "mean-ablated", "zero-ablated"]
values = [row["loss_clean"], row["loss_sae"], row["loss_mean_ablated"], row["loss_zero_ablated"]]
palette = sns.color_palette("colorblind")
fig, ax = plt.subplots(figsize=(6.5, 2.8))
ax.barh(names[::-1], values[::-1], color=[palette[3], palette[2], palette[0], palette[1]])
for y, v in enumerate(values[::-1]):
    ax.text(v + 0.03, y, f"{v:.3f}", va="center", fontsize=9)
for value, label, style in [(unigram_here, "unigram counts", ":"), (bigram_here, "bigram counts", "--")]:
    ax.axvline(value, color="black", linestyle=style, linewidth=1.2, label=f"{label}: {value:.3f}")
ax.legend(fontsize=8, loc="upper right", framealpha=0.95)
ax.set(xlabel="next-character cross-entropy on held-out text (nats/char)", xlim=(0, max(values) * 1.2),
       title="the model with its MLP neurons replaced, against n-gram baselines")
plt.show()
try:
    yours = f"{my_loss_recovered(row['loss_clean'], row['loss_sae'], row['loss_zero_ablated']):.3f}"
except NotImplementedError:
    yours = "(write Exercise 2 first)"
print(f"loss recovered against zero-ablation: yours {yours}, lm_fidelity's {row['loss_recovered']:.3f} "
      f"(against mean-ablation {row['loss_recovered_mean']:.3f})")
print(f"the SAE adds {row['loss_sae'] - row['loss_clean']:.3f} nats/char to the clean loss; "
      f"L0 {row['l0']:.1f} of 1,024 latents; normalised MSE {row['normalized_mse']:.3f}")

# %% [markdown]
# **Predict first.** The bigram model (next-character counts given the current character) is a model
# too; its loss is the dashed line in the bars. With the bigram model's loss as L_ablated, will the
# SAE's loss recovered be `"higher"`, `"about the same"` or `"lower"` than against zero-ablation?

# %%
answer = None  # "higher", "about the same" or "lower"
exercises.check_prediction("loss recovered against the bigram model", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
exercises.check_prediction("loss recovered against the bigram model", "lower")

# %%
against_bigram = metrics.loss_recovered(row["loss_clean"], row["loss_sae"], bigram_here)
print(f"loss recovered with the bigram model as the anchor: {against_bigram:.2f} "
      f"(against zero-ablation {row['loss_recovered']:.2f})")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the SAE stands in for the neurons; the ablations fall below character counts; the anchor matters.
assert row["loss_recovered"] >= 0.85, "the SAE the notebook reads must stand in for the neurons"
assert row["loss_clean"] < row["loss_sae"] < min(row["loss_mean_ablated"], row["loss_zero_ablated"])
assert abs(row["l0"] - 16) < 0.01
assert min(row["loss_zero_ablated"], row["loss_mean_ablated"]) > unigram_here  # the ablations break the model
assert against_bigram < row["loss_recovered"] - 0.1
assert abs(row["loss_zero_ablated"] - row["loss_mean_ablated"]) < 0.1 * (row["loss_zero_ablated"] - row["loss_clean"])

# %% [markdown]
# The SAE keeps most of what the layer does with 16 active latents per character instead of 512 dense
# neurons, but not all: the extra loss it adds (printed) is the part of the layer's work its latents
# miss, the "dark matter" that larger SAEs shrink but, so far, never close (in GPT-2 and Gemma too).
# Both ablations break the model so badly that it falls below character counts (the unigram line), and
# on these characters zeroing and averaging the neurons cost about the same. Against anchors that
# destructive the score is flattering: it measures mostly the distance between a broken model and a
# working one. Against the bigram model, which knows nothing of context beyond one character, the same
# SAE recovers less (printed): the gap to the clean loss is smaller, so the SAE's extra loss is a
# larger share of it. Read loss recovered beside its anchor and beside the extra loss in nats/char.
#
# ## Dead latents, with and without AuxK
#
# The two SAEs differ only in the AuxK loss (same data, seed and steps). A latent is *dead* here if it
# fires on none of the 50,000 held-out characters. The panels show how often the others fire (log
# scale), and the dead ones as a bar of their own at the left.

# %%
codes = {name: dashboards.encode_text(model, s, text, neurons=neurons)
         for name, s in [("TopK + AuxK", sae), ("TopK", sae_plain)]}
dead = {name: int((c.density() == 0).sum()) for name, c in codes.items()}
fig, axes = plt.subplots(1, 2, figsize=(10, 2.8), sharey=True)
for ax, (name, c) in zip(axes, codes.items()):
    density = c.density()
    live = density[density > 0].log10().numpy()
    bins = torch.linspace(-5, 0, 41).numpy()
    ax.hist(live, bins=bins, color=palette[0], label="live latents")
    ax.bar(-5.6, dead[name], width=0.4, color=palette[3], hatch="//", label="dead (never fire)")
    ax.text(-5.6, max(dead[name], 1) * 1.3, f"{dead[name]} dead", ha="center", va="bottom", fontsize=9)
    ax.set(xlabel="log10 firing density", title=f"{name}: {dead[name]} of 1,024 dead", xlim=(-6, 0))
    ax.set_yscale("symlog", linthresh=10)
axes[0].set_ylabel("latents")
axes[0].legend(fontsize=8, loc="upper left")
plt.tight_layout()
plt.show()
for name, r in fidelity.items():
    path = checkpoint.asset_path("lm_sae_topk_auxk.pt" if "+" in name else "lm_sae_topk.pt")
    print(f"{name:>12}: dead {dead[name]}, loss recovered {r['loss_recovered']:.3f}, normalised MSE "
          f"{r['normalized_mse']:.4f}; dead during training at each epoch's end: "
          f"{checkpoint.load_metadata(path)['dead_latents_per_epoch']}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: AuxK's SAE has no more dead latents here, and the same fidelity.
assert dead["TopK + AuxK"] <= dead["TopK"]
assert abs(fidelity["TopK + AuxK"]["loss_recovered"] - fidelity["TopK"]["loss_recovered"]) < 0.02

# %% [markdown]
# Here the SAE trained with AuxK has fewer dead latents than the one without (counted above, and at each
# epoch's end of training), and fidelity hardly changes. That is one seed, and a handful of latents:
# not a measured benefit. `python benchmarks/language_model.py` repeats the comparison over three seeds
# at this learning rate and at three times it (README, *Measured results*): at this rate a few latents
# die per seed with or without AuxK, and the counts with AuxK are within the spread of the counts
# without it (a seed without AuxK had none dead), so three seeds cannot tell AuxK's effect from seed
# noise; at the higher rate dozens of latents die with or without it. A likely reason (not measured
# here): AuxK keeps the largest *positive* pre-activations of dead latents (through a ReLU, as Gao et
# al.'s code does), so a latent whose pre-activations have all turned negative gets no gradient from it
# either. The tests of `sae_lib` train a case where AuxK does help: most latents of a small TopK SAE
# dead, some with positive pre-activations left, and AuxK revives a share of them.

# %% [markdown]
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
# `dashboards.encode_text` encoded every character once and keeps the codes sparse (16 values a row), so
# each dashboard below takes milliseconds. The three latents are picked by a rule you can read: for each
# of three next characters, the latent whose decoder direction promotes it most.

# %%
effects = sae.dictionary @ model.neuron_logit_weights()  # [latents, 97]: every latent's direct logit effect
chosen = {c: int(effects[:, lm.VOCAB.index(c)].argmax()) for c in ["s", ".", "e"]}
print("the latent that most promotes each character:", chosen)
main_codes = codes["TopK + AuxK"]
for j in chosen.values():
    display(HTML(dashboards.dashboard_html(model, sae, main_codes, j, n_contexts=6)))

# %% [markdown]
# Read them before the prose does, and write down a story for each. Then test the stories over **all**
# firings, as we did for the neuron. A story that names two characters must also beat the simplest
# rival of its kind: the (previous, current) pair of characters the latent fires on most often. If the
# pair does as well, the latent is a two-character detector, and "it knows which word it is in" is not
# shown.

# %%
from collections import Counter


def top_pair(j):
    """The (previous, current) character pair latent j fires on most often, as an explanation: the baseline."""
    positions = (main_codes.latent(j) > 0).nonzero().flatten().tolist()
    pair = Counter(chars[p - 1:p + 1] for p in positions if p > 0).most_common(1)[0][0]
    return ex.explain(f"the pair {pair!r}", ex.ends_with(pair))


in_prose = (labels["comment"] | labels["docstring"] | labels["string"]).bool()  # tokenize's exact labels
story = {chosen["s"]: ex.explain("the y of sy (sys, syntax, system)", ex.ends_with("sy", "SY")),
         chosen["."]: ex.explain("the s of os", ex.ends_with("os")),
         chosen["e"]: ex.explain("the h of th in prose (comments, docstrings, strings)",
                                 lambda t: ex.ends_with("th", "Th", "TH")(t) & in_prose)}
scores = {}
for j, explanation in story.items():
    scores[j] = (ex.score_latent(main_codes.latent(j), chars, explanation),
                 ex.score_latent(main_codes.latent(j), chars, top_pair(j)))
    print(f"latent {j:>4}  story    {scores[j][0]}\n             baseline {scores[j][1]}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the sy story is its pair; the os story misses most firings; the th story beats its pair on recall.
sy, dot, th = (scores[chosen[c]] for c in "s.e")
assert sy[0].precision > 0.6 and sy[1].precision > 0.6 and sy[1].recall > 0.9  # the pair is the whole story
assert dot[0].precision < 0.3 and dot[0].mass_precision < 0.5 and dot[0].recall > 0.5
assert th[0].recall > th[1].recall + 0.1 and abs(th[0].precision - th[1].precision) < 0.1
assert max(s.weakest_precision for s, _ in scores.values()) < 0.1

# %% [markdown]
# Three stories, three verdicts (scores printed above):
#
# * The `s` latent fires on the `y` of `sy` (sys, syntax, system) and promotes the `s` of `sys`. Its
#   baseline pair is `sy` itself, and the latent fires on nearly every `sy` in the text: it is a
#   **two-character** feature. Nothing here shows that it knows which word it is in.
# * The `.` latent's top contexts are all the `s` of `_os` (`_os.path`, `_os.fspath`), but that story
#   holds for a small share of its firings and of its activation mass. It fires on most `os` in the text
#   (recall), and on many other things besides, weakly: its dashboard shows its best moments, not what
#   it does. No one-line story fits it.
# * The `e` latent fires on the `h` of `th` and predicts `e`. Restricting the story to prose (comments,
#   docstrings, strings, from `tokenize`'s exact labels) keeps its precision and raises its recall well
#   above the plain pair's: among the `th`s, it prefers those in English. That is beyond the pair.
#
# In every case the weakest tenth of the firings matches the story almost never: what a latent does when
# it fires weakly is not what its dashboard shows. The histograms of their activations (log scale) say
# how much the dashboard leaves out: the dashed line is the weakest of the six contexts it displays.

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 2.8), sharey=True)
for ax, j in zip(axes, chosen.values()):
    dashboards.plot_activation_histogram(main_codes, j, ax=ax, n_shown=6)
axes[0].set_yscale("log")
plt.tight_layout()
plt.show()

# %%
weak = {}
for j in chosen.values():
    acts = main_codes.latent(j)
    shown = acts[dashboards.top_contexts(main_codes, j, 6)].min()  # the weakest of the six contexts displayed
    weak[j] = (acts[acts > 0] < shown / 2).float().mean().item()
    print(f"latent {j:>4}: {weak[j]:.0%} of its firings are below half the weakest activation its dashboard shows")
assert max(weak.values()) > 0.8 and min(weak.values()) < 0.5, weak

# %% [markdown]
# For the `.` latent nearly all firings lie far to the left of the line, under half the weakest
# activation its dashboard shows; for the other two a minority do (printed). Anthropic's dashboards
# sample every activation range for this reason.
#
# ### Exercise 3: a top-context picker
#
# A dashboard's contexts are the latent's largest activations, but a latent often fires on several
# neighbouring characters (`KEY_MAP`), and a list of raw top positions would then show one context
# several times. Write the picker the dashboards use: given a latent's activations `acts` (one value per
# character), return the positions of its `n` largest activations, largest first, each at least
# `min_gap` characters from every position already chosen, and only where the latent fires (> 0). The
# checker compares it with `dashboards.top_contexts` on small cases and on two real latents.

# %%
# NBVAL_CHECK_OUTPUT
def my_top_contexts(acts, n, min_gap):
    raise NotImplementedError  # your code here


exercises.check_top_contexts(my_top_contexts, main_codes)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_top_contexts(acts, n, min_gap):
    chosen_positions = []
    for position in torch.argsort(acts, descending=True).tolist():
        if acts[position] <= 0 or len(chosen_positions) == n:
            break
        if all(abs(position - c) >= min_gap for c in chosen_positions):
            chosen_positions.append(position)
    return chosen_positions


exercises.check_top_contexts(my_top_contexts, main_codes)

# %% [markdown]
# Logit effects are a story too. For each chosen latent, the share of its top 20 contexts in which the
# next character is the one it promotes most, against how often that character follows *any*
# character (its base rate). The latent that most promotes `'` is in the list as a warning; its
# dashboard first.

# %%
quote_latent = int(effects[:, lm.VOCAB.index("'")].argmax())
display(HTML(dashboards.dashboard_html(model, sae, main_codes, quote_latent, n_contexts=6)))

# %%
def next_char_hits(j, c, n=20):
    """Share of latent j's top n contexts whose next character is c."""
    positions = dashboards.top_contexts(main_codes, j, n=n)  # at least 20 characters apart: distinct contexts
    return sum(chars[p + 1] == c for p in positions if p + 1 < len(chars)) / len(positions)


hits = {c: next_char_hits(j, c) for c, j in [*chosen.items(), ("'", quote_latent)]}
for c, j in [*chosen.items(), ("'", quote_latent)]:
    base = (text[1:] == lm.VOCAB.index(c)).float().mean().item()
    print(f"latent {j:>4} (promotes {c!r} most): next character is {c!r} in {hits[c]:.0%} of its top 20 contexts "
          f"(base rate {base:.1%})")
quote_scores = ex.score_table(main_codes.latent(quote_latent), chars, [
    ex.explain("a letter after a hyphen", lambda t: ex.char_in("abcdefghijklmnopqrstuvwxyz")(t)
               & torch.tensor([r > 0 and t[r - 1] == "-" for r in range(len(t))])),
    ex.explain("a p or an f", ex.char_in("pf")), top_pair(quote_latent)])
for score in quote_scores:
    print(f"latent {quote_latent}: {score}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the chosen latents predict their character; the quote latent's pushes do not show, and p/f fits it.
for c in chosen:
    base = (text[1:] == lm.VOCAB.index(c)).float().mean().item()
    assert hits[c] > 5 * base, f"latent {chosen[c]} should predict {c!r} far above its base rate"
assert hits["'"] < 0.5
assert quote_scores[0].sentence == "a p or an f" and quote_scores[0].precision > 0.75
assert min(s.precision for s in quote_scores if "hyphen" in s.sentence) < 0.1

# %% [markdown]
# The three chosen latents predict what follows them. The `'` latent does not, in its own top contexts,
# and its top contexts mislead twice: several are a letter after a hyphen (`top-level`, `path-based`),
# but that story holds for almost none of its firings; what fits them (scores above) is simply "a `p`
# or an `f`", as in `path`, `file` and `from`, where the next character is the word's next letter.
# `'` comes first among the characters it promotes only by a little: its push toward `'` is real but
# small, one term of a sum that the rest of the residual outweighs. Logit effects say what a latent
# pushes for, not what the model will predict: they too are a hypothesis to check.
#
# The picker below shows any latent's dashboard: type a number from 0 to 1,023 (it redraws in a fraction
# of a second). Most latents you pick will look meaningful, and that is the warning of chapter 11: SAEs
# trained on a *randomly initialised* transformer also produce dashboards that look meaningful, so a
# dashboard is a hypothesis, not a result, until it is scored.

# %%
feature_dashboard_widget(model, sae, main_codes, latent=chosen["."])

# %% [markdown]
# ### Exercise 4: predict a logit effect, then how far the top contexts mislead
#
# Below are the top contexts of latent 950, cut at the character where it peaks (so you see what it has
# read, not what came next). Which next characters does its decoder direction promote most?
# **A**: `_` and capital letters; **B**: lower-case letters; **C**: an opening bracket `(`. Decide from
# what it has read, then run the check, and only then open its dashboard in the picker above.

# %%
display(HTML(dashboards.contexts_html(main_codes, 950, n_contexts=8, after=0)))

# %%
answer = None  # "A", "B" or "C"
exercises.check_prediction("what latent 950 promotes", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
exercises.check_prediction("what latent 950 promotes", "A")

# %% [markdown]
# Its top contexts are all capital letters inside names. Of **all** its firings, what share is on a
# capital letter or an underscore: `"over 90%"`, `"between 40% and 90%"` or `"under 40%"`? Its density
# (in its dashboard) is a clue.

# %%
answer = None  # "over 90%", "between 40% and 90%" or "under 40%"
exercises.check_prediction("how many of latent 950's firings are capitals", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
exercises.check_prediction("how many of latent 950's firings are capitals", "between 40% and 90%")

# %%
import re


def in_caps_name(t):
    """Holds on every character of a name with no lower-case letter and at least one capital (MATCH_KEYS)."""
    mask = torch.zeros(len(t), dtype=torch.bool)
    for m in re.finditer(r"[A-Z0-9_]*[A-Z][A-Z0-9_]*", t):
        if m.end() - m.start() > 1:
            mask[m.start():m.end()] = True
    return mask


caps_scores = ex.score_table(main_codes.latent(950), chars, [
    ex.explain("a capital letter or _", ex.char_in("ABCDEFGHIJKLMNOPQRSTUVWXYZ_")),
    ex.explain("inside an ALL-CAPS name", in_caps_name), ex.explain("a space", ex.char_in(" "))])
for score in caps_scores:
    print(f"latent 950: {score}")
space_share = ex.score_latent(main_codes.latent(950), chars, ex.explain("space", ex.char_in(" "))).quantile_precision

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: latent 950's strong firings are capitals, its weak ones mostly spaces.
capitals = next(s for s in caps_scores if s.sentence == "a capital letter or _")
assert 0.4 < capitals.precision < 0.9 and capitals.weakest_precision < 0.1 and capitals.quantile_precision[-1] > 0.9
assert space_share[0] > 0.5

# %% [markdown]
# "Capitals" is true of its strongest firings (the strongest tenth is nearly all capitals, printed as
# precision per tenth below) and of about two thirds of all of them. Its weakest tenth is mostly spaces,
# which its dashboard never shows. A story for this latent has to say "when it fires strongly".

# %%
print("latent 950, share of firings on a capital or _, per tenth of its activations (weakest first):",
      " ".join(f"{p:.2f}" for p in capitals.quantile_precision))

# %% [markdown]
# ## Summary
#
# * The course's transformer reads Python one character at a time and beats character counts by far
#   (numbers above). Its 512 MLP neurons are dense (tens positive at every character), but the reason to
#   read an SAE instead is that a neuron is **polysemantic**: the most varied neuron fires on the first
#   letter of strings, after a closing docstring and in indentation, and no story fits most of its firings.
# * You wrote the splice hook that hands the model an SAE's reconstruction in place of its neurons. With
#   1,024 latents and k = 16, it keeps most of the loss the layer is worth (loss recovered ≥ 0.85 against
#   zero-ablation, asserted); the score depends on its anchor: against the bigram model it is lower.
# * Fidelity is measured downstream (loss recovered, with its anchor) as well as in the activations
#   (normalised MSE), and beside L0 and the count of dead latents. AuxK's effect on the few dead latents
#   at this size is within seed noise; at a higher learning rate it does not save the latents that die.
# * A dashboard (contexts, density, histogram, logit effects) turns a latent into a hypothesis, and an
#   explanation scored over all firings tests it: one story held as a two-character detector, one
#   (`th` in prose) went beyond its pair, and two ("the `s` of `os`", "a letter after a hyphen") held only
#   for a latent's strongest moments or not at all. Every story was rewritten to what its score says.
#   Chapter 11 scores latents against exact labels from Python's `tokenize` in bulk, against the neurons,
#   and against an SAE trained on a random network.
