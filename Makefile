# The README's two commands. Both create .venv when missing and install what they need:
# torch first, pinned (the CPU build on this machine's disk; the same pin gets the CUDA build on
# a GPU host), then vertune with its extras, resolved in one install (s3fs and moto's botocore
# pins only agree when resolved together), then `pip check`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.vertune-installed
PYTEST_ARGS ?=

.PHONY: demo test test-fast install clean-workspace

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[data,dev]'
	$(BIN)/python -m pip check
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/vertune demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

clean-workspace:
	rm -rf workspace
