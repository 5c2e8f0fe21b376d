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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/v0.2.0/notebooks/13_circuits.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/v0.2.0?urlpath=lab/tree/notebooks/13_circuits.ipynb)
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
# # 13 · From features to circuits
#
# **After this notebook you can** read a *transcoder*, a sparse stand-in for the model's MLP, and compare its
# fidelity and its latents with the SAE's; build an exact *attribution graph* for one prediction, with
# attention patterns and LayerNorm scales frozen, and check that it is complete; prune it by influence and
# read it; predict from it which earlier characters and which latents matter; and test those predictions by
# intervening on the real model, over many prompts.
#
# An SAE says what a layer *holds*. To say how the model *computes* a prediction, the field's 2025 step
# (Ameisen et al., "Circuit tracing"; Anthropic's circuit-tracer; Dunefsky et al. 2024 for transcoders)
# replaces each MLP by a **transcoder**: latents that read the MLP's input and write its output. With the
# active latents, the attention patterns and the LayerNorm denominators held at their values for one prompt,
# everything between the input and a logit is linear, so a prediction splits *exactly* into contributions:
# an attribution graph. Those papers do it on Gemma-class models with a GPU; our one-block character model is
# small enough to do all of it on a CPU in seconds, and to check every edge.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import torch

from sae_lib import checkpoint, exercises, lm, metrics
from sae_lib.lm import attribution, concepts, dashboards, explanations, transcoders

_ = torch.manual_seed(0)
model, _meta = lm.load_pretrained()
sae = checkpoint.load_asset("lm_sae_topk_auxk.pt")  # notebook 10's SAE: 1,024 latents, k = 16, on the 512 neurons
tc, tc_meta = transcoders.load_transcoder("transcoder_s0.pt")  # scripts/train_transcoders.py, seed 0
tc_skip, skip_meta = transcoders.load_transcoder("transcoder_skip_s0.pt")  # the same with the affine skip
corpus = lm.load_corpus()
print(tc)
print(f"trained by its script: {tc_meta['train_config']['steps']:,} steps, each on {tc_meta['train_config']['batch_size']}"
      f" rows drawn from the MLP's input and output at {tc_meta['train_chars']:,} training characters "
      f"({tc_meta['seconds']:.0f} s on one thread of a busy machine)")

# %% [markdown]
# ## A transcoder stands in for the MLP
#
# Block 0's MLP maps its input m = LN2(x), 128 numbers, to its output, 128 numbers, through 512 GELU
# neurons. The transcoder maps the same m to a prediction of the same output through 1,024 latents of which
# only the k = 16 largest are on:
#
# $$z = \mathrm{TopK}(W_\text{enc}\,m + b_\text{enc}), \qquad \hat y = W_\text{dec}\,z + b_\text{dec}\;(+\,W_\text{skip}\,m).$$
#
# It is trained like an SAE, but its target is a *different* vector from its input, so "reconstruction"
# becomes "prediction". Its fidelity is measured the field's way: splice ŷ into the model in place of the
# MLP's output and ask how much of the loss it recovers, between the clean model (1) and the MLP's output
# ablated (0). The SAE is measured the same way on the neurons it reconstructs; mean-ablating the neurons
# and mean-ablating the output are the same edit (fc_out is linear), so that anchor is shared. The loss is
# measured on 8,192 held-out characters here; the benchmark repeats it on 100,000 over three seeds.

# %%
short = lm.encode(corpus.held_out_text[:8_193])
short_io = transcoders.mlp_io(model, short)
fidelity = {"transcoder": transcoders.transcoder_fidelity(model, tc, short, io=short_io)}
anchors = {k: fidelity["transcoder"][k] for k in ("loss_clean", "loss_zero_ablated", "loss_mean_ablated")}
fidelity["transcoder + skip"] = transcoders.transcoder_fidelity(model, tc_skip, short, io=short_io, anchors=anchors)
sae_anchors = dict(anchors, loss_zero_ablated=lm.next_char_loss(model, short, lm.replace_neurons(0, torch.zeros_like)))
fidelity["SAE (on the neurons)"] = lm.lm_fidelity(model, sae, short, anchors=sae_anchors)
print(f"clean loss {anchors['loss_clean']:.3f} nats/char; MLP output mean-ablated {anchors['loss_mean_ablated']:.3f}, "
      f"zero-ablated {anchors['loss_zero_ablated']:.3f}; neurons zero-ablated {sae_anchors['loss_zero_ablated']:.3f}")
