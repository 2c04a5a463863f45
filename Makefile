# AetherVision. Two commands set up a fresh machine:
#   make dashboards   regenerate provisioning/ from aethervision.yaml
#   make test         run the test suite (installs prometheus, alertmanager, blackbox if missing)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
AV := $(VENV)/bin/aethervision
STAMP := $(VENV)/.installed-stamp
SPEC ?= aethervision.yaml
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install dashboards check validate test test-fast golden lint tools promtool servers compatibility architecture clean

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

# The real servers, from Debian's packages, installed only when a binary is missing:
# command -> package.
TOOLS := promtool:prometheus prometheus:prometheus amtool:prometheus-alertmanager \
  prometheus-alertmanager:prometheus-alertmanager prometheus-blackbox-exporter:prometheus-blackbox-exporter \
  victoria-metrics:victoria-metrics vmalert:victoria-metrics
promtool: ## Install Debian's prometheus, Alertmanager and blackbox exporter when missing
	@$(MAKE) --no-print-directory tools TOOLS="$(TOOLS)"

tools: ## Install the Debian packages whose binaries are missing (TOOLS="cmd:pkg ...")
	@missing=""; for pair in $(TOOLS); do \
	  command -v "$${pair%%:*}" >/dev/null || missing="$$missing $${pair#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Grafana's JSON Schemas for validate and the tests: ../shared/grafana-schema when it
# is there, unless AETHERVISION_GRAFANA_SCHEMA is set.
ifneq ($(wildcard ../shared/grafana-schema/dashboard.jsonschema.json),)
export AETHERVISION_GRAFANA_SCHEMA ?= $(abspath ../shared/grafana-schema)
endif
ifneq ($(wildcard ../shared/prometheus-operator-schema/prometheusrule.v1.jsonschema.json),)
export AETHERVISION_OPERATOR_SCHEMA ?= $(abspath ../shared/prometheus-operator-schema)
endif

# The pinned servers (aethervision/clients/servers.py: Prometheus 3, Alertmanager, VictoriaMetrics
# and vmalert, Sloth), built from their Go modules into .servers/; skipped when present.
servers: $(STAMP) ## Build the pinned servers from their Go modules into .servers/ (about 6.5 min cold, 0 s warm)
	$(PY) tools/servers.py

# Test workers: most slow tests wait on real servers, so three share two cores well; a test
# file stays on one worker (its module fixtures, like a server, start once): tests/support/scheduling.py.
JOBS ?= 3
# The quick loop's tests are short and many wait (retries, timeouts, HTTP doubles): four workers.
FAST_JOBS ?= 4

test: $(STAMP) promtool servers ## Run every test (CI runs this): JOBS workers, the 10 slowest printed
	$(PY) -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder --durations=10 $(PYTEST_ARGS)

architecture: $(STAMP) ## docs/architecture.md and its PNG from the import contract and the packages' docstrings
	$(PY) tools/architecture.py

compatibility: $(STAMP) ## docs/compatibility.md from the last `make test`'s engine results (build/engine-results.json)
	$(PY) tools/compatibility.py

test-fast: $(STAMP) promtool ## The quick loop: no live servers, no rule scenarios, no benchmark (about 25 s, FAST_JOBS workers)
	$(PY) -m pytest -n $(FAST_JOBS) -m "not live and not slow and not bench" $(PYTEST_ARGS)

golden: $(STAMP) ## Regenerate the expected output of tests/golden/* (review the diff)
	cd tests && ../$(PY) -m support.golden

lint: $(STAMP) ## ruff and the layer contracts (the tests run both too)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache *.egg-info


.PHONY: demo-fleet demo-fleet-stop
demo-fleet: $(STAMP) promtool ## Two clusters -> VictoriaMetrics :8428, rules in vmalert, Alertmanager (examples/multicluster.yaml)
	$(AV) demo fleet-up --spec examples/multicluster.yaml

demo-fleet-stop: $(STAMP) ## Stop exactly what `make demo-fleet` started
	$(AV) demo fleet-down

.PHONY: previews preview report
previews: $(STAMP) ## Regenerate docs/previews/*.png: the default spec's dashboards on the sample scenario
	$(AV) preview --spec $(SPEC) --sample --at 1800000000 --out docs/previews

preview: $(STAMP) ## PNGs of every dashboard from the running demo (or PROMETHEUS_URL) into previews/
	$(AV) preview --spec $(SPEC) $(if $(PROMETHEUS_URL),--prometheus-url $(PROMETHEUS_URL)) --out previews

.PHONY: chaos-tcp chaos-http chaos-burn push diff bench-foresight bench-cost bench-import bench-diff bench-build bench-backtest backtest compare-demo cost demo demo-stop demo-status show-breach vision-verify open-vision simulate-dip simulate-recovery autoheal
push: $(STAMP) ## Push dashboards to Grafana (GRAFANA_URL, GRAFANA_TOKEN)
	$(AV) push --spec $(SPEC)

