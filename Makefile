# Everything runs from a virtualenv in ./venv (the same one `pulumi` uses, see Pulumi.yaml),
# made on first use from uv.lock: exactly the locked versions, the dev group included. uv comes
# from PyPI at the version the lock pins for it. Everything is compiled to bytecode on install, so
# no process (the plan, each policy pack, each test worker) compiles pulumi_aws's modules again,
# even where PYTHONDONTWRITEBYTECODE keeps Python from caching them.
PYTHON ?= python3
VENV := venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION = $(shell $(PYTHON) -c "import tomllib; print(next(p['version'] for p in \
	tomllib.load(open('uv.lock', 'rb'))['package'] if p['name'] == 'uv'))")
STACK ?= dev
ARGS ?=

.PHONY: plan ops test lint bench lock clean

$(VENV)/.installed: pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --locked --quiet --compile-bytecode
	touch $@

plan: $(VENV)/.installed  ## What `pulumi preview` would create for STACK, offline
	$(PY) -m plan $(STACK) $(ARGS)

ops: $(VENV)/.installed  ## Day-two work on a deployed stack, e.g. make ops ARGS="status --stack dev"
	$(PY) -m ops $(ARGS)

test: $(VENV)/.installed  ## The whole test suite, offline, on every core; ARGS go to pytest
	$(PY) -m pytest -n auto --dist worksteal $(ARGS)

lint: $(VENV)/.installed  ## ruff and mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy __main__.py components plan policies ops bootstrap

bench: $(VENV)/.installed  ## Plan time against its import floor, RSS, time per resource
	$(PY) bench/plan_bench.py

lock: $(VENV)/.installed  ## After changing pyproject.toml: relock it, pin the packs to its SDKs
	$(PY) policies/lock.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
