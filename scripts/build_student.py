"""Write the student edition: every notebook without its reference solutions or their answers (`make student`).

The cells tagged `solution` are the one mark for reference answers (tests/test_solutions.py keeps every answer
tagged and right after the learner's cell). In the edition:

- the solution cells are gone, and the learner's cell before each loses its committed output (the FAIL line), so
  a student starts from a blank attempt;
- outputs that depend on an answer are cleared too: every code cell after an exercise, up to the next markdown
  heading, that calls a checker or uses a name the learner's (or the solution's) cell defines; a student's own
  run fills them in from the student's answer;
- nbval's `# NBVAL_…` markers are removed (they are for the course's tests), and so is the jupytext pairing;
- the launch header's badges open the student edition (`--repository`, `--ref`, the notebook at the root), the
  Colab set-up cell installs sae_lib at the course's version tag, and the edition carries its own README (how to
  open it, the course index), binder/ folder (Binder installs sae_lib from the course's tag) and the lock file.

Every other cell keeps its outputs, figures included. Nothing is executed here. Only nbformat and the standard
library are needed, so `make student` installs nothing else. tests/test_student.py scans the edition for every
known answer, and runs it under nbval.

    python scripts/build_student.py                                 # writes build/student/
    python scripts/build_student.py --out DIR                       # somewhere else
    python scripts/build_student.py --repository https://github.com/ME/sae-students --ref main
"""

from __future__ import annotations

import argparse
import ast
import re
import shutil
from pathlib import Path

import nbformat
import tomllib
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "build" / "student"
SOLUTION = "solution"
HEADER = "launch-header"  # the header cells scripts/sync_notebook_headers.py writes
CHECKER = re.compile(r"\b(exercises\.)?check_\w+\s*\(")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s", re.M)
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
LICENCE = ("Prose and figures © The sparse-autoencoder course contributors, "
           "[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/); code MIT.")
SETUP = """\
# Set-up for Google Colab (anywhere else this cell does nothing): install sae_lib, the course's library, at the
# version this edition was made from. Colab already has torch, matplotlib, seaborn, scikit-learn and ipywidgets.
import sys

if "google.colab" in sys.modules:
    %pip install -q --no-deps "sae_lib @ git+{course}@{tag}"
    from sae_lib.widgets import enable_colab_widgets

    enable_colab_widgets()  # Colab's custom widget manager, so the sliders show"""


def course_repository(root: Path = ROOT) -> str:
    """The course's repository URL, from pyproject.toml ([project.urls] Repository)."""
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def course_tag(root: Path = ROOT) -> str:
    """The course's version tag, `v` + sae_lib/_version.py's __version__ (read as text)."""
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", (root / "sae_lib" / "_version.py").read_text(), re.M)
    if match is None:
        raise SystemExit("sae_lib/_version.py has no __version__ = 'X.Y.Z' line")
    return "v" + match.group(1)


def tags(cell: NotebookNode) -> list[str]:
    return cell.metadata.get("tags", [])


def defined_names(source: str) -> set[str]:
    """Names a cell binds at top level (functions, classes, assignments, for-loops), IPython magics aside."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a cell Python cannot parse: take `name =` and `def name` by pattern
        return set(re.findall(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=", code, re.M)) - {""}
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def uses(source: str, names: set[str]) -> bool:
    """Whether a cell's code mentions any of `names` as a whole word."""
    return any(re.search(rf"(?<![\w.]){re.escape(n)}\b", source) for n in names)


def answer_dependent(cells: list[NotebookNode]) -> set[int]:
    """Indices of the cells whose outputs an answer decides: each solution's attempt cell, and every code cell after
    it, up to the next markdown heading, that calls a checker or uses a name the attempt or the solution defines;
    after a predict-first question, every code cell up to the next heading (what it shows is the answer)."""
    clear = set()
    for i, cell in enumerate(cells):
        if SOLUTION not in tags(cell) or i == 0 or cells[i - 1].cell_type != "code":
            continue
        clear.add(i - 1)
        names = defined_names(cells[i - 1].source) | defined_names(cell.source)
        prediction = "check_prediction" in cells[i - 1].source
        for j in range(i + 1, len(cells)):
            later = cells[j]
            if later.cell_type == "markdown" and HEADING.search(later.source):
                break
            if later.cell_type == "code" and SOLUTION not in tags(later) and (
                    prediction or CHECKER.search(later.source) or uses(later.source, names)):
                clear.add(j)
    return clear


