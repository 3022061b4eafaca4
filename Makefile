# make run: the whole service (web, worker, 1365 simulator, demo data) on SQLite + embedded Redis.
# make test: the whole test suite.
# make bench: the benchmarks (bench/, docs/BENCHMARKS.md); BENCH_QUICK=1 for a small smoke run.
# make mutate: mutation testing of the domain's plain rules (tools/mutate.py, pyproject.toml); not in CI.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test bench mutate mutate-constants clean

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

# Three pytest-xdist workers on two cores: the suite often waits on real processes (workers, 1365, a
# browser); with two, the two cores were busy half the time (CI=true, fresh clone, nearly idle machine:
# 612 s with two, 486 s with three). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 3
# The Nu Html Checker for tests/test_html.py, from the npm registry (needs npm and Java; without them
# that test is skipped with its reason, and fails on CI).
VNU_VERSION := 26.9.27
$(VENV)/vnu-jar/vnu.jar: | $(BIN)/python
	@cd $(VENV) && { command -v npm >/dev/null 2>&1 || { echo "npm not found: tests/test_html.py will be skipped"; exit 0; }; \
	  npm pack -q vnu-jar@$(VNU_VERSION) >/dev/null && tar xzf vnu-jar-$(VNU_VERSION).tgz && mkdir -p vnu-jar && \
	  mv package/build/dist/vnu.jar vnu-jar/ && rm -rf package vnu-jar-$(VNU_VERSION).tgz; }

test: $(VENV)/.test-installed $(VENV)/vnu-jar/vnu.jar
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench

# Niced, on MUTATE_JOBS mutmut workers (the machine is shared); MUTATE_ARGS e.g. pumasi/records/hours.py
# for one module, or --report-only to print the last run's table again.
MUTATE_JOBS ?= 2
mutate: $(VENV)/.test-installed
	nice -n 19 $(BIN)/python tools/mutate.py --jobs $(MUTATE_JOBS) $(MUTATE_ARGS)

# The constants mutmut leaves alone (tools/mutate_constants.py), each in a scratch copy.
mutate-constants: $(VENV)/.test-installed
	nice -n 19 $(BIN)/python tools/mutate_constants.py --jobs $(MUTATE_JOBS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis mutants
