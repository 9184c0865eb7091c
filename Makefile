# One-command set-up: `make test` and `make demo` create .venv and install pinned dependencies themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# The machines keep a CPU wheel of torch 2.13.0 here; elsewhere pip falls back to the index.
WHEELS := $(wildcard /opt/wheels)
PIPFLAGS := --disable-pip-version-check --quiet $(if $(WHEELS),--find-links $(WHEELS))

.PHONY: test demo bench fuzz stress clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.test-installed: requirements/test.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install $(PIPFLAGS) -r requirements/test.txt
	$(PIP) install $(PIPFLAGS) --no-deps -e .
	touch $@

$(VENV)/.demo-installed: requirements/demo.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install $(PIPFLAGS) -r requirements/demo.txt
	$(PIP) install $(PIPFLAGS) --no-deps -e .
	touch $@

test: $(VENV)/.test-installed
	$(PY) -m pytest src tests

demo: $(VENV)/.demo-installed
	$(VENV)/bin/glassnet demo

# Speed against the peers (same run, alternated, medians); rewrites docs/benchmarks.md.
bench: $(VENV)/.test-installed
	cd benchmarks && ../$(PY) bench_peers.py --repeats 5 --docs --json ../benchmarks/latest.json
	$(PY) benchmarks/bench_history_split.py --docs
	$(PY) benchmarks/bench_memory.py --docs

# The long fuzzes: the model-file loader on 10,000 mutated files (nothing but ModelFileError may escape) and
# BackupAndRestore on 2,000 mutated backup folders (refused with nothing changed, or resumed).
fuzz: $(VENV)/.test-installed
	$(PY) fuzz/fuzz_loader.py --examples 10000
	$(PY) fuzz/fuzz_backups.py --examples 2000

# Kill-and-resume: 120+ SIGKILL/SIGINT at random moments of fit (BackupAndRestore, ModelCheckpoint,
# EarlyStopping) and of save; every resumed run byte for byte the uninterrupted one, no stray file (~2 min).
stress: $(VENV)/.test-installed
	$(PY) stress/stress_resume.py --interruptions 120

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