def unmarked(source: str) -> str:
    """A code cell's source without nbval's `# NBVAL_…` marker lines."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("# NBVAL_"))


def header_cells(repository: str, ref: str, name: str, course: str, tag: str) -> list[NotebookNode]:
    """The edition's launch header: badges that open this student notebook, the licence, the Colab set-up cell."""
    github = repository.removeprefix("https://github.com/")
    badges = (f"[![Open In Colab]({COLAB_BADGE})](https://colab.research.google.com/github/{github}/blob/{ref}/{name}) "
              f"[![Launch Binder]({BINDER_BADGE})](https://mybinder.org/v2/gh/{github}/{ref}?urlpath=lab/tree/{name})"
              f"\n\nStudent edition of the course at {tag}. {LICENCE}")
    return [new_markdown_cell(badges, metadata={"tags": [HEADER]}, id="launch-badges"),
            new_code_cell(SETUP.format(course=course, tag=tag), metadata={"tags": [HEADER]}, id="launch-setup")]


def student_notebook(path: Path, repository: str | None = None, ref: str | None = None) -> NotebookNode:
    """The notebook at `path` as students get it (see the module docstring)."""
    nb = nbformat.read(path, as_version=4)
    course, tag = course_repository(), course_tag()
    clear = answer_dependent(nb.cells)
    cells = []
    for i, cell in enumerate(nb.cells):
        if SOLUTION in tags(cell) or HEADER in tags(cell):
            continue
        if cell.cell_type == "code":
            cell.source = unmarked(cell.source)
            if i in clear:
                cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = header_cells(repository or course, ref or f"student-{tag}", path.name, course, tag) + cells
    nb.metadata.get("jupytext", {}).pop("formats", None)
    nb.metadata.pop("widgets", None)  # saved widget state of cleared outputs
    return nb


def readme(repository: str, ref: str, tag: str) -> str:
    """The edition's README: what it is, how to open it, the course index."""
    rows = [line for line in (NOTEBOOKS / "README.md").read_text().splitlines() if line.startswith("|")]
    github = repository.removeprefix("https://github.com/")
    return "\n".join([
        f"# Sparse autoencoders: a course (student edition, {tag})",
        "",
        f"[![Launch Binder]({BINDER_BADGE})](https://mybinder.org/v2/gh/{github}/{ref}?urlpath=lab/tree/) "
        "Each notebook also opens in Colab from the badge at its top.",
        "",
        "These notebooks are the course without its reference solutions. Each exercise cell calls a checker that",
        "prints PASS, or FAIL with a hint; outputs that depend on your answers are empty until you run your own.",
        "Work through them in order:",
        "",
        *rows,
        "",
        "To run them on your own machine (Python 3.10 or later), install the tested versions, then open JupyterLab:",
        "",
        "```bash",
        "python -m venv .venv && . .venv/bin/activate          # Windows: py -m venv .venv; .venv\\Scripts\\activate",
        "pip install -r requirements/lock.txt",
        f'pip install --no-deps "sae_lib @ git+{course_repository()}@{tag}"',
        "jupyter lab",
        "```",
        "",
        f"{LICENCE} The course: {course_repository()}.",
        "",
    ])


def build(out: Path = OUT, repository: str | None = None, ref: str | None = None) -> list[Path]:
    """Write the student edition of every notebook into `out` (emptied first); return the notebooks written."""
    repository, tag = repository or course_repository(), course_tag()
    ref = ref or f"student-{tag}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    written = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        target = out / path.name
        nbformat.write(student_notebook(path, repository, ref), target)
        written.append(target)
    (out / "README.md").write_text(readme(repository, ref, tag), encoding="utf-8")
    (out / "binder").mkdir()
    shutil.copy(ROOT / "binder" / "environment.yml", out / "binder" / "environment.yml")
    (out / "binder" / "postBuild").write_text(
        "#!/bin/bash\n# Binder: sae_lib from the course's tag (this edition has no library of its own).\n"
        "set -euo pipefail\n"
        f'python -m pip install --no-deps --no-cache-dir "sae_lib @ git+{course_repository()}@{tag}"\n'
        'rm -rf "${HOME}/.cache"\n')
    (out / "binder" / "postBuild").chmod(0o755)
    lock = ROOT / "requirements" / "lock.txt"
    if lock.exists():
        (out / "requirements").mkdir()
        shutil.copy(lock, out / "requirements" / "lock.txt")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default {OUT.relative_to(ROOT)})")
    parser.add_argument("--repository", help="the GitHub repository the edition will live in (its badges open it; "
                                             "default: the course's)")
    parser.add_argument("--ref", help="the branch or tag there (default: student-vX.Y.Z)")
    args = parser.parse_args(argv)
    if args.repository and not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", args.repository):
        parser.error(f"--repository must be https://github.com/OWNER/NAME, got {args.repository!r}")
    written = build(args.out.resolve(), args.repository, args.ref)
    removed = sum(SOLUTION in tags(c) for p in written for c in nbformat.read(NOTEBOOKS / p.name, 4).cells)
    print(f"{len(written)} notebooks, {removed} solution cells removed: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
