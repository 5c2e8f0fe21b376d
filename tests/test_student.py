"""The student edition (`make student`, scripts/build_student.py): the notebooks without their reference
solutions, the learners' attempt cells without output, every other cell as committed; and under nbval
every cell of it runs without an error (the checkers print FAIL, politely)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
spec = importlib.util.spec_from_file_location("build_student", ROOT / "scripts" / "build_student.py")
student = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student)


def tagged(cell, tag="solution") -> bool:
    return tag in cell.metadata.get("tags", [])


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    student.build(out)
    return out


def test_every_notebook_is_in_the_edition(edition):
    assert {p.name for p in edition.glob("*.ipynb")} == {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert (edition / "README.md").exists()


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_solutions_are_removed_and_attempts_cleared(notebook, edition):
    source = nbformat.read(notebook, as_version=4)
    handout = nbformat.read(edition / notebook.name, as_version=4)
    nbformat.validate(handout)
    kept = [c for c in source.cells if not tagged(c)]
    attempts = {id(before) for before, cell in zip(source.cells, source.cells[1:]) if tagged(cell)}
    assert not any(tagged(c) for c in handout.cells)
    assert not any("Reference solution" in c.source for c in handout.cells)
    assert [c.source for c in handout.cells] == [c.source for c in kept]
    for original, cell in zip(kept, handout.cells):
        if id(original) in attempts:
            assert cell.outputs == [] and cell.execution_count is None, (notebook.name, cell.source[:60])
        elif cell.cell_type == "code":
            assert cell.outputs == original.outputs and cell.execution_count == original.execution_count
    assert "formats" not in handout.metadata.get("jupytext", {})  # a hand-out, not paired with a .py


@pytest.mark.slow
def test_the_student_edition_runs_under_nbval(tmp_path):
    """Every cell of every student notebook runs (nbval, the repository's options); outputs marked for checking match."""
    out = tmp_path / "student"
    student.build(out)
    command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
               "-p", "no:cacheprovider", "-q", str(out)]
    log = tmp_path / "nbval.log"  # written as it runs, so a slow or stuck run still says how far it got
    with log.open("w") as sink:
        try:
            code = subprocess.run(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, timeout=3600).returncode
        except subprocess.TimeoutExpired:
            code = "timed out after 3600 s"
    output = log.read_text()
    assert code == 0, f"nbval on the student edition: {code}\n{output[-6000:]}"
    assert " passed" in output.strip().splitlines()[-1]
