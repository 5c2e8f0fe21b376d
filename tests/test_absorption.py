"""Absorption measured against a known truth: the synthetic hierarchy and Chanin et al.'s measure on built cases."""

import math

import pytest
import torch

from sae_lib.hierarchy import absorption_report, make_hierarchy
from sae_lib.lm import absorption
from sae_lib.lm.concepts import label_source
from sae_lib.model import SAEConfig, SparseAutoencoder


def test_a_child_fires_only_with_its_parent_and_directions_are_orthonormal():
    tree = make_hierarchy(n_roots=3, n_children=2, dim=12)
    codes, x = tree.sample(3000, torch.Generator().manual_seed(0))
    for child, parent in enumerate(tree.parent):
        if parent >= 0:
            assert codes[:, child].sum() > 0 and (codes[:, child] <= codes[:, parent]).all()
    assert (codes[:, 3:].reshape(3000, 3, 2).sum(dim=2) <= 1).all()  # at most one child per parent
    assert torch.allclose(tree.directions @ tree.directions.T, torch.eye(9), atol=1e-5)
    assert torch.allclose(x, codes @ tree.directions)


@pytest.mark.parametrize("kwargs", [dict(n_roots=0), dict(dim=4), dict(p_root=0), dict(p_child=1.5),
                                    dict(n_children=-1)])
def test_bad_hierarchies_are_a_value_error(kwargs):
    with pytest.raises(ValueError):
        make_hierarchy(**kwargs)


def _absorbing(tree, codes):
    """A hand-built SAE code that absorbs every child: the child latent stands for parent + child."""
    decoder = tree.directions.clone()
    children = [c for c, p in enumerate(tree.parent) if p >= 0]
    for c in children:
        decoder[c] = (tree.directions[c] + tree.directions[tree.parent[c]]) / math.sqrt(2)
    latent = codes.clone()
    has_child = torch.zeros(len(codes), dtype=torch.bool)
    for c in children:
        has_child |= codes[:, c] > 0
    for root in tree.roots:
        kids = tree.children(root)
        latent[codes[:, kids].sum(dim=1) > 0, root] = 0.0
    return decoder, latent


def test_a_faithful_code_absorbs_nothing_and_an_absorbing_one_everything():
    tree = make_hierarchy()
    codes, _ = tree.sample(4000, torch.Generator().manual_seed(1))
    faithful = absorption_report(tree, tree.directions, codes, codes)
    assert faithful.rate == 0 and (faithful.parent_fires_with_child == 1).all()
    assert faithful.child_carries_parent.abs().max() < 1e-5
    decoder, latent = _absorbing(tree, codes)
    absorbed = absorption_report(tree, decoder, codes, latent)
    assert absorbed.rate == 1 and (absorbed.parent_fires_with_child == 0).all()
    assert (absorbed.parent_fires_alone == 1).all()
    assert torch.allclose(absorbed.child_carries_parent, torch.full((12,), 1 / math.sqrt(2)), atol=1e-5)


def test_concept_masks_intersect_exact_labels_and_characters():
    text = 'def f(self):\n    s = "self"\n    return self.f\n'
    labels = label_source(text, tokens=["self"])
    f_of_self = absorption.concept_mask(labels, "char:f & token:self", text)
    assert [i for i in range(len(text)) if f_of_self[i]] == [i for i in range(len(text)) if text[i] == "f" and
                                                             text[i - 3:i + 1] == "self" and text[i - 4] != '"']
    names = absorption.concept_mask(labels, "a name", text)
    assert names[0] and not names[text.index('"self"') + 1]  # `def` is a name; a word in a string is not
    strings = absorption.concept_mask(labels, "any string", text)
    assert strings[text.index('"self"')] and not strings[0]
    with pytest.raises(ValueError, match="one character"):
        absorption.concept_mask(labels, "char:ab", text)
    with pytest.raises(ValueError, match="needs the text"):
        absorption.concept_mask(labels, "char:f")


def _built_case(n=3000, seed=0):
    """Neurons where a general concept is along e0 and a sub-case adds e1, and an SAE whose e0 latent goes silent
    on the sub-case while a latent decoding along e0 + e1 fires there instead."""
    g = torch.Generator().manual_seed(seed)
    general = torch.rand(n, generator=g) < 0.4
    specific = general & (torch.rand(n, generator=g) < 0.3)
    x = 0.05 * torch.randn(n, 4, generator=g)
    x[:, 0] += general.float()
    x[:, 1] += specific.float()
    sae = SparseAutoencoder(SAEConfig(input_dim=4, hidden_dims=(), latent_dim=3, latent_activation="relu",
                                      output_activation="none"))
    with torch.no_grad():
        sae.encoder[0].weight.copy_(torch.tensor([[1.0, -2.0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0]]))
        sae.encoder[0].bias.copy_(torch.tensor([-0.5, -0.5, -0.5]))
        # nn.Linear's weight is [inputs, latents]: latent 0 writes e0, latent 1 (e0 + e1)/√2, latent 2 e2
        sae.decoder[0].weight.copy_(torch.tensor([[1.0, 0.7071, 0], [0, 0.7071, 0], [0, 0, 1.0], [0, 0, 0]]))
        sae.decoder[0].bias.zero_()
    return x, general, specific, sae


def test_measure_absorption_finds_the_built_absorber():
    x, general, specific, sae = _built_case()
    result = absorption.measure_absorption(sae, x, general, specific, ("A", "B"), n_per_class=500)
    assert result.probe_accuracy > 0.95 and result.main_latent == 0
    assert result.false_negative_specific > 0.95 and result.false_negative_rest < 0.05
    assert result.absorption_rate > 0.95 and result.absorbers == (1,)
    assert "A ⊃ B" in str(result)


def test_without_the_absorber_misses_are_not_absorption():
    x, general, specific, sae = _built_case()
    with torch.no_grad():
        sae.decoder[0].weight[:, 1] = torch.tensor([0.0, 0.0, 0.0, 1.0])  # the sub-case latent writes elsewhere
    result = absorption.measure_absorption(sae, x, general, specific, n_per_class=500)
    assert result.false_negative_specific > 0.95 and result.absorption_rate == 0


def test_the_sub_case_must_be_inside_the_general_concept():
    x, general, specific, sae = _built_case()
    with pytest.raises(ValueError, match="sub-case"):
        absorption.measure_absorption(sae, x, general, ~general)


def test_absorption_at_counts_partial_absorption_where_the_main_latent_fires_weakly():
    decoder = torch.tensor([[1.0, 0.0], [0.8, 0.6]])
    direction = torch.tensor([1.0, 0.0])
    codes = torch.tensor([[0.0, 1.0], [0.1, 1.0], [1.0, 0.0]])
    silent, absorbed, partial = absorption.absorption_at(codes, decoder, direction, 0)
    assert silent.tolist() == [True, False, False]
    assert absorbed.tolist() == [True, False, False]
    assert partial.tolist() == [False, True, False]
