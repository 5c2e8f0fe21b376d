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
  or a note with launch links, and the explorer's page says so at the top; every figure gets alt text
  that says what it shows (`alt_text`: the plotting functions' own descriptions, the titles and axis
  labels the cell sets, the sentence of prose before it), never the image's file name;
- the book's launch buttons, like the notebooks' badges, open the course version's tag (`v` +
  sae_lib/_version.py), and its footer carries the licences.

    python scripts/build_book.py            # stage and build
    python scripts/build_book.py --stage    # stage only (build/book/)
    python scripts/build_book.py --out DIR  # stage and build in DIR, the site in DIR/_build/html
"""

from __future__ import annotations

import argparse
import ast
import math
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml
from sync_notebook_headers import EXPLORER, TAG, binder_url, colab_url, release_ref, repository_url

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
STAGE = ROOT / "build" / "book"
HTML = STAGE / "_build" / "html"
SOLUTION = "solution"
WIDGET = "application/vnd.jupyter.widget-view+json"
OBJECTIVE = "**After this notebook you can**"
# Expected time: reading the prose at 100 words a minute (technical text with maths), reading the shown code
# at 10 lines a minute (folded evidence and solution cells aside), 1 minute per figure to read, 10 minutes per
# exercise, 2 per prediction, 5 per interactive widget; rounded up to 5. (Prose, exercises and widgets alone
# gave a lower bound: a chapter's code and figures are read too.)
WORDS_PER_MINUTE, EXERCISE_MIN, PREDICTION_MIN, WIDGET_MIN = 100, 10, 2, 5
CODE_LINES_PER_MINUTE, FIGURE_MIN = 10, 1
IMAGES = ("image/png", "image/jpeg", "image/svg+xml")
ALT_MAX = 300  # characters: a screen reader reads alt text in one go


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
    code_lines: int = 0
    figures: int = 0

    @property
    def docname(self) -> str:
        return f"notebooks/{Path(self.name).stem}"

    @property
    def minutes(self) -> int:
        raw = (self.words / WORDS_PER_MINUTE + self.code_lines / CODE_LINES_PER_MINUTE + FIGURE_MIN * self.figures
               + EXERCISE_MIN * self.exercises + PREDICTION_MIN * self.predictions + WIDGET_MIN * self.widgets)
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
    objective = students_can(paragraphs[0].removeprefix(OBJECTIVE) if paragraphs else summary)
    words = sum(len(text.split()) for text in prose)
    shown = [c for c in nb.cells if c.cell_type == "code" and not hidden(c) and SOLUTION not in tags(c)
             and TAG not in tags(c)]
    code_lines = sum(1 for c in shown for line in c.source.splitlines()
                     if line.strip() and not line.lstrip().startswith("# NBVAL_"))
    figures = sum(any(k in o.get("data", {}) for k in IMAGES) for c in nb.cells for o in c.get("outputs", []))
    return Chapter(name, title, summary, objective, words, len(solutions) - predictions, predictions, widgets,
                   code_lines, figures)


def hidden(cell) -> bool:
    """Whether a code cell is folded in the notebook (an evidence cell): a reader may skip it."""
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden")) or "evidence" in tags(cell)


def students_can(text: str) -> str:
    """An objective in the page's one voice: "Students can …", the learner's "you" made "they"."""
    text = " ".join(text.split()).strip()
    text = re.sub(r"^(after this (notebook|chapter),? )?(you|students) can:?\s*", "", text, flags=re.I)
    for pattern, word in [(r"\byourself\b", "themselves"), (r"\byours\b", "theirs"), (r"\byour\b", "their"),
                          (r"\byou\b", "they"), (r"\bYou\b", "They"), (r"\bYour\b", "Their")]:
        text = re.sub(pattern, word, text)
    return "Students can " + text[:1].lower() + text[1:]


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
        counts = [f"{c.words:,} words of prose", f"{c.code_lines:,} lines of code to read",
                  f"{c.figures} figure{'s' * (c.figures != 1)}", f"{c.exercises} exercise{'s' * (c.exercises != 1)}"]
        if c.predictions:
            counts.append(f"{c.predictions} prediction{'s' * (c.predictions != 1)}")
        if c.widgets:
            counts.append(f"{c.widgets} interactive widget{'s' * (c.widgets != 1)}")
        parts.append(f"**[{c.title}]({c.docname}.ipynb)**: about {c.minutes} min ({', '.join(counts)}).\n"
                     f"{c.objective}")
    rule = (f"Expected times count the prose at {WORDS_PER_MINUTE} words a minute (technical text, with maths), "
            f"the code shown at {CODE_LINES_PER_MINUTE} lines a minute (folded evidence cells and the reference "
            f"solutions aside), {FIGURE_MIN} minute per figure, {EXERCISE_MIN} minutes per exercise, "
            f"{PREDICTION_MIN} per prediction and {WIDGET_MIN} per interactive widget, rounded up to 5 minutes; "
            "they are computed "
            "from the notebooks each time the book is built. Students new to PyTorch may need half as long again "
            "for chapters 02 and 03.")
    return "\n\n".join([*parts, rule])


def widget_note(repository: str, path: str, ref: str) -> str:
    """HTML in place of a widget on a static page: what it needs, and where it runs live."""
    return (
        '<div class="admonition note"><p class="admonition-title">Interactive widget</p>'
        "<p>This widget needs a running Python kernel, which a static page does not have. Open the chapter live "
        f'<a href="{binder_url(repository, "lab/tree/" + path, ref)}">on Binder</a> or '
        f'<a href="{colab_url(repository, path, ref)}">on Colab</a> to use it.</p></div>'
    )


def explorer_note(repository: str, ref: str) -> str:
    """The explorer page's opening note: it cannot retrain here, and where it can."""
    voila = binder_url(repository, "voila/render/" + EXPLORER, ref)
    lab = binder_url(repository, "lab/tree/" + EXPLORER, ref)
    return (
        ":::{note}\n"
        "**This page cannot retrain the model.** Moving ρ or β retrains an autoencoder in Python, and a static "
        "web page has no Python kernel: the picture below is the explorer at its default setting only. "
        f"To move the sliders, open the explorer [as a page of its own, with Voilà on Binder]({voila}), "
        f"or [in JupyterLab on Binder]({lab}), or run `voila {EXPLORER}` on your own machine.\n"
        ":::"
    )


