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
