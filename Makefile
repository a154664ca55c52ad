# groupcast: build, run and test.
#
#   make serve   run a node on the embedded store (creates .venv on first use)
#   make test    lint, then run the whole test suite (installs missing system packages when root)
#   make lint    ruff + mypy --strict + hadolint, and the lock matches pyproject.toml
#   make bench   the benchmark (loadtest/bench): every scenario and baseline, < 10 minutes
#   make sdk-js  build the browser SDK (sdk/js, `npm ci` from its lock) and ship it with the demo
#   make lock    refresh uv.lock after editing pyproject.toml's dependencies (commit both)
#   make upgrade move every locked package to the newest release pyproject.toml allows
#
# Every Python install comes from uv.lock, through uv (`uv sync --locked`); make installs
# uv itself into .venv, at the version pyproject.toml pins, when it is missing.
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

VENV_PY    := $(VENV)/bin/python
UV         := $(VENV)/bin/uv
UV_VERSION := $(shell sed -n 's/^required-version = "==\(.*\)"/\1/p' pyproject.toml)
UV_STAMP   := $(VENV)/.groupcast-uv-$(UV_VERSION)
# Stamps: sync again only when pyproject.toml or uv.lock changes (the project itself is
# installed editable, so code changes need nothing). `make test` syncs exactly the lock's
# base + test packages; serve and bench add theirs without removing the others (--inexact),
# so `make serve` in one terminal never pulls pytest from under `make test` in another.
SYNCED       := $(VENV)/.groupcast-synced
SYNCED_TEST  := $(VENV)/.groupcast-synced-test
SYNCED_BENCH := $(VENV)/.groupcast-synced-bench

# The TypeScript SDK (sdk/js): installed with `npm ci` from its committed lock (again
# only when the lock changes), built into sdk/js/dist, and its browser bundle copied into
# the demo's static files, which ship inside the Python package.
SDK_JS      := sdk/js
SDK_STAMP   := $(SDK_JS)/node_modules/.groupcast-npm-ci
SDK_BUNDLE  := $(SDK_JS)/dist/groupcast-chat.js
DEMO_BUNDLE := server/demo/static/groupcast-chat.js
SDK_SOURCES := $(wildcard $(SDK_JS)/src/*.ts) $(SDK_JS)/build.mjs $(SDK_JS)/tsconfig.json $(SDK_JS)/package.json

# uv: the Python that made .venv, never one it downloads; .venv wherever VENV points.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export DEBIAN_FRONTEND := noninteractive

.DEFAULT_GOAL := help
.PHONY: help serve install install-test test lint lint-docker check-lock lock upgrade test-system-deps bench sdk-js test-sdk-js

help:
	@echo "make serve   run a groupcast node on the embedded store (SERVE_ARGS='--port 9000')"
	@echo "make test    lint, then run the test suite (PYTEST_ARGS='-k login -x')"
	@echo "make lint    ruff, mypy (strict), hadolint, and the lock matches pyproject.toml"
	@echo "make bench   the benchmark, < 10 minutes (BENCH_ARGS='--quick': 1-2 minutes)"
	@echo "make sdk-js  build sdk/js and copy its browser bundle into the demo (server/demo/static)"
	@echo "make lock    refresh uv.lock after changing pyproject.toml (make upgrade: newest allowed releases)"

serve: $(SYNCED)
	$(VENV)/bin/groupcast serve $(SERVE_ARGS)

test: $(SYNCED_TEST) test-system-deps lint test-sdk-js
	$(VENV_PY) -m pytest -q $(PYTEST_ARGS)

# The SDK's own tests (Node's test runner) against groupcast nodes run by this .venv.
test-sdk-js: $(SYNCED_TEST) test-system-deps sdk-js
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

lint: $(SYNCED_TEST) check-lock lint-docker
	$(VENV)/bin/ruff check server protocol tests loadtest
	$(VENV)/bin/ruff format --check -q server protocol tests loadtest
	$(VENV)/bin/mypy

# The image cannot be built here (no Docker engine): lint the Dockerfile statically. The
# compose file and the rest of the Dockerfile are checked by tests/test_docker.py.
lint-docker: $(SYNCED_TEST)
	$(VENV)/bin/hadolint Dockerfile

# Results: loadtest/results/ (git-ignored); a full run also rewrites loadtest/RESULTS.md.
bench: $(SYNCED_BENCH) test-system-deps
	BENCH_COMMAND="make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" $(VENV_PY) -m loadtest.bench $(BENCH_ARGS)

install: $(SYNCED)
install-test: $(SYNCED_TEST)

# The lock is the one source of truth: refresh it after editing pyproject.toml, commit both.
lock: $(UV_STAMP)
	$(UV) lock

upgrade: $(UV_STAMP)
	$(UV) lock --upgrade

# Fails, saying how to fix it, when pyproject.toml changed and uv.lock was not refreshed.
check-lock: $(UV_STAMP)
	@$(UV) lock --check --quiet || { \
	    echo "make: uv.lock does not match pyproject.toml (its dependencies changed since the last 'make lock')." >&2; \
	    echo "      Run 'make lock' to refresh uv.lock, then commit pyproject.toml and uv.lock together." >&2; \
	    exit 1; }

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

# uv, bootstrapped with the venv's pip at the pinned version (again when the pin moves).
# From then on uv.lock has it too (group `dev`, with hashes) and `uv sync` keeps it.
$(UV_STAMP): | $(VENV_PY)
	$(VENV_PY) -m pip install --disable-pip-version-check -q "uv==$(UV_VERSION)"
	rm -f $(VENV)/.groupcast-uv-*
	touch $@

$(SYNCED): pyproject.toml uv.lock $(UV_STAMP)
	@$(MAKE) --no-print-directory check-lock
	$(UV) sync --locked --inexact
	touch $@

$(SYNCED_TEST): pyproject.toml uv.lock $(UV_STAMP)
	@$(MAKE) --no-print-directory check-lock
	$(UV) sync --locked --extra test
	rm -f $(SYNCED_BENCH)
	touch $@ $(SYNCED)

$(SYNCED_BENCH): pyproject.toml uv.lock $(UV_STAMP)
	@$(MAKE) --no-print-directory check-lock
	$(UV) sync --locked --inexact --extra bench
	touch $@ $(SYNCED)

uv.lock:
	@echo "make: uv.lock is missing: run 'make lock' (and commit it)" >&2; exit 1

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