_LABEL = re.compile(r"""(?:set_title|suptitle|title|set_xlabel|xlabel|set_ylabel|ylabel)\s*[(=]\s*f?(["'])(.+?)\1""")
_PLOTTING = ("plot_", "draw_", "show_")


def plot_descriptions(root: Path = ROOT) -> dict[str, str]:
    """Each sae_lib plotting function's name (sae_lib.plots', and plot_/draw_/show_ functions elsewhere) → the first
    paragraph of its docstring (read as text, no import)."""
    found: dict[str, str] = {}
    for path in sorted((root / "sae_lib").rglob("*.py")):
        if "exercises" in path.parts:
            continue
        figures_module = path.stem == "plots"
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module-level functions, not methods
            if (isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
                    and (figures_module or node.name.startswith(_PLOTTING)) and ast.get_docstring(node)):
                found.setdefault(node.name, " ".join(ast.get_docstring(node).split("\n\n")[0].split()))
    return found


def _plain(text: str) -> str:
    """Markdown or a label as plain words: no maths dollars, code ticks, emphasis, link targets or HTML."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\{[^{}]*\}", "…", text) if "$" not in text else text
    return " ".join(text.replace("$", "").replace("`", "").replace("**", "").replace("\\", "").split())


def _first_sentence(markdown: str) -> str:
    """The last paragraph of prose before a figure, its first sentence (headings and lists aside)."""
    paragraphs = [p for p in markdown.split("\n\n") if p.strip() and not p.lstrip().startswith(("#", "|", "```"))]
    if not paragraphs:
        return ""
    sentence = re.split(r"(?<=[.!?:])\s+(?=[A-Z(])", _plain(paragraphs[-1]))[0]
    return sentence.rstrip(":")


def alt_text(source: str, prose: str, descriptions: dict[str, str]) -> str:
    """What a code cell's figure shows, in words: the plotting functions it calls (their docstrings), the titles
    and axis labels it sets, and the sentence of prose before it. Never empty, never a file name."""
    called = [descriptions[name] for name in dict.fromkeys(re.findall(r"\b(\w+)\s*\(", source))
              if name in descriptions]
    labels = list(dict.fromkeys(_plain(m.group(2)) for m in _LABEL.finditer(source)))
    parts = [" ".join(called)] if called else []
    if labels:
        parts.append("Titles and axes: " + "; ".join(labels) + ".")
    sentence = _first_sentence(prose)
    if sentence:
        parts.append(("Context: " if parts else "") + sentence + ("" if sentence.endswith((".", "?", "!")) else "."))
    text = "Figure. " + " ".join(parts) if parts else "Figure drawn by the code cell above (see the text around it)."
    return text if len(text) <= ALT_MAX else text[: ALT_MAX - 1].rsplit(" ", 1)[0] + "…"


def book_notebook(path: Path, repository: str, ref: str | None = None) -> nbformat.NotebookNode:
    """The notebook at `path` as the book shows it (see the module docstring); outputs kept as committed."""
    nb = nbformat.read(path, as_version=4)
    relpath = f"notebooks/{path.name}"
    ref = ref or release_ref(ROOT)
    descriptions = plot_descriptions()
    prose = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and TAG not in tags(cell):
            prose = cell.source
        if any(k in o.get("data", {}) for o in cell.get("outputs", []) for k in IMAGES):
            # MyST-NB's cell-level image options: without an alt, Sphinx writes the image's file path there
            cell.metadata.setdefault("mystnb", {})["image"] = {"alt": alt_text(cell.source, prose, descriptions)}
        if TAG in tags(cell):
            cell.metadata["tags"] = [*tags(cell), "remove-cell"]
        if SOLUTION in tags(cell):
            cell.metadata["tags"] = [*tags(cell), "hide-cell"]
            cell.metadata.setdefault("mystnb", {}).update({"code_prompt_show": "Show the reference solution",
                                                           "code_prompt_hide": "Hide the reference solution"})
        if cell.cell_type == "code":  # nbval's markers are for the tests, not for a reader of the book
            cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("# NBVAL_"))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data:
                del data[WIDGET]
                if "image/png" not in data:
                    data["text/html"] = widget_note(repository, relpath, ref)
    nb.metadata.pop("widgets", None)  # saved widget state would make MyST-NB load the widget manager from a CDN
    if relpath == EXPLORER:
        title = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# "))
        note = nbformat.v4.new_markdown_cell(explorer_note(repository, ref), id="book-explorer-note")
        nb.cells.insert(title + 1, note)
    return nb


_MISTAKE_FUNCTION = re.compile(r"mistake|problem|diagnos", re.I)
TA_NOTES_PER_CHAPTER = 8


def _texts(node: ast.AST) -> list[str]:
    """The sentences of prose in a piece of code: string literals (an f-string's literal parts joined by …) that
    read as a sentence (four words or more, starting with a word), docstrings aside."""
    found = []
    docstrings = {id(n.body[0].value) for n in ast.walk(node) if isinstance(n, ast.FunctionDef)
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    for sub in ast.walk(node):
        if id(sub) in docstrings:
            continue
        if isinstance(sub, ast.JoinedStr):
            found.append("…".join(v.value for v in sub.values if isinstance(v, ast.Constant)))
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            found.append(sub.value)
    sentences = [" ".join(s.split()).strip(" :") for s in found]
    return [s for s in sentences if len(s.split()) >= 4 and s[:1].isalpha() and not s.startswith(("for inputs", "PASS"))
            and not s.endswith(("…", "(", ","))]


def common_mistakes(path: Path) -> tuple[list[str], list[str]]:
    """What an exercise module's checkers name: the mistakes its diagnose functions recognise, and the hints of
    its predict-first questions' wrong options (read as text, nothing imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mistakes = [s for node in ast.walk(tree)
                if isinstance(node, ast.FunctionDef) and _MISTAKE_FUNCTION.search(node.name) for s in _texts(node)]
    if not mistakes:  # no diagnosis of its own: the hints its checkers print on a FAIL
        mistakes = [s for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")
                    for s in _texts(node)]
    predictions = []
    for node in ast.walk(tree):  # PREDICTIONS.update({title: (correct, options, why, {wrong: hint})})
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update"
                and getattr(node.func.value, "id", None) == "PREDICTIONS" and node.args
                and isinstance(node.args[0], ast.Dict)):
            for title, entry in zip(node.args[0].keys, node.args[0].values):
                if isinstance(entry, ast.Tuple) and len(entry.elts) > 3 and isinstance(entry.elts[3], ast.Dict):
                    name = title.value if isinstance(title, ast.Constant) else "a prediction"
                    predictions += [f"{name}: {s}" for s in _texts(entry.elts[3])]
    return list(dict.fromkeys(mistakes)), list(dict.fromkeys(predictions))


