# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Sparsity explorer
#
# Move ρ (the target mean activation) and β (the weight of the KL penalty): a small sparse
# autoencoder retrains on MNIST and redraws its reconstructions, the histogram of its code, and each
# unit's mean activation against ρ. Serve this page on its own with
# `voila notebooks/sparsity_explorer.ipynb`.

# %%
# NBVAL_IGNORE_OUTPUT
import sae_lib
from sae_lib.widgets import SparsityExplorer

SparsityExplorer(sae_lib.load_mnist(), rho=0.05, beta=0.1)
