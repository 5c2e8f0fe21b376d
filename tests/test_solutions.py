"""One mark for reference solutions: the cell tag `solution`, read by the notebooks (folded), the book
(a dropdown, scripts/build_book.py) and the student edition (removed, scripts/build_student.py).

A reference answer is recognised without its tag too (it calls a checker and its committed output is
PASS, or it says "Reference solution"), so an untagged one fails here, in every chapter, new ones included.
"""

import re
from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
IPYNB = sorted(NOTEBOOKS.glob("*.ipynb"))
SOLUTION = "solution"


def is_solution(cell) -> bool:
    return SOLUTION in cell.metadata.get("tags", [])


def output_text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


def checkers(cell) -> set[str]:
    """The exercise checkers a cell calls (`exercises.check_kl(...)` gives {"check_kl"})."""
    return set(re.findall(r"\bexercises\.(check_\w+)\s*\(", cell.source))


def looks_like_reference(cell) -> bool:
    """A cell that answers an exercise: a checker's PASS in its committed output, or a "Reference" comment."""
    return cell.cell_type == "code" and (
        (bool(checkers(cell)) and output_text(cell).startswith("PASS"))
        or re.search(r"^#\s*Reference (solution|answer)", cell.source, re.M) is not None
    )


def test_the_course_has_tagged_solutions():
    assert sum(is_solution(c) for nb in IPYNB for c in jupytext.read(nb).cells) >= 26


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda p: p.name)
def test_every_reference_answer_is_tagged_solution(notebook):
    untagged = [i for i, c in enumerate(jupytext.read(notebook).cells) if looks_like_reference(c) and not is_solution(c)]
    assert not untagged, f"{notebook.name}: cells {untagged} answer an exercise but lack the tag {SOLUTION!r}"


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda p: p.name)
def test_every_solution_follows_its_exercise(notebook):
    """Each tagged cell passes the checker that the learner's cell right before it calls (and fails)."""
    cells = jupytext.read(notebook).cells
    for i, cell in enumerate(cells):
        if not is_solution(cell):
            continue
        assert i > 0 and cell.cell_type == "code", (notebook.name, i)
        attempt = cells[i - 1]
        assert checkers(cell) and checkers(cell) <= checkers(attempt), (
            f"{notebook.name} cell {i}: the solution calls {sorted(checkers(cell))}, the cell before it "
            f"{sorted(checkers(attempt))}: a solution comes right after the exercise it answers"
        )
        assert output_text(cell).startswith("PASS"), (notebook.name, i, output_text(cell)[:80])
        assert not is_solution(attempt), (notebook.name, i)


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda p: p.name)
def test_every_exercise_has_its_solution_next(notebook):
    """A learner's cell whose committed output is a checker's FAIL is followed by its reference solution."""
    cells = jupytext.read(notebook).cells
    for i, cell in enumerate(cells):
        if checkers(cell) and not is_solution(cell) and output_text(cell).startswith("FAIL"):
            assert i + 1 < len(cells) and is_solution(cells[i + 1]), f"{notebook.name} cell {i} has no solution after it"


@pytest.mark.parametrize("notebook", IPYNB, ids=lambda p: p.name)
def test_the_paired_script_carries_the_same_tags(notebook):
    """The .py is what people review: its solution cells carry the tag too (the pairing test compares sources only)."""
    tagged = lambda path: [c.source.strip() for c in jupytext.read(path).cells if is_solution(c)]
    assert tagged(notebook) == tagged(notebook.with_suffix(".py")), f"{notebook.name} and its .py tag different cells"
