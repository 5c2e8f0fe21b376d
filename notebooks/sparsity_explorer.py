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
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/sae-course/sparse-autoencoders/blob/main/notebooks/sparsity_explorer.ipynb) [![Launch Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/sae-course/sparse-autoencoders/main?urlpath=lab/tree/notebooks/sparsity_explorer.ipynb)

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
# # Sparsity explorer
#
# Move ρ (the target mean activation) and β (the weight of the KL penalty): a small sparse
# autoencoder retrains on MNIST and redraws its reconstructions, the histogram of its code, and each
# unit's mean activation against ρ. Serve this page on its own with
# `voila notebooks/sparsity_explorer.ipynb`. It trains on the CPU even where there is a GPU: its model
# is small enough that each change retrains in a fraction of a second there.

# %%
# NBVAL_IGNORE_OUTPUT
import sae_lib
from sae_lib.widgets import SparsityExplorer

SparsityExplorer(sae_lib.load_mnist(), rho=0.05, beta=0.1)
