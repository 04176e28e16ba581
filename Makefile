# Each target creates .venv when it is missing and installs into it, so a fresh
# clone needs only Python 3.11+, make and (for the end-to-end tests) tmux.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/ecd-tui demo

test: $(STAMP_TEST)
	@command -v tmux >/dev/null || { echo "tmux is missing: install it (apt-get install tmux) to run the end-to-end tests."; exit 1; }
	$(BIN)/python -m pytest

bench: $(STAMP_TEST)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
