"""The book's sources, as scripts/build_book.py stages them (fast; the built site is read by a browser in
tests/test_book_browser.py): chapters in course order, solutions folded, nothing that needs the network."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # build_book imports sync_notebook_headers, as it does when run
spec = importlib.util.spec_from_file_location("build_book", ROOT / "scripts" / "build_book.py")
book = sys.modules["build_book"] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
spec.loader.exec_module(book)
COURSE_ORDER = re.findall(r"^\| \[[^\]]+\]\(([^)]+\.ipynb)\) \|", (ROOT / "notebooks" / "README.md").read_text(), re.M)


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    book.stage(out)
    return out


@pytest.mark.slow  # stages the whole book: 5 s
def test_toc_is_the_landing_page_then_every_chapter_in_course_order_then_lecturers(staged):
    toc = yaml.safe_load((staged / "_toc.yml").read_text())
    assert toc["root"] == "intro"
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert files == [f"notebooks/{Path(n).stem}" for n in COURSE_ORDER] + ["lecturers"]
    assert {f"{Path(f).name}.ipynb" for f in files[:-1]} == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}


@pytest.mark.slow  # stages the whole book: 5 s
def test_config_builds_offline_from_committed_outputs(staged):
    config = yaml.safe_load((staged / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["repository"]["url"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    assert "sphinx-mathjax-offline" in config["sphinx"]["extra_extensions"]  # MathJax from the site, not a CDN
    assert config["sphinx"]["config"]["nb_ipywidgets_js"] == {}  # no widget manager from a CDN
    assert not config["launch_buttons"]["thebe"]


@pytest.mark.slow  # stages the whole book: 5 s
def test_landing_and_lecturers_pages_are_filled_in(staged):
    intro, lecturers = (staged / "intro.md").read_text(), (staged / "lecturers.md").read_text()
    assert "<!--" not in intro + lecturers and "REPOSITORY_URL" not in intro
    for name in COURSE_ORDER:
        assert f"(notebooks/{name})" in intro and f"(notebooks/{name})" in lecturers
    assert len(re.findall(r"\| \d+\u00a0min \|", intro)) == len(COURSE_ORDER)
    assert "make student" in lecturers and "Students can" in lecturers


@pytest.mark.slow  # stages the whole book: 5 s
@pytest.mark.parametrize("name", COURSE_ORDER)
def test_chapter_folds_solutions_and_needs_no_network(name, staged):
    source = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    staged_nb = nbformat.read(staged / "notebooks" / name, as_version=4)
    tags = lambda c: c.metadata.get("tags", [])
    solutions = [c for c in staged_nb.cells if "solution" in tags(c)]
    assert len(solutions) == sum("solution" in tags(c) for c in source.cells)
    assert all("hide-cell" in tags(c) and c.metadata["mystnb"]["code_prompt_show"] == "Show the reference solution"
               for c in solutions)
    assert all("remove-cell" in tags(c) for c in staged_nb.cells if book.TAG in tags(c))
    assert "widgets" not in staged_nb.metadata
    shown = [c for c in staged_nb.cells if "remove-cell" not in tags(c)]
    assert book.WIDGET not in json.dumps(staged_nb)  # a widget's output is its still picture or a note
    assert not any("badge" in c.source for c in shown)  # badge images would need the network
    if f"notebooks/{name}" == book.EXPLORER:
        note = next(c.source for c in staged_nb.cells if c.get("id") == "book-explorer-note")
        assert "cannot retrain" in note and "voila/render/notebooks/sparsity_explorer.ipynb" in note
    assert not any("NBVAL_" in c.source for c in shown)  # the tests' markers are not for readers
    # Everything else is the committed notebook: same cells (less nbval's markers), same outputs, nothing executed.
    unmarked = ["\n".join(line for line in c.source.splitlines() if not line.startswith("# NBVAL_"))
                if c.cell_type == "code" else c.source for c in source.cells]
    assert [c.source for c in staged_nb.cells if c.get("id") != "book-explorer-note"] == unmarked


@pytest.mark.slow  # stages the whole book: 5 s
def test_expected_time_counts_exercises(staged):
    chapters = book.course()
    assert [c.name for c in chapters] == COURSE_ORDER
    assert all(c.minutes % 5 == 0 and c.minutes >= 5 for c in chapters)
    assert sum(c.exercises + c.predictions for c in chapters) == sum(
        "solution" in c.metadata.get("tags", []) for n in COURSE_ORDER for c in nbformat.read(ROOT / "notebooks" / n, 4).cells)


PATH_LIKE = re.compile(r"(^|/)[\w.-]+\.(png|jpe?g|svg|gif)$|^[0-9a-f]{16,}|^_build/|^\S+/\S+$", re.I)


@pytest.mark.slow  # stages the whole book: 5 s
@pytest.mark.parametrize("name", COURSE_ORDER)
def test_every_figure_has_alt_text_that_says_what_it_shows(name, staged):
    """Without an alt, Sphinx writes the image's file path; the book gives every figure words instead."""
    images = ("image/png", "image/jpeg", "image/svg+xml")
    cells = [c for c in nbformat.read(staged / "notebooks" / name, 4).cells
             if any(k in o.get("data", {}) for o in c.get("outputs", []) for k in images)]
    for cell in cells:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt.split()) >= 4 and not PATH_LIKE.search(alt), (name, cell.source[:80], alt)
        assert len(alt) <= book.ALT_MAX


