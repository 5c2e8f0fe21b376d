"""Learners re-run cells and open notebooks out of order: every code cell must survive running twice in
a row, and every notebook must run on its own (they share no files, only the data cache)."""

import copy
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # see pyproject.toml markers

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LAST_FIRST = sorted(NOTEBOOKS.glob("*.py"), reverse=True)  # the reverse of the course order, each on a fresh kernel


def every_cell_twice(script: Path):
    """The notebook with each code cell followed by a copy of itself."""
    notebook = jupytext.read(script)
    cells = []
    for cell in notebook.cells:
        cells.append(cell)
        if cell.cell_type == "code":
            again = copy.deepcopy(cell)
            if "id" in again:
                again.id = f"{again.id}-again"
            cells.append(again)
    notebook.cells = cells
    return notebook


@pytest.mark.parametrize("script", LAST_FIRST, ids=lambda p: p.stem)
def test_every_cell_can_run_twice(script):
    """Raises CellExecutionError, naming the cell and its traceback, if any cell fails on either run."""
    client = NotebookClient(every_cell_twice(script), timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
