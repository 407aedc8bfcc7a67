# growthgraph: `make run` to serve, `make test` for the whole suite, `make check` before committing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := playground/node_modules/.installed
EXPLORER_STAMP := explorer/node_modules/.installed
AUDIT_DIR := tests/tools/graphql-http
AUDIT_STAMP := $(AUDIT_DIR)/node_modules/.installed
LOCAL_NEO4J := $(BIN)/python neo4j/local.py
BENCH_NPM_DIR := bench/neo4j-graphql
BENCH_NPM_STAMP := $(BENCH_NPM_DIR)/node_modules/.installed
# YES=1 confirms neo4j-wipe and restore without a question (they destroy data).
CONFIRM = $(if $(filter 1 y yes true,$(YES)), --yes)
# How to stop the local instance of this shell's settings (for the message make run leaves).
NEO4J_STOP_HINT = $${GROWTHGRAPH_NEO4J_INSTANCE:+GROWTHGRAPH_NEO4J_INSTANCE=$$GROWTHGRAPH_NEO4J_INSTANCE }make neo4j-stop

.PHONY: help setup lock browser run test check lint typecheck schema schema-check fmt neo4j-start neo4j-stop neo4j-status neo4j-wipe backup restore seed clean bench bench-setup

help:  ## list the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is required (python3 not found)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@

# requirements.lock: every Python package of `.[dev]`, at the exact version `make setup` installs
# (pyproject.toml holds the ranges that are allowed). Rewritten from a new virtualenv that
# installs the newest versions the ranges allow; run `make check test` before committing it.
lock:  ## rewrite requirements.lock from the newest versions pyproject.toml allows
	@rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	@{ echo "# The exact versions make setup installs; rewritten by make lock (ranges: pyproject.toml)."; \
	  .lock-venv/bin/pip freeze --exclude-editable | LC_ALL=C sort -f; } > requirements.lock
	@rm -rf .lock-venv
	@echo "requirements.lock rewritten; run make check test before committing it"

$(NPM_STAMP): playground/package.json playground/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is required to install the playground assets"; exit 1; }
	npm ci --prefix playground --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(EXPLORER_STAMP): explorer/package.json explorer/package-lock.json
	npm ci --prefix explorer --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The browser tests drive Debian's chromium (no browser download). Installed here when it is
# missing and the machine lets us (root, or sudo without a password); else the tests say so.
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then \
	    (sudo -n apt-get update -qq && sudo -n DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "make setup: chromium is not installed and cannot be installed here: install Debian's chromium package (the browser tests need it)" >&2; fi; }

$(AUDIT_STAMP): $(AUDIT_DIR)/package.json $(AUDIT_DIR)/package-lock.json
	npm ci --prefix $(AUDIT_DIR) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(STAMP) $(NPM_STAMP) $(EXPLORER_STAMP) $(AUDIT_STAMP) browser  ## create the virtualenv and install everything (chromium too, where it can)

# A Neo4j that make run started keeps running after the server stops (Ctrl-C): the next make run
# attaches to it at once. The EXIT trap says so, and how to stop it.
run: setup  ## start a local Neo4j (unless NEO4J_URI is set), load demo data if empty, serve
	@if [ -n "$$NEO4J_URI" ]; then exec $(BIN)/growthgraph serve; fi; \
	started=1; if $(LOCAL_NEO4J) status >/dev/null 2>&1; then started=; fi; \
	url=$$($(LOCAL_NEO4J) start) || exit $$?; \
	if [ -n "$$started" ]; then \
	  trap 'exit 130' INT TERM; \
	  trap 'echo "make run: the local Neo4j it started is still running ($$url); stop it with: $(NEO4J_STOP_HINT)" >&2' EXIT; \
	fi; \
	NEO4J_URI=$$url $(BIN)/growthgraph serve

test: setup  ## the whole suite (unit, integration, api) against a real Neo4j
	$(BIN)/pytest

check: setup lint typecheck schema-check  ## the quality gate: ruff, mypy strict, pyright, schema diff

lint:
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy
	$(BIN)/pyright --project pyproject.toml

schema: setup  ## write schema.graphql from the code
	$(BIN)/growthgraph export-schema --output schema.graphql

schema-check:
	$(BIN)/growthgraph export-schema --output schema.graphql --check

fmt: setup  ## format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

neo4j-start: setup  ## start only the local Neo4j (waits until Bolt answers)
	$(LOCAL_NEO4J) start

neo4j-stop:  ## stop the local Neo4j
	$(LOCAL_NEO4J) stop

neo4j-status:  ## is the local Neo4j running? (stopped is an answer, not an error)
	@$(LOCAL_NEO4J) status || [ $$? -eq 3 ]

neo4j-wipe:  ## stop the local Neo4j and delete its data (asks first; YES=1 confirms)
	$(LOCAL_NEO4J) wipe$(CONFIRM)

backup:  ## dump the local Neo4j's database (BACKUP=file; default backups/<instance>-<time>.dump)
	$(LOCAL_NEO4J) backup$(if $(BACKUP), --to '$(BACKUP)')

restore:  ## replace the local Neo4j's database with a dump (BACKUP=file; asks first, YES=1)
	@test -n '$(BACKUP)' || { echo "make restore needs the dump to load: make restore BACKUP=backups/<file>.dump" >&2; exit 2; }
	$(LOCAL_NEO4J) restore --from '$(BACKUP)'$(CONFIRM)

seed: setup  ## load demo data (USERS=10000 SEED=7), even into a non-empty database
	$(BIN)/growthgraph seed --users $${USERS:-10000} --seed $${SEED:-7} --force

$(BENCH_NPM_STAMP): $(BENCH_NPM_DIR)/package.json $(BENCH_NPM_DIR)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "make bench needs Node.js 20+ with npm, for @neo4j/graphql on Apollo Server"; exit 1; }
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || { echo "make bench needs Node.js 20+ (found $$(node --version))"; exit 1; }
	npm ci --prefix $(BENCH_NPM_DIR) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

bench-setup: setup $(BENCH_NPM_STAMP)  ## install the benchmark's comparison server (npm ci, pinned)

bench: bench-setup  ## benchmark on its own Neo4j (BENCH_USERS=100000 by default; see bench/README.md)
	$(BIN)/python bench/run.py

clean:  ## remove the virtualenv and installed assets (keeps Neo4j data)
	rm -rf $(VENV) playground/node_modules $(AUDIT_DIR)/node_modules $(BENCH_NPM_DIR)/node_modules
