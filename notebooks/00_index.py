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
# # Sparse autoencoders: the course
#
# Work through the notebooks in order; each one ends with a summary and has exercises that check
# themselves. Every figure comes from `sae_lib`, the small library beside these notebooks.
#
# | notebook | what you will be able to do |
# |---|---|
# | [01 · The KL-divergence sparsity penalty](01_kl_divergence.ipynb) | derive KL(ρ‖ρ̂), plot it against L1 and L2, check its gradient against autograd and finite differences |
# | [02 · The model](02_model.ipynb) | load MNIST (download, cache or offline sample), build the autoencoder, follow shapes and count parameters |
# | [03 · Training](03_training.ipynb) | train the classic 784→128→32→128→784 model with reconstruction + β·KL, compare with β = 0 |
# | [04 · Testing](04_testing.ipynb) | measure test MSE, error per digit, mean ρ̂, L0, dead units and variance explained over a β sweep |
# | [05 · Latent visualisation](05_latent_visualisation.ipynb) | read a code from its histogram, heatmap, mean activations, decoder features and class averages |
# | [06 · Dictionary learning on neural data](06_dictionary_learning_neural_data.ipynb) | recover a known dictionary from synthetic recordings with an over-complete L1 SAE, against scikit-learn |
# | [Sparsity explorer](sparsity_explorer.ipynb) | move ρ and β and watch a model retrain, as a standalone page (`voila`) |

# %%
import sae_lib

print(f"sae_lib is ready; training will use {sae_lib.default_device()}")