print(f"{'':>22} {'loss recovered (zero)':>22} {'(mean)':>7} {'normalised MSE':>15} {'L0':>5}")
for name, f in fidelity.items():
    print(f"{name:>22} {f['loss_recovered']:>22.3f} {f['loss_recovered_mean']:>7.3f} {f['normalized_mse']:>15.3f} "
          f"{f['l0']:>5.1f}")
print(f"dead latents on the script's 100,000 held-out characters: transcoder {tc_meta['fidelity']['dead_fraction']:.1%}, "
      f"with skip {skip_meta['fidelity']['dead_fraction']:.1%}")

# %% [markdown]
# The transcoder recovers nearly as much of the loss as the SAE does, at the same L0 (printed), although it
# must *compute* the MLP's non-linear function rather than copy a vector it is given, and although this SAE
# (chapter 10's) trained on twice the transcoder's characters for more than twice its steps. On the same budget,
# against mean-ablation (the one baseline the two share), they recover the same share of the loss
# (`benchmarks/circuits.py`, three seeds of each: README, *From features to circuits*). Its normalised MSE is
# of the MLP's output, the SAE's of the neurons: different targets, so compare loss recovered, which is in
# the same units for both.
#
# **What the skip connection changes.** $W_\text{skip}\,m$ is a dense linear map from the MLP's input to its
# output. Whatever part of the MLP is linear it carries for free, so the latents only need to account for the
# rest, and the prediction improves at the same k (printed above). The price is in the graph: the skip path
# is not a latent anyone can read, only an edge from the input straight to the output, so more of a
# prediction's attribution runs through an unreadable path. The rest of this notebook uses the plain
# transcoder. How much of the output does the skip path alone carry?

# %%
with torch.no_grad():
    skip_only = short_io[0] @ tc_skip.W_skip + tc_skip.b_dec  # the skip path and the bias, no latents
    latents_only = tc_skip.encode(short_io[0]) @ tc_skip.W_dec + tc_skip.b_dec
