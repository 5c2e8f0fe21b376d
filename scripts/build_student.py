"""Write the student edition: every notebook without its reference solutions (`make student`).

The cells tagged `solution` are the one mark for reference answers (tests/test_solutions.py keeps
every answer tagged and right after the learner's cell). nbconvert's TagRemovePreprocessor drops them;
the learner's cell before each keeps its code but loses its committed output (the FAIL line), so a
student starts from a blank attempt. Every other cell keeps its outputs, figures included. The jupytext
pairing is dropped: the edition is a hand-out, not a source. Nothing is executed here; CI runs the
edition under nbval (tests/test_student.py) to show every cell runs without an error.

    python scripts/build_student.py               # writes build/student/*.ipynb
    python scripts/build_student.py --out DIR     # somewhere else
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, Preprocessor, TagRemovePreprocessor

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "student"
SOLUTION = "solution"
ATTEMPT = "student-attempt"  # a working tag, set and removed within this script


class MarkAttempts(Preprocessor):
    """Tag the learner's cell that each solution follows, so its output can be cleared."""

    def preprocess(self, nb, resources):
        for before, cell in zip(nb.cells, nb.cells[1:]):
            if SOLUTION in cell.metadata.get("tags", []) and before.cell_type == "code":
                before.metadata["tags"] = [*before.metadata.get("tags", []), ATTEMPT]
        return nb, resources


class ClearAttempts(ClearOutputPreprocessor):
    """Clear the outputs and execution count of the marked attempts only, then drop the working tag."""

    def preprocess_cell(self, cell, resources, index):
        tags = cell.metadata.get("tags", [])
        if ATTEMPT not in tags:
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, index)
        rest = [t for t in tags if t != ATTEMPT]
        if rest:
            cell.metadata["tags"] = rest
        else:
            cell.metadata.pop("tags", None)
        return cell, resources


def student_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path` as students get it: solutions removed, attempts without output."""
    nb = nbformat.read(path, as_version=4)
    resources: dict = {}
    for preprocessor in (
        MarkAttempts(),
        ClearAttempts(),
        TagRemovePreprocessor(remove_cell_tags={SOLUTION}, enabled=True),
    ):
        nb, resources = preprocessor.preprocess(nb, resources)
    nb.metadata.get("jupytext", {}).pop("formats", None)
    return nb


def build(out: Path = OUT) -> list[Path]:
    """Write the student edition of every notebook into `out` (emptied first); return the files written."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        target = out / path.name
        nbformat.write(student_notebook(path), target)
        written.append(target)
    shutil.copy(NOTEBOOKS / "README.md", out / "README.md")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    written = build(args.out.resolve())
    removed = sum(
        SOLUTION in c.metadata.get("tags", []) for p in written for c in nbformat.read(NOTEBOOKS / p.name, 4).cells
    )
    print(f"{len(written)} notebooks, {removed} solution cells removed: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