diff: $(STAMP) ## Semantic diff against BASE (default HEAD)
	$(AV) diff --spec $(SPEC) --base $(or $(BASE),HEAD)

bench-foresight: $(STAMP) promtool servers ## Alert policies, forecasts, noise and the Workbook's table (promtool, Prometheus); docs/foresight.md
	$(PY) -m bench.foresight --spec $(SPEC) --out docs

bench-cost: $(STAMP) promtool ## Rule cost vs Sloth's and Pyrra's shapes on a real Prometheus (10, 100 SLOs); docs/cost.md
	$(PY) -m bench.cost --slos $(or $(SLOS),10,100) --out docs

bench-import: $(STAMP) servers ## Import 1,000 Sloth, Pyrra and OpenSLO SLOs each (real sloth generate beside it); docs/import-speed.md
	$(PY) -m bench.importers --out docs

bench-diff: $(STAMP) ## diff at 1,000 and 5,000 SLOs beside build (time, memory); docs/diff-speed.md
	$(PY) -m bench.diffscale --out docs

bench-build: $(STAMP) promtool ## Build time and memory at 1 to 1,000 SLOs, push at scale; docs/build.md
	$(PY) -m bench.build --spec $(SPEC) --out docs

bench-backtest: $(STAMP) promtool ## Backtest speed: 1 and 10 SLOs x 30 days, and promtool's rule backfill beside it; docs/backtest-speed.md
	$(PY) -m bench.backtest --slos $(or $(SLOS),10) --out docs

backtest: $(STAMP) promtool ## Replay the alerts over PROMETHEUS_URL's history (default: the demo's); BASE=ref compares
	$(AV) backtest --spec $(SPEC) $(if $(PROMETHEUS_URL),--prometheus-url $(PROMETHEUS_URL)) $(if $(BASE),--base $(BASE)) $(if $(FORMAT),--format $(FORMAT))

compare-demo: $(STAMP) promtool servers ## Sloth's alerts (examples/sloth/crm-payments.yml, real sloth generate) beside ours on the demo's month
	$(AV) compare examples/sloth/crm-payments.yml --spec $(SPEC) --days 28 $(if $(PROMETHEUS_URL),--prometheus-url $(PROMETHEUS_URL)) $(if $(FORMAT),--format $(FORMAT))

cost: $(STAMP) ## Samples per hour the rules read on PROMETHEUS_URL (default: the demo's), per SLO
	$(AV) cost --spec $(SPEC) $(if $(PROMETHEUS_URL),--prometheus-url $(PROMETHEUS_URL))

# -- live operations (a running Prometheus; `make demo` starts a local one) --------------
demo: $(STAMP) promtool ## Start Prometheus (with 31 days of history), simulator, autoheal (acting: AUTOHEAL_ENABLED=false to watch only)
	AUTOHEAL_ENABLED=$${AUTOHEAL_ENABLED:-true} $(AV) demo up --spec $(SPEC)

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

REPORT_PERIOD ?= $(shell date -u -d "$$(date -u +%Y-%m-15) -1 month" +%Y-%m)
report: $(STAMP) ## SLO report for REPORT_PERIOD (default last month) from PROMETHEUS_URL (the demo's) into REPORT_DIR
	$(AV) report --spec $(SPEC) --period $(REPORT_PERIOD) --format markdown --out $(or $(REPORT_DIR),report) \
		$(if $(PROMETHEUS_URL),--prometheus-url $(PROMETHEUS_URL))

# DEMO_DIR (default .demo) and EXPERIMENTS (default chaos/experiments.yaml) point elsewhere.
CHAOS_ARGS = $(if $(DEMO_DIR),--workdir $(DEMO_DIR)) $(if $(EXPERIMENTS),--experiments $(EXPERIMENTS))
chaos-tcp: $(STAMP) ## Chaos: stop the probed crm-api; expect TcpEndpointDownFast, autoheal's restart, recovery
	$(AV) chaos tcp --spec $(SPEC) $(CHAOS_ARGS)

chaos-http: $(STAMP) ## Chaos: crm-api's health check answers 500; expect HttpEndpointDownFast, restart, recovery
	$(AV) chaos http --spec $(SPEC) $(CHAOS_ARGS)

chaos-burn: $(STAMP) ## Chaos: half the payments fail; expect the fast-burn page and autoheal's rollback (~20 min)
	$(AV) chaos burn --spec $(SPEC) $(CHAOS_ARGS)

simulate-dip: $(STAMP) ## Degrade the simulated payment rate (RATIO=0.3)
	$(AV) simulate dip $(if $(RATIO),--error-ratio $(RATIO))

simulate-recovery: $(STAMP) ## Restore the simulated payment rate
	$(AV) simulate recovery

autoheal: $(STAMP) ## Run the autoheal service in the foreground (AUTOHEAL_ENABLED)
	$(AV) autoheal
