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


def test_toc_is_the_landing_page_then_every_chapter_in_course_order_then_lecturers(staged):
    toc = yaml.safe_load((staged / "_toc.yml").read_text())
    assert toc["root"] == "intro"
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert files == [f"notebooks/{Path(n).stem}" for n in COURSE_ORDER] + ["lecturers"]
    assert {f"{Path(f).name}.ipynb" for f in files[:-1]} == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}


def test_config_builds_offline_from_committed_outputs(staged):
    config = yaml.safe_load((staged / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["repository"]["url"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    assert "sphinx-mathjax-offline" in config["sphinx"]["extra_extensions"]  # MathJax from the site, not a CDN
    assert config["sphinx"]["config"]["nb_ipywidgets_js"] == {}  # no widget manager from a CDN
    assert not config["launch_buttons"]["thebe"]


def test_landing_and_lecturers_pages_are_filled_in(staged):
    intro, lecturers = (staged / "intro.md").read_text(), (staged / "lecturers.md").read_text()
    assert "<!--" not in intro + lecturers and "REPOSITORY_URL" not in intro
    for name in COURSE_ORDER:
        assert f"(notebooks/{name})" in intro and f"(notebooks/{name})" in lecturers
    assert len(re.findall(r"\| \d+\u00a0min \|", intro)) == len(COURSE_ORDER)
    assert "make student" in lecturers and "Students can" in lecturers


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


def test_expected_time_counts_exercises(staged):
    chapters = book.course()
    assert [c.name for c in chapters] == COURSE_ORDER
    assert all(c.minutes % 5 == 0 and c.minutes >= 5 for c in chapters)
    assert sum(c.exercises + c.predictions for c in chapters) == sum(
        "solution" in c.metadata.get("tags", []) for n in COURSE_ORDER for c in nbformat.read(ROOT / "notebooks" / n, 4).cells)
