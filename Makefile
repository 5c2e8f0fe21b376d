# The two commands: `make lab` opens the course, `make test` runs every test.
# Each creates .venv and installs everything the first time (and again when pyproject.toml changes).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The PyTorch pair the course is tested with (CPU or CUDA build, whichever pip picks for your machine).
TORCH := torch==2.14.1 torchvision==0.29.1
STAMP := $(VENV)/.installed

.PHONY: install lab test test-fast lint notebooks student book bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e ".[course,book,test,field]"
	touch $@

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/01_kl_divergence.ipynb

test: $(STAMP)  ## everything: lint, library tests, notebooks under nbval, browsers (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/pytest

test-fast: $(STAMP)  ## the library and exercise tests only (pytest -m "not slow"), under a minute
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .

notebooks: $(STAMP)  ## re-run every notebook and store its outputs
	$(BIN)/python scripts/execute_notebooks.py

STUDENT_VENV := build/.venv-student
$(STUDENT_VENV)/.installed:  # the student edition needs nbformat alone, not the course's environment
	$(PYTHON) -m venv $(STUDENT_VENV)
	$(STUDENT_VENV)/bin/python -m pip install --quiet "nbformat>=5.9"
	touch $@

student: $(STUDENT_VENV)/.installed  ## the notebooks without their reference solutions or answers, in build/student/
	$(STUDENT_VENV)/bin/python scripts/build_student.py

book: $(STAMP)  ## the course as a web site from the committed outputs (runs no notebook): build/book/_build/html
	$(BIN)/python scripts/build_book.py

bench: $(STAMP)  ## measure, print, and write the results into README.md
	$(BIN)/python benchmarks/time_to_quality.py
	$(BIN)/python benchmarks/explorer_latency.py
	$(BIN)/python benchmarks/neural_dictionary.py
	$(BIN)/python benchmarks/modern_architectures.py
	$(BIN)/python benchmarks/language_model.py
	$(BIN)/python benchmarks/interpretability.py
	$(BIN)/python benchmarks/notebook_runtime.py
	$(BIN)/python benchmarks/notebook_memory.py

clean:
	rm -rf $(VENV) .pytest_cache build/book build/student
