"""Re-run every notebook from its paired .py file and store the outputs in the .ipynb (`make notebooks`).

The .py (jupytext percent format) is the source; each notebook runs top to bottom on a fresh kernel
with notebooks/ as the working directory, exactly as nbval runs it. Pass names to run only some.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(source: Path) -> float:
    """Execute one paired notebook and write its .ipynb with outputs; return the seconds it took."""
    notebook = jupytext.read(source)
    start = time.perf_counter()
    resources = {"metadata": {"path": str(NOTEBOOKS)}}
    # no per-cell timestamps: they would change every cell of the .ipynb on every re-run
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources=resources, record_timing=False).execute()
    seconds = time.perf_counter() - start
    _keep_cell_ids(notebook, source.with_suffix(".ipynb"))
    jupytext.write(notebook, source.with_suffix(".ipynb"), fmt="ipynb")
    return seconds


def _keep_cell_ids(notebook, old_path: Path) -> None:
    """Give each cell the id of the same cell (type and source) in the previous .ipynb, so that a re-run's diff
    shows what changed, not a fresh random id on every cell; new or edited cells keep their fresh id."""
    if not old_path.exists():
        return
    old_ids: dict[tuple[str, str], list[str]] = {}
    for old in jupytext.read(old_path).cells:
        if "id" in old:
            old_ids.setdefault((old.cell_type, old.source), []).append(old["id"])
    for new in notebook.cells:
        ids = old_ids.get((new.cell_type, new.source))
        if ids:
            new["id"] = ids.pop(0)


def main(names: list[str]) -> None:
    sources = sorted(NOTEBOOKS.glob("*.py"))
    if names:
        sources = [s for s in sources if any(name in s.stem for name in names)]
    total = 0.0
    for source in sources:
        seconds = execute(source)
        total += seconds
        print(f"{seconds:6.1f} s  {source.with_suffix('.ipynb').name}")
    print(f"{total:6.1f} s  in all")


if __name__ == "__main__":
    main(sys.argv[1:])
