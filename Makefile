# Everything runs from a virtualenv in ./venv (the same one `pulumi` uses, see Pulumi.yaml),
# made on first use from requirements-dev.txt.
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
STACK ?= dev
ARGS ?=

.PHONY: plan ops test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

plan: $(VENV)/.installed  ## What `pulumi preview` would create for STACK, offline
	$(PY) -m plan $(STACK) $(ARGS)

ops: $(VENV)/.installed  ## Day-two work on a deployed stack, e.g. make ops ARGS="status --stack dev"
	$(PY) -m ops $(ARGS)

test: $(VENV)/.installed  ## The whole test suite, offline
	$(PY) -m pytest

lint: $(VENV)/.installed  ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy __main__.py components plan policies ops bootstrap

bench: $(VENV)/.installed  ## Plan time against its import floor, RSS, time per resource
	$(PY) bench/plan_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
