# GovChain developer commands. `make run` and `make test` are the two set-up
# commands: each installs what is missing first, and is quick when nothing is.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-packages
TEST_TOOLS_STAMP := $(VENV)/.test-tools
WEB := src/govchain/console/web
WEB_STAMP := $(VENV)/.console-web
SDK_AS := contract-sdk/assemblyscript
SDK_AS_STAMP := $(VENV)/.contract-sdk-as
COMPILED_STAMP := $(VENV)/.compiled
COMPILED_SOURCES := $(wildcard src/govchain/codec/*.py src/govchain/ledger/statetree/*.py) src/govchain/compiled.py

.PHONY: help install run demo test check test-long bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The last step of install writes the bytecode of every source that changed (0.2 s when
# none did). An editable install leaves that to the first import, which writes nothing where
# PYTHONDONTWRITEBYTECODE is set: then every govchain process (each command, each node)
# compiled some 400 modules again as it started, 0.25 s of a node's 1.4 s of start-up CPU.
install: $(STAMP) $(COMPILED_STAMP) $(WEB_STAMP) $(SDK_AS_STAMP) ## create .venv, install GovChain with its dev tools, compile the hot paths, build the console's browser code, install the contract compilers (idempotent)
	@$(BIN)/python -m compileall -q -j 0 src/govchain >/dev/null

$(SYSTEM_STAMP): scripts/install-system-packages.sh
	@scripts/install-system-packages.sh
	@mkdir -p $(VENV) && touch $@

# Tools only the tests use (zbarimg, chromium for the console's browser tests,
# PostgreSQL for the indexer's suite); the
# stamp is written only once they are all there, so a run without root tries
# again next time.
$(TEST_TOOLS_STAMP): scripts/install-test-tools.sh scripts/install-postgres.sh
	@scripts/install-test-tools.sh
	@scripts/install-postgres.sh
	@if command -v zbarimg >/dev/null 2>&1 && test -x /usr/bin/chromium && compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then mkdir -p $(VENV) && touch $@; fi

# The console's browser code (docs/spec/console.md, "The build step"): npm ci from the
# committed lock file, then esbuild into static/build/ (never committed); again only when
# the lock file or a source changed.
$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json $(wildcard $(WEB)/src/*.js) $(wildcard $(WEB)/locker/*.js) $(SYSTEM_STAMP)
	@command -v npm >/dev/null 2>&1 || { echo "error: npm is missing (scripts/install-system-packages.sh installs nodejs and npm)"; exit 1; }
	@cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	@mkdir -p $(VENV) && touch $@

# The AssemblyScript compiler contracts build with (docs/spec/contracts.md, "Contract
# languages"): npm ci from the committed lock file, again only when it changed. Rust's
# compiler comes from Debian (scripts/install-system-packages.sh).
$(SDK_AS_STAMP): $(SDK_AS)/package.json $(SDK_AS)/package-lock.json $(SYSTEM_STAMP)
	@command -v npm >/dev/null 2>&1 || { echo "error: npm is missing (scripts/install-system-packages.sh installs nodejs and npm)"; exit 1; }
	@cd $(SDK_AS) && npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml $(SYSTEM_STAMP)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@
	@echo "installed: $$($(BIN)/govchain --version)"

# The hot paths compiled with mypyc beside their sources (src/govchain/compiled.py lists them;
# docs/performance.md, "Compiled hot paths"), again whenever one of their sources changed.
# A source edited since leaves its build unused (pure Python) until this runs again.
$(COMPILED_STAMP): $(STAMP) $(COMPILED_SOURCES) scripts/build_compiled.py
	@$(BIN)/python scripts/build_compiled.py
	@touch $@

LOCAL_NET := .govchain/local

# `make run` is these commands; tests/integration/test_make_run.py runs the same ones.
RUN_INIT := net init --dir $(LOCAL_NET) --validators 4 --storage-nodes 2 --demo
RUN_UP := net up --dir $(LOCAL_NET) --with-console

run: install ## install, then start a local network (4 validators, 2 storage nodes), the indexer, monitor and console, seeded with a demo once (Ctrl-C stops it all)
	@$(BIN)/govchain crypto selftest >/dev/null
	@test -f $(LOCAL_NET)/network.json || $(BIN)/govchain $(RUN_INIT)
	@test -d $(LOCAL_NET)/members || { echo "error: $(LOCAL_NET) was laid out by a version without the on-chain registry; remove it (rm -r $(LOCAL_NET)) to lay out a new network"; exit 1; }
	@$(BIN)/govchain $(RUN_UP)

demo: install ## install, then run enterprise setup (企业开办) end to end on this machine, then stop
	@$(BIN)/govchain crypto selftest >/dev/null
	@$(BIN)/govchain demo enterprise-setup --cases 3

# The suite runs on TEST_WORKERS pytest-xdist processes (tests/conftest.py: a module whose
# tests share a network stays on one worker; the slow directories start first). Most of a
# network test's time is spent waiting for blocks and deadlines, so there are more workers
# than cores. `make test TEST_WORKERS=0` runs it in this one process.
TEST_WORKERS ?= 4
PYTEST_XDIST = -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

test: install $(TEST_TOOLS_STAMP) ## install, then run the whole suite (what CI runs)
	@$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_XDIST)

check: install ## ruff, mypy (strict on the pure layers) and the import-layer test
	@$(BIN)/ruff check src tests
	@$(BIN)/ruff format --check src tests
	@$(BIN)/mypy
	@$(BIN)/python -m pytest -q tests/unit/test_import_layers.py

test-long: install $(TEST_TOOLS_STAMP) ## slow soak and simulation runs on top of the suite
	@$(BIN)/python -m pytest -q $(PYTEST_XDIST)

bench: install ## crypto figures as JSON
	@$(BIN)/govchain bench crypto --json

clean: ## remove the virtual environment, caches, the console's build and the compiled hot paths
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(WEB)/node_modules src/govchain/console/static/build $(SDK_AS)/node_modules src/govchain/compiled.json
	find src -name "*.so" -delete
