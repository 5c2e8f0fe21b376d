"""Grading: `python -m sae_lib grade NOTEBOOK.ipynb … --csv OUT` runs student notebooks and writes one row per
checker call; a filled-in notebook passes, an empty one fails every exercise, and neither crashes the grader."""

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from sae_lib import grading
from sae_lib.exercises._checking import reveal

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "which costs more at ρ = 0.05"
KL_BY_HAND = ("def my_kl(rho, rho_hat):\n"
              "    return (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).sum()")


def student_notebook(path: Path, filled: bool) -> Path:
    """A small student notebook in the course's style: two exercises and a predict-first question."""
    kl = KL_BY_HAND if filled else "def my_kl(rho, rho_hat):\n    raise NotImplementedError  # your code here"
    answer = repr(reveal(QUESTION)[0]) if filled else "..."
    cells = [new_markdown_cell("# A chapter"),
             new_code_cell("import torch\nfrom sae_lib import exercises"),
             new_code_cell(kl),
             new_code_cell("exercises.check_kl(my_kl)"),
             new_code_cell(f"prediction = {answer}\nexercises.check_prediction({QUESTION!r}, prediction)"),
             new_code_cell("1 / 0" if not filled else "print('no error here')"),  # a crash must not stop the grading
             new_code_cell("exercises.check_steps(lambda n, b, e: e * -(-n // b))" if filled
                           else "exercises.check_steps(None)")]
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                        "display_name": "Python 3"}}), path)
    return path


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as source:
        return list(csv.DictReader(source))


def test_csv_has_one_row_per_check_with_the_documented_columns(tmp_path):
    rows = [grading.GradeRow("a.ipynb", "KL divergence", True, 1.0, "PASS  KL divergence"),
            grading.GradeRow("a.ipynb", "optimiser steps", False, 0.25, "FAIL  optimiser steps: a, b")]
    out = grading.write_csv(rows, tmp_path / "out" / "grades.csv")
    assert read_csv(out) == [
        {"student_file": "a.ipynb", "exercise": "KL divergence", "passed": "True", "score": "1", "message": "PASS  KL divergence"},
        {"student_file": "a.ipynb", "exercise": "optimiser steps", "passed": "False", "score": "0.25",
         "message": "FAIL  optimiser steps: a, b"}]
    assert list(read_csv(out)[0]) == list(grading.FIELDS)


def test_results_are_read_from_the_collecting_cell_only():
    outputs = [{"output_type": "stream", "name": "stdout", "text": "PASS  x\n" + grading._MARK + '[{"name": "x", '
                '"passed": true, "score": 1.0, "message": "PASS  x"}]\n'}]
    assert grading._results(outputs) == [{"name": "x", "passed": True, "score": 1.0, "message": "PASS  x"}]
    assert grading._results([{"output_type": "stream", "name": "stdout", "text": "nothing"}]) is None


def test_a_path_that_is_not_a_notebook_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a notebook file"):
        grading.grade_notebook(tmp_path / "missing.ipynb")
    assert subprocess.run([sys.executable, "-m", "sae_lib", "grade", str(tmp_path / "x.ipynb"), "--csv",
                           str(tmp_path / "g.csv")], capture_output=True, text=True, cwd=ROOT).returncode == 1


def test_the_cli_keeps_grading_out_of_its_imports():
    code = "import sys, sae_lib.cli; print('nbclient' in sys.modules, 'sae_lib.grading' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.slow
def test_grade_a_filled_in_and_an_empty_student_notebook(tmp_path):
    filled = student_notebook(tmp_path / "alice.ipynb", filled=True)
    empty = student_notebook(tmp_path / "bob.ipynb", filled=False)
    out = tmp_path / "grades.csv"
    run = subprocess.run([sys.executable, "-m", "sae_lib", "grade", str(filled), str(empty), "--csv", str(out),
                          "--timeout", "300"], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = read_csv(out)
    by_student = {name: [r for r in rows if r["student_file"] == name] for name in ("alice.ipynb", "bob.ipynb")}
    assert [r["exercise"] for r in by_student["alice.ipynb"]] == ["KL divergence", QUESTION, "optimiser steps"]
    assert all(r["passed"] == "True" and r["score"] == "1" for r in by_student["alice.ipynb"])
    assert [r["exercise"] for r in by_student["bob.ipynb"]] == ["KL divergence", QUESTION, "optimiser steps"]
    assert all(r["passed"] == "False" and r["score"] == "0" for r in by_student["bob.ipynb"])
    assert "not implemented yet" in by_student["bob.ipynb"][0]["message"]
    assert "alice.ipynb: 3 of 3 checks passed" in run.stdout and "bob.ipynb: 0 of 3 checks passed" in run.stdout
