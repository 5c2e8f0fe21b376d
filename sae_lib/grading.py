"""Grade student notebooks: run each in a fresh kernel and collect what its checkers returned.

Every `exercises.check_*` returns a `CheckResult` and appends it to `sae_lib.exercises.RESULTS`; this module
executes a notebook top to bottom with nbclient (a cell that raises does not stop the run: later checkers still
count), then reads RESULTS out of the kernel. `python -m sae_lib grade NOTEBOOK.ipynb … --csv OUT` writes one row
per checker call. nbclient and nbformat are imported inside the functions: the rest of sae_lib never needs them.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FIELDS", "GradeRow", "grade_notebook", "grade_notebooks", "write_csv"]

FIELDS = ("student_file", "exercise", "passed", "score", "message")
_MARK = "SAE_LIB_GRADING_RESULTS "
# Run in the student's kernel after their last cell: RESULTS as one JSON line (empty when no checker ran).
_COLLECT = f"""\
import json as _json, sys as _sys
_checking = _sys.modules.get("sae_lib.exercises._checking")
print({_MARK!r} + _json.dumps([{{"name": r.name, "passed": r.passed, "score": r.score, "message": r.message}}
                               for r in (_checking.RESULTS if _checking else [])]))"""


@dataclass(frozen=True)
class GradeRow:
    """One checker call in one student's notebook (or, with exercise "(notebook)", why it could not be graded)."""

    student_file: str
    exercise: str
    passed: bool
    score: float
    message: str


def _results(outputs: list) -> list[dict] | None:
    """The checkers' results printed by the collecting cell, or None if it printed none."""
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    line = next((line for line in text.splitlines() if line.startswith(_MARK)), None)
    return None if line is None else json.loads(line[len(_MARK):])


def grade_notebook(path: str | Path, timeout: int = 600, kernel_name: str = "python3") -> list[GradeRow]:
    """Execute the notebook at `path` (from its own folder) and return one row per checker it called."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"not a notebook file (.ipynb): {path}")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_COLLECT))
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    try:
        client.execute()
    except Exception as error:  # a kernel that dies or a cell that times out: the notebook gets one row saying so
        return [GradeRow(path.name, "(notebook)", False, 0.0, f"could not run: {type(error).__name__}: {error}"[:500])]
    results = _results(nb.cells[-1].get("outputs", []))
    if results is None:
        return [GradeRow(path.name, "(notebook)", False, 0.0, "could not read the checkers' results from the kernel")]
    return [GradeRow(path.name, r["name"], bool(r["passed"]), float(r["score"]), r["message"]) for r in results]


def grade_notebooks(paths: list[str | Path], timeout: int = 600) -> list[GradeRow]:
    """Every notebook's rows, in the order given."""
    return [row for path in paths for row in grade_notebook(path, timeout)]


def write_csv(rows: list[GradeRow], out: str | Path) -> Path:
    """Write the rows to `out` as CSV with a header (student_file, exercise, passed, score, message)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow(FIELDS)
        writer.writerows([r.student_file, r.exercise, r.passed, f"{r.score:g}", r.message] for r in rows)
    return out