def test_alt_text_reads_the_plotting_function_titles_labels_and_prose():
    descriptions = {"plot_reconstructions": "Originals (top row) above their reconstructions (bottom row)."}
    source = 'fig = plot_reconstructions(x, x_hat)\nax.set_title(f"β = {beta}")\nax.set_xlabel("step")'
    alt = book.alt_text(source, "## Heading\n\nThe model rebuilds **each** digit. It blurs them.", descriptions)
    assert alt.startswith("Figure. Originals (top row) above their reconstructions")
    assert "β = …; step" in alt and "Context: The model rebuilds each digit." in alt and "blurs" not in alt
    assert book.alt_text("plt.plot(x)", "", {}) == "Figure drawn by the code cell above (see the text around it)."
    assert len(book.alt_text("x", "word " * 200 + ".", {})) <= book.ALT_MAX


def test_objectives_speak_in_one_voice():
    assert book.students_can("After this notebook you can derive your own penalty") == (
        "Students can derive their own penalty")
    assert book.students_can("Load MNIST and check it yourself") == "Students can load MNIST and check it themselves"
    assert all(c.objective.startswith("Students can ") and " you " not in c.objective for c in book.course())


def test_expected_time_counts_code_and_figures():
    chapter = book.course()[0]
    assert chapter.code_lines > 0 and chapter.figures > 0
    lower = book.Chapter(chapter.name, chapter.title, chapter.summary, chapter.objective, chapter.words,
                         chapter.exercises, chapter.predictions, chapter.widgets)
    assert chapter.minutes >= lower.minutes + 5 * ((chapter.code_lines / book.CODE_LINES_PER_MINUTE) // 5)


@pytest.mark.slow  # stages the whole book: 5 s
def test_lecturers_page_has_schedule_grading_and_ta_notes(staged):
    page = (staged / "lecturers.md").read_text()
    weeks = re.findall(r"^\| (\d+) \| .* \| .* \|$", page, re.M)
    assert [int(w) for w in weeks] == list(range(1, 11))
    assert all(f"{n:02d} ·" in page for n in range(1, 15))  # the schedule places all 14 chapters
    assert "## Grading" in page and "python -m sae_lib grade" in page
    modules = sorted((ROOT / "sae_lib" / "exercises").glob("ch[0-9][0-9]_*.py"))
    assert all(f"(`{m.name}`)" in page for m in modules)
    assert "only the first term, the 'on' outcome" in page  # ch01's diagnosis, read from its checker


@pytest.mark.slow  # stages the whole book: 5 s
def test_launch_buttons_open_the_version_tag_and_footer_states_licences(staged):
    config = yaml.safe_load((staged / "_config.yml").read_text())
    assert config["repository"]["branch"] == "v" + book.release_ref(ROOT).removeprefix("v")
    assert config["repository"]["branch"] != "main"
    footer = config["html"]["extra_footer"]
    assert "CC BY 4.0" in footer and "MIT" in footer and "course contributors" in footer
    assert "course.css" in config["sphinx"]["config"]["html_css_files"]
    assert "pre-wrap" in (staged / "_static" / "course.css").read_text()
