"""Build the course's web book from the executed notebooks (`make book`), offline, running none of them.

Jupyter Book 1 (Sphinx, MyST-NB, sphinx-book-theme) builds from PyPI packages alone; book/README.md
says why not Jupyter Book 2. The sources are staged in build/book/ and built into
build/book/_build/html:

- book/ (the configuration, the landing page, the lecturers' page) is copied, with the repository URL
  from pyproject.toml, the table of contents in course order (notebooks/README.md), and the tables of
  chapters, objectives and times, all computed from the notebooks, so a new chapter appears by itself;
- each notebook is copied with its committed outputs and three changes the book needs, none made to
  the source: cells tagged `solution` get MyST-NB's `hide-cell` tag (a dropdown, "Show the reference
  solution"); the launch-header cells are removed (the book has its own launch menu, and the badge
  images would need the network); a widget's output, which needs a kernel, becomes its still picture
  or a note with launch links, and the explorer's page says so at the top.

    python scripts/build_book.py            # stage and build
    python scripts/build_book.py --stage    # stage only (build/book/)
    python scripts/build_book.py --out DIR  # stage and build in DIR, the site in DIR/_build/html
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from sync_notebook_headers import EXPLORER, TAG, binder_url, colab_url, repository_url

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
STAGE = ROOT / "build" / "book"
HTML = STAGE / "_build" / "html"
SOLUTION = "solution"
WIDGET = "application/vnd.jupyter.widget-view+json"
OBJECTIVE = "**After this notebook you can**"
# Expected time: reading the prose at 100 words a minute (technical text with maths, code and figures to
# read alongside), 10 minutes per exercise, 2 per prediction, 5 per interactive widget; rounded up to 5.
WORDS_PER_MINUTE, EXERCISE_MIN, PREDICTION_MIN, WIDGET_MIN = 100, 10, 2, 5


@dataclass(frozen=True)
class Chapter:
    """One notebook of the course, in course order."""

    name: str  # file name, e.g. 01_kl_divergence.ipynb
    title: str
    summary: str  # "what you will be able to do", from notebooks/README.md
    objective: str  # the notebook's own "After this notebook you can ..." paragraph, or the summary
    words: int
    exercises: int
    predictions: int
    widgets: int

    @property
    def docname(self) -> str:
        return f"notebooks/{Path(self.name).stem}"

    @property
    def minutes(self) -> int:
        raw = (self.words / WORDS_PER_MINUTE + EXERCISE_MIN * self.exercises + PREDICTION_MIN * self.predictions
               + WIDGET_MIN * self.widgets)
        return 5 * math.ceil(raw / 5)


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def chapter(name: str, title: str, summary: str) -> Chapter:
    """The chapter `name`, measured from its committed notebook."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    prose = [c.source for c in nb.cells if c.cell_type == "markdown" and TAG not in tags(c)]
    solutions = [c.source for c in nb.cells if SOLUTION in tags(c)]
    predictions = sum("check_prediction" in s for s in solutions)
    widgets = sum(WIDGET in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    paragraphs = [p for text in prose for p in text.split("\n\n") if p.startswith(OBJECTIVE)]
    objective = (
        "Students can " + " ".join(paragraphs[0].removeprefix(OBJECTIVE).split()) if paragraphs else summary
    )
    words = sum(len(text.split()) for text in prose)
    return Chapter(name, title, summary, objective, words, len(solutions) - predictions, predictions, widgets)


def course() -> list[Chapter]:
    """Every notebook, in the order of the course index (notebooks/README.md)."""
    rows = re.findall(r"^\| \[([^\]]+)\]\(([^)]+\.ipynb)\) \| (.*?) \|$", (NOTEBOOKS / "README.md").read_text(), re.M)
    chapters = [chapter(name, title, summary) for title, name, summary in rows]
    missing = {p.name for p in NOTEBOOKS.glob("*.ipynb")} - {c.name for c in chapters}
    if missing:
        raise SystemExit(f"notebooks/README.md does not list {sorted(missing)}: add a row for each (course order)")
    return chapters


def chapters_table(chapters: list[Chapter]) -> str:
    """The landing page's table: each chapter, what it teaches, and about how long it takes."""
    rows = [f"| [{c.title}]({c.docname}.ipynb) | {c.summary} | {c.minutes}\u00a0min |" for c in chapters]
    total = sum(c.minutes for c in chapters)
    hours = f"{total // 60} h {total % 60:02d} min" if total >= 60 else f"{total} min"
    return "\n".join([
        "| chapter | what you will be able to do | time |",
        "|---|---|---:|",
        *rows,
        "",
        f"About {hours} in all, at a learner's pace with the exercises; the computing itself takes under a "
        "minute per chapter on a laptop's CPU. How these times are estimated is on the "
        "[lecturers' page](lecturers.md).",
    ])


def objectives(chapters: list[Chapter]) -> str:
    """The lecturers' page: each chapter's objectives and expected time, and how the time is estimated."""
    parts = []
    for c in chapters:
        counts = [f"{c.words:,} words of prose", f"{c.exercises} exercise{'s' * (c.exercises != 1)}"]
        if c.predictions:
            counts.append(f"{c.predictions} prediction{'s' * (c.predictions != 1)}")
        if c.widgets:
            counts.append(f"{c.widgets} interactive widget{'s' * (c.widgets != 1)}")
        parts.append(f"**[{c.title}]({c.docname}.ipynb)**: about {c.minutes} min ({', '.join(counts)}).\n"
                     f"{c.objective}")
    rule = (f"Expected times count the prose at {WORDS_PER_MINUTE} words a minute (technical text, with maths, "
            f"code and figures to read alongside), {EXERCISE_MIN} minutes per exercise, {PREDICTION_MIN} per "
            f"prediction and {WIDGET_MIN} per interactive widget, rounded up to 5 minutes; they are computed "
            "from the notebooks each time the book is built. Students new to PyTorch may need half as long again "
            "for chapters 02 and 03.")
    return "\n\n".join([*parts, rule])


def widget_note(repository: str, path: str) -> str:
    """HTML in place of a widget on a static page: what it needs, and where it runs live."""
    return (
        '<div class="admonition note"><p class="admonition-title">Interactive widget</p>'
        "<p>This widget needs a running Python kernel, which a static page does not have. Open the chapter live "
        f'<a href="{binder_url(repository, "lab/tree/" + path)}">on Binder</a> or '
        f'<a href="{colab_url(repository, path)}">on Colab</a> to use it.</p></div>'
    )


def explorer_note(repository: str) -> str:
    """The explorer page's opening note: it cannot retrain here, and where it can."""
    voila = binder_url(repository, "voila/render/" + EXPLORER)
    lab = binder_url(repository, "lab/tree/" + EXPLORER)
    return (
        ":::{note}\n"
        "**This page cannot retrain the model.** Moving ρ or β retrains an autoencoder in Python, and a static "
        "web page has no Python kernel: the picture below is the explorer at its default setting only. "
        f"To move the sliders, open the explorer [as a page of its own, with Voilà on Binder]({voila}), "
        f"or [in JupyterLab on Binder]({lab}), or run `voila {EXPLORER}` on your own machine.\n"
        ":::"
    )


def book_notebook(path: Path, repository: str) -> nbformat.NotebookNode:
    """The notebook at `path` as the book shows it (see the module docstring); outputs kept as committed."""
    nb = nbformat.read(path, as_version=4)
    relpath = f"notebooks/{path.name}"
    for cell in nb.cells:
        if TAG in tags(cell):
            cell.metadata["tags"] = [*tags(cell), "remove-cell"]
        if SOLUTION in tags(cell):
            cell.metadata["tags"] = [*tags(cell), "hide-cell"]
            cell.metadata["mystnb"] = {"code_prompt_show": "Show the reference solution",
                                       "code_prompt_hide": "Hide the reference solution"}
        if cell.cell_type == "code":  # nbval's markers are for the tests, not for a reader of the book
            cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("# NBVAL_"))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data:
                del data[WIDGET]
                if "image/png" not in data:
                    data["text/html"] = widget_note(repository, relpath)
    nb.metadata.pop("widgets", None)  # saved widget state would make MyST-NB load the widget manager from a CDN
    if relpath == EXPLORER:
        title = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# "))
        nb.cells.insert(title + 1, nbformat.v4.new_markdown_cell(explorer_note(repository), id="book-explorer-note"))
    return nb


