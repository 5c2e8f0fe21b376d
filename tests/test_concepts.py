"""Exact concept labels from tokenize, and the specificity and sparse-probing measures built on them."""

import pytest
import torch

from sae_lib.lm import concepts as C

SOURCE = '''# ---- Lib/x.py ----
class Foo:
    """Doc with # no comment."""
    def bar(self, x=12):
        y = self.value + f(x, [1, 2])  # note
        return "s#" + y
'''


def marked(name: str, labels: C.ConceptLabels, text: str = SOURCE) -> str:
    return "".join(c for c, on in zip(text, labels[name].tolist()) if on)


@pytest.fixture(scope="module")
def labels():
    return C.label_source(SOURCE, tokens=["self", "return"])


def test_strings_docstrings_and_comments_are_told_apart(labels):
    assert marked("docstring", labels) == '"""Doc with # no comment."""'
    assert marked("string", labels) == '"s#"'
    assert marked("comment", labels) == "# ---- Lib/x.py ----# note"  # a # inside a string is not a comment


def test_brackets_indentation_numbers_and_names(labels):
    assert marked("in brackets", labels) == "self, x=12)x, [1, 2])"
    assert marked("indentation", labels) == " " * (4 + 4 + 8 + 8)
    assert marked("number", labels) == "1212"
    assert marked("def/class name", labels) == "Foobar"
    assert marked("attribute of self", labels) == "value"
    assert marked("token:self", labels) == "selfself"
    assert marked("token:return", labels) == "return"
    assert labels.matrix.shape == (len(SOURCE), len(C.SYNTAX) + 2)
    assert labels.base_rates()[labels.names.index("token:return")] == pytest.approx(6 / len(SOURCE))


def test_a_file_that_does_not_tokenize_keeps_its_other_files_labels():
    broken = "# ---- Lib/a.py ----\nx = (1,\n# ---- Lib/b.py ----\ny = 'ok'  # fine\n"
    labels = C.label_source(broken)
    assert marked("string", labels, broken) == "'ok'"
    assert marked("comment", labels, broken).endswith("# fine")


def test_bad_tokens_and_unknown_concepts_are_named():
    with pytest.raises(ValueError, match="keywords or identifiers"):
        C.label_source("x = 1\n", tokens=["not a name"])
    with pytest.raises(KeyError, match="no concept 'strings'"):
        C.label_source("x = 1\n")["strings"]


def test_frequent_names():
    assert C.frequent_names("self.a = self.b\nreturn self\n", 2) == ["self", "a"]


def test_precision_of_top_by_hand():
    acts = torch.tensor([[0.0, 1.0], [3.0, 0.0], [2.0, 5.0], [1.0, 0.0]])
    labels = torch.tensor([[True], [True], [False], [True]])
    p = C.top_precision(acts, labels, k=2)
    assert p[0, 0] == pytest.approx(0.5)  # unit 0's top two are rows 1 (labelled) and 2 (not)
    assert p[1, 0] == pytest.approx(0.5)  # unit 1 is active on rows 2 and 0 only
    dead = C.top_precision(torch.zeros(4, 1), labels, k=2)
    assert dead.isnan().all()


def test_either_sign_scores_a_neuron_on_its_better_side():
    acts = torch.tensor([[-3.0], [-2.0], [1.0], [2.0]])
    labels = torch.tensor([[True], [True], [False], [False]])
    assert C.top_precision(acts, labels, k=2)[0, 0] == 0.0
    assert C.top_precision(acts, labels, k=2, either_sign=True)[0, 0] == 1.0


def test_sparse_probe_finds_the_informative_unit():
    g = torch.Generator().manual_seed(0)
    y = torch.rand(6000, generator=g) < 0.1
    features = torch.randn(6000, 20, generator=g)
    features[:, 7] += 3 * y  # unit 7 carries the concept
    assert C.sparse_probe_f1(features, y, k=1) > 0.9
    assert C.sparse_probe_f1(torch.randn(6000, 20, generator=g), y, k=1) < 0.7
    with pytest.raises(ValueError, match="k must be an integer from 1 to 20, got 0"):
        C.sparse_probe_f1(features, y, k=0)
    with pytest.raises(ValueError, match="at least 10 positives"):
        C.sparse_probe_f1(features, torch.zeros(6000, dtype=torch.bool), k=1)


def test_char_explained_precision_is_what_a_character_lookup_knows():
    ids = torch.tensor([0, 1, 0, 1, 2, 2])
    labels = torch.tensor([[True], [False], [True], [True], [False], [False]])  # P(label | 0) = 1, | 1) = 0.5, | 2) = 0
    values = torch.tensor([[2.0, 1.0], [1.0, 0.0]])
    positions = torch.tensor([[0, 4], [1, 5]])
    explained = C.char_explained_precision(values, positions, ids, labels)
    assert explained[0, 0] == pytest.approx((1.0 + 0.5) / 2)  # unit 0 fires on characters 0 and 1
    assert explained[1, 0] == pytest.approx(0.0)  # unit 1 fires once, on character 2


def test_a_two_character_baseline_explains_a_two_character_pattern():
    # the label holds at "b" only after "a": one character explains half of it, two characters all of it
    ids = torch.tensor([0, 1, 2, 1, 0, 1, 2, 1])
    labels = torch.tensor([[False], [True], [False], [False], [False], [True], [False], [False]])
    values, positions = torch.tensor([[1.0], [1.0]]), torch.tensor([[1], [5]])
    assert C.char_explained_precision(values, positions, ids, labels)[0, 0] == pytest.approx(0.5)
    assert C.char_explained_precision(values, positions, ids, labels, n_chars=2)[0, 0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="n_chars must be a positive integer"):
        C.char_explained_precision(values, positions, ids, labels, n_chars=0)


def test_one_character_share_and_the_tail_curve():
    ids = torch.tensor([3, 3, 4, 5])
    positions = torch.tensor([[0, 2], [1, 3], [2, 0]])  # unit 0: chars 3, 3, 4; unit 1: chars 4, 5 and an inactive one
    values = torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    assert C.one_character_share(positions, values, ids).tolist() == pytest.approx([2 / 3, 0.5])
    best = C.BestConcepts(torch.zeros(3, dtype=torch.long), torch.tensor([0.2, 0.9, float("nan")]), torch.zeros(3))
    assert best.shares(torch.tensor([0.0, 0.5, 0.95])).tolist() == [1.0, 0.5, 0.0]


def test_sparse_features_are_dense_only_where_read():
    indices, values = torch.tensor([[0, 2], [1, 3]]), torch.tensor([[1.0, 2.0], [3.0, 0.5]])
    features = C.SparseFeatures(indices, values, 4)
    assert len(features) == 2 and features.shape == (2, 4)
    assert features[torch.tensor([1, 0])].tolist() == [[0.0, 3.0, 0.0, 0.5], [1.0, 0.0, 2.0, 0.0]]
    with pytest.raises(ValueError, match="alike"):
        C.SparseFeatures(indices, values[:, :1], 4)
