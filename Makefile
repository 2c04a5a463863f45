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


.PHONY: push diff bench-foresight demo demo-stop demo-status show-breach vision-verify open-vision simulate-dip simulate-recovery autoheal
push: $(STAMP) ## Push dashboards to Grafana (GRAFANA_URL, GRAFANA_TOKEN)
	$(AV) push --spec $(SPEC)

diff: $(STAMP) ## Semantic diff against BASE (default HEAD)
	$(AV) diff --spec $(SPEC) --base $(or $(BASE),HEAD)

bench-foresight: $(STAMP) promtool ## Alert policies vs the SRE Workbook in promtool; writes docs/foresight.md (~15 min)
	$(PY) -m bench.foresight --spec $(SPEC) --out docs

# -- live operations (a running Prometheus; `make demo` starts a local one) --------------
demo: $(STAMP) promtool ## Start Prometheus (with 31 days of history), simulator, autoheal
	$(AV) demo up --spec $(SPEC)

demo-stop: $(STAMP) ## Stop exactly what `make demo` started
	$(AV) demo down

demo-status: $(STAMP) ## Show the demo's processes and URLs
	$(AV) demo status

show-breach: $(STAMP) ## Days/hours to SLO breach from Prometheus (PROMETHEUS_URL)
	$(AV) breach --spec $(SPEC)

vision-verify: $(STAMP) ## Health check: rules loaded, runway, alerts, autoheal
	$(AV) verify --spec $(SPEC)

open-vision: $(STAMP) ## Open the AetherVision dashboard (GRAFANA_URL)
	$(AV) open --spec $(SPEC)

simulate-dip: $(STAMP) ## Degrade the simulated payment rate (RATIO=0.3)
	$(AV) simulate dip $(if $(RATIO),--error-ratio $(RATIO))

simulate-recovery: $(STAMP) ## Restore the simulated payment rate
	$(AV) simulate recovery

autoheal: $(STAMP) ## Run the autoheal service in the foreground (AUTOHEAL_ENABLED)
	$(AV) autoheal
