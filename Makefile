# groupcast: build, run and test.
#
#   make serve   run a node on the embedded store (creates .venv on first use)
#   make test    lint, then run the whole test suite (installs missing system packages when root)
#   make lint    ruff + mypy --strict
#   make bench   the benchmark (loadtest/bench): every scenario and baseline, < 10 minutes
#   make sdk-js  build the browser SDK (sdk/js, `npm ci` from its lock) and ship it with the demo
#
# Variables you may set:  PYTHON=python3.12  SERVE_ARGS='--port 9000'  PYTEST_ARGS='-k login -x'

PYTHON      ?= python3
VENV        ?= .venv
SERVE_ARGS  ?=
PYTEST_ARGS ?=
BENCH_ARGS  ?=

# System programs the test suite runs, as "binary:debian-package" pairs. Missing ones are
# installed with apt-get when running as root; otherwise `make test` says how and stops.
# Extend this list when the suite needs another program (browser tests: chromium:chromium).
TEST_SYSTEM_DEPS ?= redis-server:redis-server chromium:chromium node:nodejs npm:npm

VENV_PY := $(VENV)/bin/python
PIP     := $(VENV_PY) -m pip --disable-pip-version-check
# Stamps: reinstall only when pyproject.toml changes (the install is editable, so code
# changes need nothing).
STAMP      := $(VENV)/.groupcast-installed
TEST_STAMP := $(VENV)/.groupcast-installed-test
BENCH_STAMP := $(VENV)/.groupcast-installed-bench

# The TypeScript SDK (sdk/js): installed with `npm ci` from its committed lock (again
# only when the lock changes), built into sdk/js/dist, and its browser bundle copied into
# the demo's static files, which ship inside the Python package.
SDK_JS      := sdk/js
SDK_STAMP   := $(SDK_JS)/node_modules/.groupcast-npm-ci
SDK_BUNDLE  := $(SDK_JS)/dist/groupcast-chat.js
DEMO_BUNDLE := server/demo/static/groupcast-chat.js
SDK_SOURCES := $(wildcard $(SDK_JS)/src/*.ts) $(SDK_JS)/build.mjs $(SDK_JS)/tsconfig.json $(SDK_JS)/package.json

export DEBIAN_FRONTEND := noninteractive

.DEFAULT_GOAL := help
.PHONY: help serve install install-test test lint test-system-deps bench sdk-js test-sdk-js

help:
	@echo "make serve   run a groupcast node on the embedded store (SERVE_ARGS='--port 9000')"
	@echo "make test    lint, then run the test suite (PYTEST_ARGS='-k login -x')"
	@echo "make lint    ruff and mypy (strict) only"
	@echo "make bench   the benchmark, < 10 minutes (BENCH_ARGS='--quick': 1-2 minutes)"
	@echo "make sdk-js  build sdk/js and copy its browser bundle into the demo (server/demo/static)"

serve: $(STAMP)
	$(VENV)/bin/groupcast serve $(SERVE_ARGS)

test: $(TEST_STAMP) test-system-deps lint test-sdk-js
	$(VENV_PY) -m pytest -q $(PYTEST_ARGS)

# The SDK's own tests (Node's test runner) against groupcast nodes run by this .venv.
test-sdk-js: $(TEST_STAMP) test-system-deps sdk-js
	cd $(SDK_JS) && GROUPCAST_PYTHON=$(abspath $(VENV_PY)) npm test

sdk-js: $(DEMO_BUNDLE)

$(SDK_STAMP): $(SDK_JS)/package-lock.json $(SDK_JS)/package.json
	cd $(SDK_JS) && npm ci --no-audit --no-fund
	touch $@

$(SDK_BUNDLE): $(SDK_STAMP) $(SDK_SOURCES)
	cd $(SDK_JS) && npm run build

# In step with sdk/js: rebuilt and copied whenever the SDK changes (commit the copy). On
# CI (CI set) nothing is copied: a committed copy that differs from the build fails.
$(DEMO_BUNDLE): $(SDK_BUNDLE)
	@if [ -n "$$CI" ]; then \
	    cmp -s $(SDK_BUNDLE) $@ || { echo "make: $@ is not the build of sdk/js: run make sdk-js and commit it" >&2; exit 1; }; \
	    touch $@; \
	else \
	    cp $(SDK_BUNDLE) $@; \
	fi

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check server protocol tests loadtest
	$(VENV)/bin/ruff format --check -q server protocol tests loadtest
	$(VENV)/bin/mypy

# Results: loadtest/results/ (git-ignored); a full run also rewrites loadtest/RESULTS.md.
bench: $(BENCH_STAMP) test-system-deps
	BENCH_COMMAND="make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" $(VENV_PY) -m loadtest.bench $(BENCH_ARGS)

install: $(STAMP)
install-test: $(TEST_STAMP)

# The virtualenv. Debian's python3 needs the python3-venv package for `-m venv`.
$(VENV_PY):
	@if ! $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        echo "Installing python3-venv (apt-get) ..."; \
	        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null || exit 1; \
	    else \
	        echo "make: '$(PYTHON) -m venv' is not available." >&2; \
	        echo "      On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; \
	        exit 1; \
	    fi; \
	fi
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV_PY)
	$(PIP) install -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(VENV_PY)
	$(PIP) install -e '.[test]'
	touch $@ $(STAMP)

$(BENCH_STAMP): pyproject.toml | $(VENV_PY)
	$(PIP) install -e '.[bench]'
	touch $@ $(STAMP)

# Installs what TEST_SYSTEM_DEPS lists and is missing; does nothing when all are present.
test-system-deps:
	@missing=""; \
	for pair in $(TEST_SYSTEM_DEPS); do \
	    command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
	    echo "make: the tests need these programs, which are not installed:$$missing" >&2; \
	    echo "      On Debian/Ubuntu:  sudo apt-get install -y$$missing" >&2; \
	    echo "      (or run 'make test' as root, which installs them)" >&2; \
	    exit 1; \
	fi; \
	echo "Installing$$missing (apt-get) ..."; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	for pair in $(TEST_SYSTEM_DEPS); do \
	    command -v "$${pair%%:*}" >/dev/null 2>&1 || { echo "make: $${pair%%:*} still missing after installing $${pair#*:}" >&2; exit 1; }; \
	done
