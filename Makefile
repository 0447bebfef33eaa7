# The two commands the README starts with: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE := curate/data/sample.jsonl

.PHONY: run test lint bench-venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# clean the bundled sample corpus with the default rule set
run: $(BIN)/python
	$(BIN)/python -m pip install --quiet .
	$(BIN)/curate run $(SAMPLE) --rules default --out out/sample --report-dir reports/sample --overwrite

test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,ray]'  # ray: tests/test_ray.py starts a real local cluster
	$(BIN)/ruff check curate tests bench
	$(BIN)/python -m pytest -q

lint: $(BIN)/python
	$(BIN)/ruff check curate tests bench

# peers (datatrove, stock langdetect) for the benchmarks, in their own venv: never our dependencies
bench-venv:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --upgrade pip
	.venv-bench/bin/python -m pip install --quiet -r bench/requirements-peers.txt -e .

clean:
	rm -rf out .pytest_cache build *.egg-info
