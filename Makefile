# Every target bootstraps .venv from the python3 on PATH when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint docs fuzz mutation bench bench-ensemble playground-screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# Stamp files record which extras are installed; they are redone when pyproject.toml changes.
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[dev]"
	touch $@

# The demo is the main job: npmlp vs Keras (parity + 5 independent seeds), so it needs TF.
$(VENV)/.tensorflow-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[tensorflow]"
	touch $@

demo: $(VENV)/.tensorflow-installed
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/npmlp compare --out runs/demo

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .

test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Many more hypothesis examples than `make test` runs (profiles in tests/conftest.py)
fuzz: $(VENV)/.dev-installed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q tests/test_fuzz.py

# Wrong derivatives, optimizer constants and an off-by-one split, each shown to fail a test
# (tools/mutate.py; about a minute on 2 cores). CI runs it after `make test`.
mutation: $(VENV)/.dev-installed
	$(BIN)/python tools/mutate.py

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[bench,tensorflow]"
	touch $@

# Timings against the peers that are installed (add torch by hand for the PyTorch column)
bench: $(VENV)/.bench-installed
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python benchmarks/bench.py --workload seed --out runs/bench
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python benchmarks/bench.py --workload medium --out runs/bench-medium

bench-ensemble: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/ensemble.py --sweep --out runs/bench-ensemble

# The site into site/ (a broken link or reference fails); browse it with .venv/bin/mkdocs serve.
# NO_MKDOCS_2_WARNING: the theme's end-of-life banner is not about this project's docs.
docs: $(VENV)/.dev-installed
	NO_MKDOCS_2_WARNING=1 TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/mkdocs build --strict

# The pictures of docs/playground.md, taken with Debian's chromium (apt-get install chromium)
playground-screenshots: $(VENV)/.dev-installed
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python tools/playground_screenshots.py

clean:
	rm -rf $(VENV) runs site build dist src/*.egg-info .pytest_cache .ruff_cache
