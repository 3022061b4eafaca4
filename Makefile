# make run: the whole service (web, worker, 1365 simulator, demo data) on SQLite + embedded Redis.
# make test: the whole test suite.
# make bench: the benchmarks (bench/, docs/BENCHMARKS.md); BENCH_QUICK=1 for a small smoke run.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.test-installed: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-test.txt
	touch $@

$(VENV)/.bench-installed: requirements.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-bench.txt
	touch $@

run: $(VENV)/.run-installed
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	$(FLASK) up

# Two pytest-xdist workers: the suite mostly waits on real processes (workers, 1365, a browser),
# so two halve its time on two cores. TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2
test: $(VENV)/.test-installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