def toc(chapters: list[Chapter]) -> str:
    """Jupyter Book's _toc.yml: the landing page, the chapters in course order, the lecturers' page."""
    return yaml.safe_dump({
        "format": "jb-book",
        "root": "intro",
        "parts": [
            {"caption": "The course", "chapters": [{"file": c.docname} for c in chapters]},
            {"caption": "Teaching", "chapters": [{"file": "lecturers"}]},
        ],
    }, sort_keys=False)


def stage(out: Path = STAGE) -> list[Chapter]:
    """Write the book's sources into `out` (emptied first); return the chapters."""
    repository = repository_url(ROOT)
    chapters = course()
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(SOURCE, out, ignore=shutil.ignore_patterns("_build", "README.md"))
    config = yaml.safe_load((SOURCE / "_config.yml").read_text())
    config["repository"]["url"] = repository
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    (out / "_toc.yml").write_text(toc(chapters))
    fill = {"intro.md": ("<!-- chapters -->", chapters_table(chapters)),
            "lecturers.md": ("<!-- objectives -->", objectives(chapters))}
    for name, (marker, text) in fill.items():
        page = (out / name).read_text()
        if marker not in page:
            raise SystemExit(f"book/{name} has lost its {marker} marker")
        (out / name).write_text(page.replace(marker, text).replace("REPOSITORY_URL", repository))
    (out / "notebooks").mkdir()
    for c in chapters:
        nbformat.write(book_notebook(NOTEBOOKS / c.name, repository), out / "notebooks" / c.name)
    return chapters


def build(out: Path = STAGE) -> Path:
    """Stage and build the book; return the HTML folder. Sphinx warnings fail the build."""
    stage(out)
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or "jupyter-book"
    subprocess.run([jupyter_book, "build", str(out), "--builder", "html", "--warningiserror", "--keep-going"],
                   check=True)
    return out / "_build" / "html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", action="store_true", help="write the sources only, build nothing")
    parser.add_argument("--out", type=Path, default=STAGE,
                        help=f"where to stage and build (default {STAGE.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    if args.stage:
        chapters = stage(args.out.resolve())
        print(f"{len(chapters)} chapters staged in {args.out}")
        return 0
    html = build(args.out.resolve())
    print(f"The book: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
