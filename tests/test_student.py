"""The student edition (`make student`, scripts/build_student.py): the notebooks without their reference
solutions, the learners' attempt cells and every output an answer decides without output, no nbval markers,
badges that open the edition; a scan of the edition for every known answer finds none; and under nbval every
cell of it runs without an error (the checkers print FAIL, politely).

The scan is general, so it holds for chapters added later. Known answers are read from the full notebooks and the
library: the lines and numbers the reference solutions (and the outputs that depend on them) print, those not
printed before the exercise, and the reference solutions' code, as lines and as recipes with names and numbers
abstracted, each looked for from the exercise to the next heading (where a reader meets it before running their
own); and anywhere, each predict-first question's correct option (next to its question), explanation and PASS line.
"""

import ast
import importlib.util
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from sae_lib import exercises
from sae_lib.exercises._checking import reveal

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
spec = importlib.util.spec_from_file_location("build_student", ROOT / "scripts" / "build_student.py")
student = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student)
MIN_LINE = 12  # characters: shorter printed lines ("PASS", "tensor(…)") are not an answer of their own
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*\.?\d*(?:e-?\d+)?")


def tagged(cell, tag="solution") -> bool:
    return tag in cell.metadata.get("tags", [])


def output_text(cell) -> str:
    """What a cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
        parts.append(output.get("evalue", ""))
    return "".join(p if isinstance(p, str) else "".join(p) for p in parts)


def distinctive_numbers(text: str) -> set[str]:
    """Numbers precise enough to be an answer: whole numbers of four digits or more (209,968 · 3,080, commas dropped)
    and decimals with three significant places or more (0.119, not 0.001)."""
    found = {m.group(0).replace(",", "").rstrip(".") for m in NUMBER.finditer(text)}
    return {n for n in found if n.strip("0.-") and (len(n.split(".")[1].lstrip("0")) >= 3 if "." in n
                                                     else sum(c.isdigit() for c in n) >= 4)}


_MODULES = {"math", "torch", "np", "numpy", "nn", "F", "sae_lib", "metrics", "lm"}


class _Abstract(ast.NodeTransformer):
    """Every name (modules aside) and number becomes `_`."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return node if node.id in _MODULES else ast.Name("_", node.ctx)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Name("_", ast.Load()) if isinstance(node.value, (int, float)) else node


def _size(node: ast.AST) -> int:
    """Nodes in an expression, load/store contexts aside."""
    return sum(not isinstance(n, ast.expr_context) for n in ast.walk(node))


def _shapes(source: str, minimum: int = 10) -> set[str]:
    """The expressions in code with names and numbers abstracted (`_ * math.ceil(_ / _)`): a solution's recipe
    still matches when a later cell writes it with other names or constants. Only expressions of `minimum` nodes
    or more, with a call or an operator, count (a bare name or attribute is no recipe)."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    shapes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.Call, ast.ListComp)) and _size(node) >= minimum:
            shapes.add(ast.unparse(_Abstract().visit(ast.parse(ast.unparse(node), mode="eval"))))
    return shapes


def code_lines(source: str) -> set[str]:
    """A solution's distinctive code lines: long enough, not a comment, import, def, checker call or print."""
    keep = set()
    for line in source.splitlines():
        line = line.strip()
        if (len(line) >= 25 and not line.startswith(("#", "import ", "from ", "def ", "return None", "print("))
                and "check_" not in line and "exercises." not in line):
            keep.add(line)
    return keep


@dataclass
class Answers:
    """What one reference answer reveals, and where in the edition it must not show: its region."""

    region: list[int]  # the full notebook's indices from the attempt to the next heading
    lines: set[str]
    numbers: set[str]
    code: set[str]
    shapes: set[str]


def known_answers(cells) -> list[Answers]:
    """Each reference answer of a full notebook's cells: what its solution (and the cells whose outputs depend on
    it) print that nothing printed before the exercise, and its code, as lines and as abstracted expressions."""
    dependent = student.answer_dependent(cells)
    found = []
    for i, cell in enumerate(cells):
        if not tagged(cell) or i == 0:
            continue
        end = next((j for j in range(i + 1, len(cells)) if cells[j].cell_type == "markdown"
                    and student.HEADING.search(cells[j].source)), len(cells))
        region = [j for j in range(i - 1, end) if not tagged(cells[j])]
        before = "\n".join(output_text(c) + "\n" + (c.source if c.cell_type == "markdown" else "") for c in cells[:i - 1])
        printed = "\n".join(output_text(c) for j, c in enumerate(cells) if j == i or (j in dependent and j in region))
        template = cells[i - 1].source
        found.append(Answers(
            region,
            {line.strip() for line in printed.splitlines() if len(line.strip()) >= MIN_LINE
             and not line.strip().startswith(("PASS", "FAIL")) and line.strip() not in before},
            distinctive_numbers(printed) - distinctive_numbers(before),
            {line for line in code_lines(cell.source) if line not in template},
            _shapes(cell.source) - _shapes(template)))
    return found