def ta_notes(exercises: Path = ROOT / "sae_lib" / "exercises") -> str:
    """The lecturers' page's TA notes: per chapter, the mistakes its checkers name when they see them."""
    parts = []
    for path in sorted(exercises.glob("ch[0-9][0-9]_*.py")):
        mistakes, predictions = common_mistakes(path)
        number = path.stem[2:4]
        lines = [f"- {m}" for m in mistakes[:TA_NOTES_PER_CHAPTER]]
        lines += [f"- *prediction* {p}" for p in predictions[: max(2, TA_NOTES_PER_CHAPTER - len(lines))]]
        more = len(mistakes) + len(predictions) - len(lines)
        if more > 0:
            lines.append(f"- … and {more} more in `sae_lib/exercises/{path.name}`.")
        body = "\n".join(lines) if lines else "- (its checkers name no specific mistake yet; their hints are general)"
        parts.append(f"**Chapter {number}** (`{path.name}`)\n\n{body}")
    return "\n\n".join(parts)


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
    config["repository"]["branch"] = release_ref(ROOT)  # the launch buttons open the version's tag, as the badges do
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    (out / "_toc.yml").write_text(toc(chapters))
    fill = {"intro.md": ("<!-- chapters -->", chapters_table(chapters)),
            "lecturers.md": ("<!-- objectives -->", objectives(chapters))}
    fills = [(name, marker, text) for name, (marker, text) in fill.items()]
    fills.append(("lecturers.md", "<!-- ta-notes -->", ta_notes()))
    for name, marker, text in fills:
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
