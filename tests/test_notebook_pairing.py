"""Every notebook is paired with a jupytext percent script, and the two hold the same cells."""

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
IPYNB = sorted(NOTEBOOKS.glob("*.ipynb"))


def cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in jupytext.read(path).cells]


def test_every_notebook_and_script_has_its_pair():
    scripts = {p.stem for p in NOTEBOOKS.glob("*.py")}
    assert len(IPYNB) >= 7
    assert {p.stem for p in IPYNB} == scripts


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda p: p.name)
def test_pair_is_in_sync(notebook):
    assert cells(notebook) == cells(notebook.with_suffix(".py")), (
        f"{notebook.name} and its .py differ: run `jupytext --sync {notebook}` (or `make notebooks`)"
    )


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda p: p.name)
def test_committed_notebook_carries_outputs(notebook):
    code = [c for c in jupytext.read(notebook).cells if c.cell_type == "code"]
    assert code and all(c.get("outputs") for c in code if "NBVAL_CHECK_OUTPUT" in c.source)
    assert any(o.get("data", {}).get("image/png") for c in code for o in c.get("outputs", [])) or len(code) < 3


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda p: p.name)
def test_reference_solutions_are_folded_and_follow_a_learners_attempt(notebook):
    """A solution cell hides its code and its output (the PASS line explains the answer), in JupyterLab and Colab,
    and comes right after the learner's own cell, whose committed output is a FAIL saying what to do."""
    cells = jupytext.read(notebook).cells
    for i, cell in enumerate(cells):
        if "solution" not in cell.metadata.get("tags", []):
            continue
        assert cell.metadata.get("jupyter") == {"source_hidden": True, "outputs_hidden": True}, (notebook.name, i)
        assert cell.metadata.get("cellView") == "form", (notebook.name, i)
        attempt = cells[i - 1]
        text = "".join(o.get("text", "") for o in attempt.get("outputs", []))
        assert attempt.cell_type == "code" and text.startswith("FAIL"), (notebook.name, i, text[:80])
