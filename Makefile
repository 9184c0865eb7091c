# One-command set-up: `make test` and `make demo` create .venv and install pinned dependencies themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# Where pip finds wheels (e.g. the machine's CPU wheel of torch 2.13.0) is pip's own configuration, not ours.
PIPFLAGS := --disable-pip-version-check --quiet
# The core set's venv for the fast inner loop (make test-core).
CORE_VENV := .venv-core
# The lock tool: the .txt files in requirements/ are generated from the .in files by pip-compile (make lock).
LOCK := $(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url \
        --no-emit-trusted-host

.PHONY: test test-core lint demo bench fuzz stress lock clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(CORE_VENV)/bin/python:
	$(PYTHON) -m venv $(CORE_VENV)

$(CORE_VENV)/.core-installed: requirements/core.txt pyproject.toml | $(CORE_VENV)/bin/python
	$(CORE_VENV)/bin/python -m pip install $(PIPFLAGS) -r requirements/core.txt
	$(CORE_VENV)/bin/python -m pip install $(PIPFLAGS) --no-deps -e .
	touch $@

$(VENV)/.test-installed: requirements/test.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install $(PIPFLAGS) -r requirements/test.txt
	$(PIP) install $(PIPFLAGS) --no-deps -e .
	touch $@

$(VENV)/.demo-installed: requirements/demo.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install $(PIPFLAGS) -r requirements/demo.txt
	$(PIP) install $(PIPFLAGS) --no-deps -e .
	touch $@

# numba caches each compiled function's machine code keyed by its own file's time stamp, so a change in a module it
# calls (an inlined helper) is not seen: any change in glassnet/compiled/ drops that package's whole cache.
NUMBA_SOURCES := $(wildcard src/glassnet/compiled/*.py)
$(VENV)/.numba-cache-fresh: $(NUMBA_SOURCES) | $(VENV)/bin/python
	rm -f src/glassnet/compiled/__pycache__/*.nbi src/glassnet/compiled/__pycache__/*.nbc
	touch $@

test: $(VENV)/.test-installed $(VENV)/.numba-cache-fresh
	$(PY) -m pytest src tests

# The fast inner loop: every test that needs only the core set (NumPy, pytest, hypothesis), in a venv of that set.
test-core: $(CORE_VENV)/.core-installed
	$(CORE_VENV)/bin/python -m pytest --core -p no:cacheprovider src tests

# The tools that keep the codebase honest (run by .ci/run): ruff, mypy on src/, the line budget.
lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check src tests benchmarks fuzz stress examples tools conftest.py
	$(VENV)/bin/mypy
	$(PY) tools/line_budget.py

# Regenerate the pinned .txt sets from the .in files (the test set first: the others are resolved inside it).
lock: $(VENV)/.test-installed
	$(PIP) install $(PIPFLAGS) pip-tools==7.6.2
	cd requirements && ../$(LOCK) -o test.txt test.in && ../$(LOCK) -o core.txt core.in && ../$(LOCK) -o demo.txt demo.in

demo: $(VENV)/.demo-installed
	$(VENV)/bin/glassnet demo

# Speed against the peers (same run, alternated, medians, one thread each: see docs/benchmarks.md); rewrites
# docs/benchmarks.md. JAX comes from requirements/bench.in (not in the test set), installed within the test set's pins.
$(VENV)/.bench-installed: requirements/bench.in requirements/test.txt $(VENV)/.test-installed
	$(PIP) install $(PIPFLAGS) -r requirements/bench.in
	touch $@

bench: $(VENV)/.bench-installed $(VENV)/.numba-cache-fresh
	cd benchmarks && ../$(PY) bench_peers.py --repeats 5 --threads 1 --docs --json ../benchmarks/latest.json
	$(PY) benchmarks/bench_sweep.py --repeats 3 --docs
	$(PY) benchmarks/bench_history_split.py --docs
	$(PY) benchmarks/bench_memory.py --docs

# The long fuzzes: the model-file loader on 10,000 mutated files (nothing but ModelFileError may escape), the
# data-file readers on 10,000 mutated CSV/NPY/NPZ/Parquet files (nothing but a one-line ValueError) and
# BackupAndRestore on 2,000 mutated backup folders (refused with nothing changed, or resumed).
fuzz: $(VENV)/.test-installed
	$(PY) fuzz/fuzz_loader.py --examples 10000
	$(PY) fuzz/fuzz_data_files.py --examples 10000
	$(PY) fuzz/fuzz_backups.py --examples 2000

# Kill-and-resume: 120+ SIGKILL/SIGINT at random moments of fit (BackupAndRestore, ModelCheckpoint,
# EarlyStopping) and of save; every resumed run byte for byte the uninterrupted one, no stray file (~2 min).
stress: $(VENV)/.test-installed
	$(PY) stress/stress_resume.py --interruptions 120

clean:
	rm -rf $(VENV) $(CORE_VENV) .pytest_cache .hypothesis