def prediction_leaks(cells) -> list[str]:
    """Where a kept cell gives away a predict-first answer: its PASS line, its explanation, or its correct option
    quoted in the cell that asks the question (the other options not all listed beside it)."""
    leaks = []
    for question in exercises.PREDICTIONS:
        correct, options, why, _ = reveal(question)
        for cell in cells:
            shown = cell.source + "\n" + output_text(cell)
            if f"PASS  {question}" in shown:
                leaks.append(f"the PASS line of {question!r}")
            if why[:60] in shown:
                leaks.append(f"the explanation of {question!r}")
            if cell.cell_type == "code" and question in cell.source:
                quoted = {o for o in options if re.search(rf"""["']{re.escape(o)}["']""", cell.source)}
                if correct in quoted and quoted != set(options):
                    leaks.append(f"the answer {correct!r} next to {question!r}")
    return leaks


def scan(edition: Path) -> dict[str, list[str]]:
    """Every known answer found in the edition, by notebook (empty when none is)."""
    found = {}
    for path in sorted(edition.glob("*.ipynb")):
        full = nbformat.read(NOTEBOOKS / path.name, as_version=4).cells
        cells = nbformat.read(path, as_version=4).cells
        # the edition is its two header cells, then the full notebook's cells less its solutions and old header
        kept = [j for j, c in enumerate(full) if not tagged(c) and not tagged(c, student.HEADER)]
        edition_cell = dict(zip(kept, cells[2:]))
        leaks = []
        for answer in known_answers(full):
            region = [edition_cell[j] for j in answer.region if j in edition_cell]
            shown = "\n".join(output_text(c) + "\n" + (c.source if c.cell_type == "markdown" else "") for c in region)
            code = "\n".join(c.source for c in region if c.cell_type == "code")
            leaks += [f"printed: {line!r}" for line in sorted(answer.lines) if line in shown]
            leaks += [f"the number {n}" for n in sorted(answer.numbers & distinctive_numbers(shown))]
            leaks += [f"solution code: {line!r}" for line in sorted(answer.code) if line in code]
            leaks += [f"the solution's recipe: {shape}" for shape in sorted(answer.shapes & _shapes(code))]
        leaks += prediction_leaks(cells)
        if leaks:
            found[path.name] = leaks
    return found


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    student.build(out)
    return out


