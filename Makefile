# One-command set-up: `make test` and `make demo` create .venv and install pinned dependencies themselves.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# The machines keep a CPU wheel of torch 2.13.0 here; elsewhere pip falls back to the index.
WHEELS := $(wildcard /opt/wheels)
PIPFLAGS := --disable-pip-version-check --quiet $(if $(WHEELS),--find-links $(WHEELS))

.PHONY: test demo clean

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
	$(PY) examples/demo.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
