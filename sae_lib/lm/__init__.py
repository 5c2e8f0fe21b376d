"""The language-model half of the course: what an SAE is *for*, on the course's own tiny transformer.

`sae_lib`'s top level is the SAE itself (penalties, model, data, training, metrics, …) and knows nothing of
language models; everything here builds on it, never the other way round:

- `corpus`: the Python-source corpus and its character vocabulary, n-gram baselines;
- `model`: `CharTransformer`, its training, hooks to read and replace its MLP neurons, the shipped weights;
- `concepts`: exact labels from Python's `tokenize` and how specific a unit is to one of them;
- `dashboards`: sparse codes of a text, top contexts, logit effects, the dashboard widget;
- `interventions`: ablating and steering one latent inside the running model;
- `fidelity`: loss recovered with an SAE spliced in, against zero- and mean-ablation;
- `explanations`: an explanation as a predicate over the text, scored over all of a latent's firings;
- `transcoders`: a sparse stand-in for the MLP whose latents read its input and write its output;
- `attribution`: exact attribution graphs through a transcoder, pruned by influence and tested by intervention.
"""

from . import attribution, concepts, corpus, dashboards, explanations, fidelity, interventions, model, transcoders
from .corpus import *  # noqa: F403  (the everyday names: `lm.load_corpus`, `lm.encode`, …)
from .corpus import __all__ as _corpus_all
from .fidelity import lm_anchor_losses, lm_fidelity
from .model import *  # noqa: F403  (`lm.CharTransformer`, `lm.load_pretrained`, …)
from .model import __all__ as _model_all

__all__ = ["concepts", "corpus", "dashboards", "explanations", "fidelity", "interventions", "lm_anchor_losses",
           "lm_fidelity", "model", "attribution", "transcoders", *_corpus_all, *_model_all]