def test_every_notebook_is_in_the_edition_with_its_readme_binder_and_lock(edition):
    assert {p.name for p in edition.glob("*.ipynb")} == {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    readme = (edition / "README.md").read_text()
    assert "student edition" in readme and "make notebooks" not in readme and "solution" in readme
    assert all(f"]({p.name})" in readme for p in NOTEBOOKS.glob("*.ipynb"))
    assert "sae_lib @ git+" in (edition / "binder" / "postBuild").read_text()
    assert (edition / "binder" / "environment.yml").exists() and (edition / "requirements" / "lock.txt").exists()


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_solutions_removed_and_answer_outputs_cleared(notebook, edition):
    source = nbformat.read(notebook, as_version=4)
    handout = nbformat.read(edition / notebook.name, as_version=4)
    nbformat.validate(handout)
    header = [c for c in handout.cells if tagged(c, student.HEADER)]
    assert len(header) == 2 and handout.cells[:2] == header
    body = handout.cells[2:]
    kept = [c for c in source.cells if not tagged(c) and not tagged(c, student.HEADER)]
    assert not any(tagged(c) for c in body) and not any("Reference solution" in c.source for c in body)
    assert [c.source for c in body] == [student.unmarked(c.source) if c.cell_type == "code" else c.source for c in kept]
    assert not any("NBVAL_" in c.source for c in handout.cells)
    cleared = {id(source.cells[i]) for i in student.answer_dependent(source.cells)}
    attempts = {id(before) for before, cell in zip(source.cells, source.cells[1:]) if tagged(cell)}
    assert attempts <= cleared
    for original, cell in zip(kept, body):
        if id(original) in cleared:
            assert cell.outputs == [] and cell.execution_count is None, (notebook.name, cell.source[:60])
        elif cell.cell_type == "code":
            assert cell.outputs == original.outputs and cell.execution_count == original.execution_count
    assert "formats" not in handout.metadata.get("jupytext", {})  # a hand-out, not paired with a .py


def test_badges_open_the_student_edition_and_colab_installs_the_course_tag(tmp_path):
    student.build(tmp_path, "https://github.com/someone/sae-students", "spring")
    nb = nbformat.read(tmp_path / "01_kl_divergence.ipynb", as_version=4)
    badges, setup = nb.cells[:2]
    assert "colab.research.google.com/github/someone/sae-students/blob/spring/01_kl_divergence.ipynb" in badges.source
    assert "mybinder.org/v2/gh/someone/sae-students/spring?urlpath=lab/tree/01_kl_divergence.ipynb" in badges.source
    assert "CC BY 4.0" in badges.source
    assert f"@{student.course_tag()}" in setup.source and student.course_repository() in setup.source
    assert "sae-students/spring" in (tmp_path / "README.md").read_text()


def test_outputs_after_an_exercise_that_use_its_answer_are_cleared():
    code, md = nbformat.v4.new_code_cell, nbformat.v4.new_markdown_cell
    cells = [code("beta = None  # your choice", outputs=[]),
             code("beta = 0.01", metadata={"tags": ["solution"]}),
             code("print(beta * 2)"),  # uses the learner's variable
             code("exercises.check_tuned_beta(other)"),  # calls a checker
             code("print('unrelated')"),
             md("## Next section"),
             code("print(beta)")]  # after the next heading: the student's own run shows it
    assert student.answer_dependent(cells) == {0, 2, 3}
    assert student.defined_names("def f(x):\n    return x\n%matplotlib inline\nk, (a, b) = 1, (2, 3)") == {"f", "k", "a", "b"}


def test_the_scanner_finds_planted_answers(tmp_path):
    """The scanner is what the leak test rests on: it must see an answer wherever one is left."""
    question = sorted(exercises.PREDICTIONS)[0]
    correct, options, why, _ = reveal(question)
    cells = [nbformat.v4.new_code_cell(f"exercises.check_prediction({question!r}, {correct!r})"),
             nbformat.v4.new_markdown_cell(f"As we saw, {why}")]
    leaks = prediction_leaks(cells)
    assert any("the answer" in leak for leak in leaks) and any("explanation" in leak for leak in leaks)
    listed = nbformat.v4.new_code_cell(f"answer = None  # one of {', '.join(map(repr, options))}\n"
                                       f"exercises.check_prediction({question!r}, answer)")
    assert prediction_leaks([listed]) == []
    assert distinctive_numbers("n_params=209,968 and 0.119 and 12.5 and 0.001 and 1000") == {"209968", "0.119", "1000"}
    assert _shapes("def my_steps(n, b, e):\n    return e * math.ceil(n / b)") & _shapes(
        "steps = 10 * math.ceil(n_images / 128)") == {"_ * math.ceil(_ / _)"}
    assert code_lines("    steps = 10 * math.ceil(n_images / 128)\n# a comment that is long enough\nimport math") == {
        "steps = 10 * math.ceil(n_images / 128)"}


def test_the_edition_reveals_no_known_answer(edition):
    """No kept cell, output or sentence gives away an answer: a scan for every known answer finds none."""
    leaks = scan(edition)
    assert not leaks, "answers left in the student edition:\n" + "\n".join(
        f"{name}: {leak}" for name, found in leaks.items() for leak in found)


@pytest.mark.slow
def test_the_student_edition_runs_under_nbval(tmp_path):
    """Every cell of every student notebook runs (nbval, the repository's options); outputs marked for checking match."""
    out = tmp_path / "student"
    student.build(out)
    command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
               "-p", "no:cacheprovider", "-q", *map(str, sorted(out.glob("*.ipynb")))]
    log = tmp_path / "nbval.log"  # written as it runs, so a slow or stuck run still says how far it got
    with log.open("w") as sink:
        try:
            code = subprocess.run(command, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, timeout=3600).returncode
        except subprocess.TimeoutExpired:
            code = "timed out after 3600 s"
    output = log.read_text()
    assert code == 0, f"nbval on the student edition: {code}\n{output[-6000:]}"
    assert " passed" in output.strip().splitlines()[-1]