print(f"the skip path alone explains {1 - metrics.normalized_mse(short_io[1], skip_only):.0%} of the MLP output's "
      f"variance; the latents alone (without the skip) {1 - metrics.normalized_mse(short_io[1], latents_only):.0%}; "
      f"together {1 - fidelity['transcoder + skip']['normalized_mse']:.0%}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the transcoder stands in for the MLP about as well as the SAE for the neurons; the skip helps.
tc_f, skip_f, sae_f = fidelity["transcoder"], fidelity["transcoder + skip"], fidelity["SAE (on the neurons)"]
assert tc_f["loss_recovered"] > 0.75 and abs(tc_f["loss_recovered_mean"] - sae_f["loss_recovered_mean"]) < 0.1
assert tc_f["l0"] <= 16 and sae_f["l0"] <= 16
assert skip_f["normalized_mse"] < tc_f["normalized_mse"] and skip_f["loss_recovered"] > tc_f["loss_recovered"]
assert tc_meta["fidelity"]["loss_recovered"] > 0.75  # the script's measurement on 100,000 characters agrees

# %% [markdown]
# ## Are the transcoder's latents as readable as the SAE's?
#
# Notebook 11's measures, on 16,384 held-out characters labelled exactly by `tokenize`: **specificity**, the
# top-50 precision of each latent's best concept (and what remains beyond what the characters explain), and
# the **explanation score** of chapter 11's scorer: for 40 live latents of each, drawn at random, the best of
# a few candidate explanations (its most frequent characters, its most frequent two-character endings, its
# best concept), scored over *all* its firings. F1 combines precision (is the story true where it fires?)
# and recall (does it fire wherever the story holds?).

# %%
text = corpus.held_out_text[:16_385]
ids = lm.encode(text)
labels = concepts.label_source(text, tokens=concepts.frequent_names(text, 40))
text_io = transcoders.mlp_io(model, ids)
codes = {"transcoder": transcoders.encode_text(model, tc, ids, mlp_in=text_io[0]),
         "SAE": dashboards.encode_text(model, sae, ids)}
n = len(codes["SAE"].ids)
best = {name: concepts.best_concepts(*c.top(50), ids[:n], labels.matrix[:n]) for name, c in codes.items()}


def explain_latent(name, j):
    """The best-scoring explanation of latent j of `name` over all its firings on the text."""
    acts = codes[name].latent(j)
    concept_name = labels.names[int(best[name].concept[j])]
    candidates = [*transcoders.candidate_explanations(acts, text[:n]),
                  explanations.explain(concept_name, explanations.concept(labels, concept_name))]
    return transcoders.best_explanation(acts, text[:n], candidates=candidates)


def f1(score):
    return 2 * score.precision * score.recall / max(score.precision + score.recall, 1e-12)


generator = torch.Generator().manual_seed(0)
scored = {}
for name, b in best.items():
    live = (~b.precision.isnan()).nonzero().flatten()
    picked = live[torch.randperm(len(live), generator=generator)[:40]].tolist()
    scored[name] = [s for s in (explain_latent(name, j) for j in picked) if s is not None]
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for name, colour in (("SAE", "#0072B2"), ("transcoder", "#E69F00")):
    b = best[name]
    axes[0].hist(b.precision[~b.precision.isnan()].numpy(), bins=20, range=(0, 1), histtype="step", lw=2,
                 density=True, color=colour, label=name)
    axes[1].hist([f1(s) for s in scored[name]], bins=12, range=(0, 1), histtype="step", lw=2, density=True,
                 color=colour, label=name)
axes[0].set(xlabel="top-50 precision of the best concept", ylabel="density of latents", title="specificity")
axes[1].set(xlabel="F1 of the best explanation over all firings", title="explanation score (40 latents each)")
axes[1].legend()
plt.tight_layout()
plt.show()
for name in best:
    s = scored[name]
    print(f"{name:>10}: precision ≥ 0.9 for {best[name].share(0.9):.1%} of live latents, beyond the character ≥ 0.5 "
          f"for {best[name].share(0.5, beyond_char=True):.1%}; best explanation F1 {sum(map(f1, s)) / len(s):.2f}, "
          f"precision {sum(x.precision for x in s) / len(s):.2f} (weakest tenth "
          f"{sum(x.weakest_precision for x in s) / len(s):.2f})")

# %% [markdown]
# By both measures the two are of a kind (printed): a minority of latents is highly specific, and a typical
# latent's best explanation is right on roughly half of its firings or fewer. The transcoder buys the same
# readability as the SAE plus something the SAE cannot give: its latents are pieces of a *computation*,
# each with an input direction and an output direction, which is what a circuit is made of. The
# benchmark repeats the comparison over three seeds (README, *Measured results*).

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the transcoder's latents are about as specific and as explainable as the SAE's.
for measure in (lambda b: b.share(0.9), lambda b: b.share(0.5, beyond_char=True)):
    assert abs(measure(best["transcoder"]) - measure(best["SAE"])) < 0.08
mean_f1 = {name: sum(map(f1, s)) / len(s) for name, s in scored.items()}
assert abs(mean_f1["transcoder"] - mean_f1["SAE"]) < 0.15 and all(0.2 < v < 0.8 for v in mean_f1.values())

# %% [markdown]
# ## An attribution graph for one prediction
#
# Take the model in the middle of a string, `    name = 'Hello, world`, and ask why it gives the closing
# quote `'` the logit it does. Freeze, for this prompt, the three things that are not linear: the attention
# patterns, each LayerNorm's denominator (a position's standard deviation), and which transcoder latents are
# on. Keep the transcoder's **error**, the MLP's true output minus the transcoder's, as a fixed vector. Then
# the logit is a *sum* of contributions from
#
# * each **character**: its embedding minus the mean embedding, carried to the last position by the four
#   frozen heads (and, for the last character, by its own residual stream);
# * each **latent** active at the last position: z_j times its decoder row, read by the unembedding;
# * the **error**, and a **bias** node holding every constant (positional embeddings, LayerNorm and layer
#   biases).
#
# Each latent's pre-activation is in turn a sum of contributions from the characters (through the heads and
# LN2) and the bias. In a one-block model attention runs *before* the MLP, so a latent at an earlier
# position has no path to this prediction: only the last position's latents are nodes. (In a deep model,
# later layers' attention reads earlier positions' latents too, and the graph has latents everywhere.)
#
# ### Exercise 1: predict before you look
#
# Apart from the last few characters, which one character of `    name = 'Hello, world` do you expect the
# graph to say matters most for the closing quote: `"the indentation"`, `"the opening quote"` or
# `"the word name"`?

# %%
answer = None  # "the indentation", "the opening quote" or "the word name"
exercises.check_prediction("which characters close the string", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
exercises.check_prediction("which characters close the string", "the opening quote")

# %%
STRING = "    name = 'Hello, world"
graph = attribution.attribution_graph(model, tc, STRING, "'")
into_latents = graph.adjacency[graph.n_chars:graph.error_node].sum(dim=1)
print(f"{graph.n_chars} characters, {len(graph.latents)} active latents at the last position, error, bias, logit")
print(f"edges into the logit sum to {float(graph.adjacency[graph.logit_node].sum()):+.6f}; the model's centred "
      f"logit is {graph.logit_model:+.6f}")
print(f"largest gap between a latent's incoming edges and its pre-activation in the model: "
      f"{float((into_latents - graph.latent_pre_model).abs().max()):.1e}")
print(f"into the logit: characters {float(graph.adjacency[-1, :graph.n_chars].sum()):+.2f}, latents {float(graph.adjacency[-1, graph.n_chars:graph.error_node].sum()):+.2f}, error {float(graph.adjacency[-1, graph.error_node]):+.2f}, bias {float(graph.adjacency[-1, graph.bias_node]):+.2f}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the graph is complete, here and on 10 more prompts; the opening quote is the far character that matters.
assert graph.completeness_error() < 1e-9  # in the graph's own float64 arithmetic
assert abs(float(graph.adjacency[graph.logit_node].sum()) - graph.logit_model) < 1e-4  # against the float32 model
assert float((into_latents - graph.latent_pre_model).abs().max()) < 1e-4
for start in range(1_000, 16_000, 1_500):  # attribution_graph itself raises if a graph is not complete
    g = attribution.attribution_graph(model, tc, text[start:start + 60], text[start + 60])
    assert g.completeness_error() < 1e-9 and abs(float(g.adjacency[-1].sum()) - g.logit_model) < 1e-4
for prompt in (STRING, '    name = "Hello, world', "    text = 'Hello, world", "    msg = 'file not found"):
    quote = prompt.index("=") + 2
    g = attribution.attribution_graph(model, tc, prompt, prompt[quote])
    effects = g.char_effects()
    assert effects[quote] > max(effects[:4].abs().sum(), effects[4:quote - 3].abs().sum()), prompt

# %% [markdown]
# ### Pruning by influence, and the drawing
#
# Even this small graph has hundreds of edges. circuit-tracer keeps what matters for the logit: normalise
# each node's incoming edges by their absolute values so they sum to 1, take each node's **influence** on the
# logit as the sum over all paths of the products of those shares, keep the nodes that together hold 80 % of
# the influence, and among their edges those that hold 95 % of the edge influence (an edge's share times its
# target's influence). The kept latents are labelled with their best explanation, scored over all their
# firings on the 16,384 held-out characters (precision P, recall R).

# %%
pruned = attribution.prune(graph, node_threshold=0.8, edge_threshold=0.95)
for j in pruned.kept_latents():
    s = explain_latent("transcoder", j)
    graph.explanations[j] = f"{s.sentence} (P {s.precision:.2f}, R {s.recall:.2f})"
    print(f"L{j}: edge into the logit {float(graph.adjacency[-1, graph.latent_node(j)]):+.2f}; {s}")
print("kept characters, most influential first:", ", ".join(f"{STRING[p]!r}@{p}" for p in pruned.kept_chars()))
fig, ax = plt.subplots(figsize=(13, 4.6))
attribution.draw_graph(pruned, ax=ax)
ax.set_title(f"why '{graph.target}' after {STRING.strip()!r}: kept {int(pruned.keep[:graph.error_node].sum())} of "
             f"{graph.error_node} nodes, {int(pruned.edges.sum())} edges (width ∝ |weight|; blue raises, "
             "vermillion lowers)", fontsize=10)
plt.show()

# %% [markdown]
# Read it from the bottom. The prompt runs left to right; boxed characters survived pruning. Most of the
# influence comes from the last few characters, `world`: a word ending is a good moment for a string to
# close. Before `Hello`, only the opening quote survives pruning, and its effect is larger than the
# indentation's or the word `name`'s: a head carries it to the last position, where it raises `'`
# directly and through latents. The latents are labelled with what
# their firings support; their explanations are mostly about the *current* character, with modest
# precision: in a one-block model the latents at the last position see little more than the last few
# characters and what the heads bring. The error and bias nodes are large: the transcoder's error is part
# of every prediction, and a graph that hid it would overstate what the latents explain.
#
# What the graph cannot show is printed next: ablate the opening quote in the real model.

# %%
quote_predicted, quote_actual = attribution.ablate_characters(model, graph, [STRING.index("'")])
print(f"ablating the opening quote: the graph predicts {quote_predicted:+.2f}, the model does {quote_actual:+.2f}")

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the quote's real effect is several times what the graph, with attention frozen, predicts.
assert quote_predicted < 0 and quote_actual < 3 * quote_predicted
kept_positions = pruned.kept_chars()
assert STRING.index("'") in kept_positions and min(kept_positions) == STRING.index("'")  # the only far one kept

# %% [markdown]
# The real drop is several times what the graph predicts. The graph froze the attention *patterns*: it sees
# what a head moves (its OV circuit) but not where the head looks (its QK circuit). The quote does both: it
# is moved to the last position, and it changes where the heads look from there. Attribution graphs with
# frozen attention miss that second role by construction; circuit-tracer's authors list it among their
# graphs' main limitations, and here it is, measured.
#
# ### Exercise 2: write one edge
#
# Write `my_latent_logit_edge(z, w_dec, resid, gain, unembed, target)`: the edge from a latent with
# activation `z` and decoder row `w_dec` [d_model] into the **centred** logit of `target` (the logit minus
# the mean logit), through the final LayerNorm with its denominator frozen at that of `resid` (the last
# position's residual stream before the final LayerNorm; eps 1e-5), its gain `gain` [d_model], and the
# unembedding `unembed` [vocab, d_model]. The LayerNorm's bias is a constant: it belongs to the bias node.

# %%
# NBVAL_CHECK_OUTPUT
def my_latent_logit_edge(z, w_dec, resid, gain, unembed, target):
    raise NotImplementedError  # your code here


exercises.check_latent_logit_edge(my_latent_logit_edge)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_latent_logit_edge(z, w_dec, resid, gain, unembed, target):
    sigma = (resid.var(unbiased=False) + 1e-5).sqrt()  # the frozen denominator
    read = unembed[target] - unembed.mean(dim=0)  # the centred logit's row
    return z * ((w_dec - w_dec.mean()) / sigma * gain) @ read


exercises.check_latent_logit_edge(my_latent_logit_edge)

# %%
top = graph.top_latents(1)[0]
edge = attribution.latent_logit_edge(model, float(graph.activations[graph.latent_node(top) - graph.n_chars]),
                                     tc.W_dec[top], graph.resid_final, lm.VOCAB.index("'"))
print(f"latent {top}: the edge computed alone {edge:+.4f}, the graph's {float(graph.adjacency[-1, graph.latent_node(top)]):+.4f}"
      " (call your function with the same pieces: it gives the same)")

# %% [markdown]
# ## Does the graph predict what interventions do?
#
# A graph is a claim about the model. Test it: switch off the latents the graph says matter most and compare
# the logit's change with what the graph predicts. Predict first: in our one-block model, does ablating the
# graph's top latent change the logit by `"about its edge"`, `"much more than its edge"`, or
# `"nothing: the error absorbs it"`?

# %%
answer = None  # "about its edge", "much more than its edge" or "nothing: the error absorbs it"
exercises.check_prediction("ablating a latent in a one-block model", answer)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# Reference answer, folded so that it does not give the question away: expand the cell to see it.
exercises.check_prediction("ablating a latent in a one-block model", "about its edge")

# %%
for latents in (graph.top_latents(1), graph.top_latents(3)):
    predicted, actual = attribution.ablate_latents(model, tc, graph, latents)
    print(f"ablate {latents}: the graph predicts {predicted:+.3f}, the model does {actual:+.3f}")

# %% [markdown]
# Close, not equal: the graph holds the final LayerNorm's denominator fixed, and removing a latent's write
# changes the residual stream's norm a little. The edit keeps the transcoder's error, as
# `interventions.latent_edit` does for an SAE, so the difference is the latents' doing alone.
#
# ### Exercise 3: predict a steering, then run it
#
# Write `my_steering_prediction(graph, latents, scale)`: the change of the centred logit that the graph
# predicts when each latent in `latents` is set to `scale` times its activation (0 is an ablation, 2 doubles
# it). Each latent's edge is `graph.adjacency[graph.logit_node, graph.latent_node(j)]`.

# %%
# NBVAL_CHECK_OUTPUT
def my_steering_prediction(graph, latents, scale):
    raise NotImplementedError  # your code here


exercises.check_steering_prediction(my_steering_prediction)

# %% cellView="form" jupyter={"outputs_hidden": true, "source_hidden": true} tags=["solution"]
# NBVAL_CHECK_OUTPUT
# Reference solution, folded so that it does not give the exercise away: expand the cell to see it.
def my_steering_prediction(graph, latents, scale):
    edges = sum(float(graph.adjacency[graph.logit_node, graph.latent_node(j)]) for j in latents)
    return (scale - 1) * edges  # each edge becomes scale × itself; nothing else in the graph moves


exercises.check_steering_prediction(my_steering_prediction)

# %%
steered = graph.top_latents(2)
for scale in (0.0, 2.0, 4.0):
    _, actual = attribution.ablate_latents(model, tc, graph, steered, scale=scale)
    print(f"latents {steered} × {scale:g}: the graph predicts "
          f"{attribution.predicted_latent_change(graph, steered, scale):+.3f} (as your function does), "
          f"the model does {actual:+.3f}")

# %% [markdown]
# Switching the latents off or down agrees with the graph about as well as the ablation did; pushing them
# *up* does not: at 4 × their activations the logit rises far less than the straight line the graph draws.
# The graph is a linearisation at this prompt, with the final LayerNorm's denominator frozen; a large write
# grows the residual stream's norm, and the real LayerNorm divides it back down. Steering far from where
# the graph was computed leaves the region where it is exact.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: ablation agrees with the graph within a third; steering up to 4 × falls far short of the straight line.
_, actual_off = attribution.ablate_latents(model, tc, graph, steered, scale=0.0)
predicted_off = attribution.predicted_latent_change(graph, steered, 0.0)
assert predicted_off < 0 and abs(actual_off - predicted_off) < abs(predicted_off) / 3
_, actual_up = attribution.ablate_latents(model, tc, graph, steered, scale=4.0)
assert 0 < actual_up < attribution.predicted_latent_change(graph, steered, 4.0) / 2

# %% [markdown]
# ### Over many prompts, against a control
#
# One prompt proves little. Take 40 held-out windows of 64 characters, each with its true next character as
# the target; for each, ablate the graph's 3 latents with the largest edges into the logit, and as a control
# 3 *other* active latents drawn at random. Do the same for characters: the 3 with the largest whole effect
# on the logit (direct, and through the latents) against 3 random ones, each replaced by the mean
# embedding. Character ablations are the harder test: changing a character changes the attention patterns,
# all three LayerNorms and which latents are on, everything the graph held fixed.

# %%
positions = torch.randint(64, n - 1, (40,), generator=torch.Generator().manual_seed(1)).tolist()
agreement = attribution.intervention_agreement(model, tc, [text[p - 63:p + 1] for p in positions],
                                               [text[p + 1] for p in positions], n=3, seed=0)
summary = agreement.summary()
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, (what, top_rows, random_rows) in zip(axes, (("latents", agreement.top_latents, agreement.random_latents),
                                                     ("characters", agreement.top_chars, agreement.random_chars))):
    ax.scatter(*top_rows.T.numpy(), s=18, color="#0072B2", label="graph's top 3")
    ax.scatter(*random_rows.T.numpy(), s=18, marker="x", color="#D55E00", label="3 random")
    low, high = float(min(top_rows.min(), random_rows.min())), float(max(top_rows.max(), random_rows.max()))
    ax.plot([low, high], [low, high], color="0.5", lw=1, ls="--", label="actual = predicted")
    ax.set(xlabel="change of the logit the graph predicts", ylabel="change in the real model",
           title=f"ablating {what} ({len(top_rows)} prompts)")
axes[0].legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"latents: r(predicted, actual) {summary['latent_corr']:.2f}; the graph's top 3 move the logit more than 3 random"
      f" in {summary['latent_top_beats_random']:.0%} of prompts (mean |change| {summary['latent_top_mean_abs']:.2f} "
      f"against {summary['latent_random_mean_abs']:.2f})")
print(f"characters: r {summary['char_corr']:.2f}; top 3 beat 3 random in {summary['char_top_beats_random']:.0%} "
      f"(mean |change| {summary['char_top_mean_abs']:.2f} against {summary['char_random_mean_abs']:.2f})")

# %% [markdown]
# The latents' points follow the diagonal closely (the correlation is printed), most a little short of it:
# the real change is usually somewhat smaller than the graph's, because the final LayerNorm's denominator,
# frozen in the graph, moves when a large write is removed. The characters' points scatter much more widely,
# mostly short of the diagonal too, the price of every frozen thing unfreezing; yet the graph's choice of
# characters beats the random control in nearly every prompt (printed). A graph is good at *ranking* what
# matters and rougher at saying *how much*. The benchmark repeats this over 200 prompts and three
# transcoder seeds.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: over many prompts the graph's top nodes matter more than random ones, and predictions track actual changes.
assert summary["n_prompts"] >= 35
assert summary["latent_corr"] > 0.8 and summary["latent_top_beats_random"] >= 0.8
assert summary["latent_top_mean_abs"] > 3 * summary["latent_random_mean_abs"]
assert summary["char_corr"] > 0.5 and summary["char_top_beats_random"] >= 0.8
assert summary["char_top_mean_abs"] > 3 * summary["char_random_mean_abs"]

# %% [markdown]
# ## Prompts that teach
#
# Two more predictions, each to make *before* running the cell. (1) After `def load_items` the model
# expects `(`. Which earlier characters does that rest on: the keyword `def`, or something else? (2) After
# `self.path = path` on one line, `self.` on the next: will the model expect `p`, the attribute the file
# just used?

# %%
cases = {"def load_items": "(", "if load_items": "(",
         "    def __init__(self, path):\n        self.path = path\n        self.": "p"}
for prompt, target in cases.items():
    g = attribution.attribution_graph(model, tc, prompt, target)
    probs = model(lm.encode(prompt)[None])[0, -1].softmax(-1).detach()
    effects = g.char_effects()
    order = effects.abs().argsort(descending=True)[:4].tolist()
    print(f"{prompt!r}: P({target!r}) = {probs[lm.VOCAB.index(target)]:.2f} (most likely "
          f"{lm.VOCAB[int(probs.argmax())]!r}); largest effects: "
          + ", ".join(f"{prompt[i]!r}@{i} {float(effects[i]):+.2f}" for i in order))
g_def = attribution.attribution_graph(model, tc, "def load_items", "(")
for what, where in (("the keyword def", [0, 1, 2]), ("the name's last two letters", [12, 13])):
    predicted, actual = attribution.ablate_characters(model, g_def, where)
    print(f"ablating {what}: the graph predicts {predicted:+.2f}, the model does {actual:+.2f}")

# %% [markdown]
# (1) The `(` rests on the *end of the name*: `ms`, the last letters of a word, say "an identifier just
# ended", and identifiers are often called. `def` barely counts, and `if load_items` gets almost the same
# prediction: this model has not learned that a `def` line needs a bracket; it has learned that names are
# often followed by one. Ablating the characters confirms the ranking (printed), though the real drop is
# smaller than the graph's: with `ms` gone, the heads look elsewhere and other latents switch on. (2) After `self.`
# the model expects `_` more than `p`, and the graph's largest effects sit on `self.` itself, not on the
# earlier `path`: copying a token that appeared before needs an *induction* circuit, a head that finds the
# earlier occurrence and a second head that copies what followed it, and that takes two layers (Olsson et al.
# 2022). A one-block model cannot build it, and its graph shows the absence plainly.

# %% cellView="form" jupyter={"source_hidden": true} tags=["evidence"]
# Evidence: the name's end, not def, carries the bracket; the one-block model does not copy the attribute.
effects = g_def.char_effects()
assert effects[12:14].sum() > 5 * effects[0:3].abs().sum()
(_, drop_def), (_, drop_end) = (attribution.ablate_characters(model, g_def, w) for w in ([0, 1, 2], [12, 13]))
assert drop_end < 0 and abs(drop_end) > 3 * abs(drop_def)
p_def, p_if = (model(lm.encode(s)[None])[0, -1].softmax(-1)[lm.VOCAB.index("(")].item() for s in cases if "load" in s)
assert p_def > 0.3 and p_if > 0.3
self_prompt = list(cases)[2]
g_self = attribution.attribution_graph(model, tc, self_prompt, "p")
self_effects = g_self.char_effects().abs()
earlier = self_prompt.index("path = path")  # the attribute the file used just before
assert self_effects[earlier:earlier + 4].sum() < self_effects[-5:].sum() / 5
assert lm.VOCAB[int(model(lm.encode(self_prompt)[None])[0, -1].argmax())] != "p"

# %% [markdown]
# ## Summary
#
# * A **transcoder** predicts the MLP's output from its input through sparse latents. Spliced into the model
#   it recovers nearly as much of the loss as the SAE does for the neurons, at the same L0, and its latents
#   are about as specific and as explainable. A **skip connection** carries the MLP's linear part and lowers
#   the error, at the price of a dense path in every graph.
# * With attention patterns, LayerNorm denominators and the active latents frozen, a prediction is an
#   **exact** sum of contributions: characters through heads, latents, the transcoder's error and constants.
#   Completeness is checked, not assumed: edges into the logit and into each latent sum to the model's values.
# * **Pruning by influence** leaves a graph one can read; labels come from explanations scored over all
#   firings, with their precision printed beside them.
# * **Interventions** test the graph: ablating its top latents moves the logit as predicted and far more than
#   random latents do; ablating its top characters, where everything frozen unfreezes, still beats random
#   characters in nearly every prompt.
# * What the graphs teach about this model: it closes a string partly because of a quote far back, it
#   expects `(` after the end of any name, not because of `def`, and it cannot copy an earlier attribute:
#   that needs two layers.
# * `python benchmarks/circuits.py` repeats the fidelity, interpretability and agreement measurements over
#   three seeds (README, *Measured results*).
