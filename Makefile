# AetherVision. Two commands set up a fresh machine:
#   make dashboards   regenerate provisioning/ from aethervision.yaml
#   make test         run the test suite (installs promtool/prometheus if missing)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
AV := $(VENV)/bin/aethervision
STAMP := $(VENV)/.installed-stamp
SPEC ?= aethervision.yaml
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install dashboards check validate test promtool clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

install: $(STAMP) ## Create .venv and install AetherVision into it

dashboards: $(STAMP) ## Regenerate provisioning/ (dashboards, provisioning YAML, rules)
	$(AV) build --spec $(SPEC)

check: $(STAMP) ## Exit 1 if provisioning/ is stale
	$(AV) build --check --spec $(SPEC)

validate: $(STAMP) promtool ## Validate generated output (schemas, layout, PromQL)
	$(AV) validate --spec $(SPEC)

promtool: ## Install Debian's prometheus package when promtool is missing
	@if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then \
	  echo "promtool/prometheus not found: installing Debian's prometheus package"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq prometheus >/dev/null; \
	fi
	@promtool --version | head -n 1

test: $(STAMP) promtool ## Run the tests
	$(PY) -m pytest $(PYTEST_ARGS)

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache *.egg-info

.PHONY: push diff
push: $(STAMP) ## Push dashboards to Grafana (GRAFANA_URL, GRAFANA_TOKEN)
	$(AV) push --spec $(SPEC)

diff: $(STAMP) ## Semantic diff against BASE (default HEAD)
	$(AV) diff --spec $(SPEC) --base $(or $(BASE),HEAD)
