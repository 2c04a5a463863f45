"""Every default value, in one place: the spec's optional fields and the run-time services'.

The spec loader fills omitted spec fields from here; the CLI, the demo stack and
the services take their default ports and paths from here.
"""

from __future__ import annotations

# -- files ---------------------------------------------------------------------------
SPEC_PATH = "aethervision.yaml"  # or $AETHERVISION_SPEC
SPEC_ENV = "AETHERVISION_SPEC"
ACTIONS_PATH = "deploy/autoheal-actions.yaml"  # or $AUTOHEAL_ACTIONS
ACTIONS_ENV = "AUTOHEAL_ACTIONS"
OUT_DIR = "provisioning"
SCHEMA_ENV = "AETHERVISION_GRAFANA_SCHEMA"
OPERATOR_SCHEMA_ENV = "AETHERVISION_OPERATOR_SCHEMA"

# -- run-time services (all on the loopback by default) -------------------------------
HOST = "127.0.0.1"
PROMETHEUS_PORT = 9090
AUTOHEAL_PORT = 9009
SIMULATOR_PORT = 9101
ALERTMANAGER_PORT = 9093
BLACKBOX_PORT = 9115
CRM_API_PORT = 9102  # the demo's probed endpoint (demo/endpoint.py), which chaos experiments break
PROMETHEUS_URL = f"http://localhost:{PROMETHEUS_PORT}"
AUTOHEAL_LISTEN = f"{HOST}:{AUTOHEAL_PORT}"
SIMULATOR_LISTEN = f"{HOST}:{SIMULATOR_PORT}"
DEMO_DIR = ".demo"
CHAOS_EXPERIMENTS = "chaos/experiments.yaml"  # `aethervision chaos`; reports go to <demo dir>/chaos/
DEMO_HISTORY_DAYS = 31
SIMULATOR_RPS = 10.0
SIMULATOR_HEALTHY_RATIO = 0.001  # burn 0.1 against a 99% objective
SIMULATOR_DIP_RATIO = 0.3  # burn 30: a full budget lasts under a day
# The demo history's incidents, so that `make backtest` has something to report:
# (name, starts this many seconds before the live start, lasts seconds, error ratio).
DEMO_INCIDENTS = (
    ("slow burn", 20 * 86400 + 6 * 3600, 36 * 3600, 0.025),  # 2.5x the budget's pace for a day and a half
    ("outage", 9 * 86400 + 14 * 3600, 45 * 60, 0.3),  # 30% of payments fail for 45 minutes
    ("blip", 3 * 86400 + 2 * 3600, 2 * 60, 1.0),  # every payment fails for two minutes
)

# -- spec: optional fields ------------------------------------------------------------
POLICY = "aethervision"
MIN_ERRORS = 3
# Failures an alert's short window needs to confirm a burn (at most min_errors; 0 turns both off).
SHORT_MIN_ERRORS = 2
# An alert's short window remembers this much of the past (a shorter one is read at its highest
# over the difference), while the long window still burns: a burn that flaps (10 minutes bad, 20
# good) is one page, not four, and no tier resets later than this after a real recovery: the
# Workbook's 6h/30m page tier already takes 30 minutes (docs/foresight.md).
HOLD = "30m"
# The SRE Workbook's multiwindow, multi-burn-rate thresholds (as Sloth generates
# them), with short windows of at most 30m so every alert resets within 30
# minutes of recovery and each window is several samples wide.
BURN_ALERTS = {
    "page": ({"long": "1h", "short": "10m", "factor": 14.4}, {"long": "6h", "short": "30m", "factor": 6}),
    "ticket": ({"long": "1d", "short": "30m", "factor": 3}, {"long": "3d", "short": "30m", "factor": 1}),
}
CHART_MAX = "72h"
NO_DATA_FOR = "10m"  # <Prefix>SLINoData: the SLI's total absent or flat this long
NO_DATA_SEVERITY = "warning"
# The runway section when the spec leaves it out (the repository spec spells it out).
RUNWAY_ALERTS = {"warning": {"below": "24h", "for": "5m"}, "critical": {"below": "6h", "for": "5m"}}
DAYS_TO_BREACH_THRESHOLDS = ({"color": "red", "value": 0}, {"color": "orange", "value": 5},
                             {"color": "yellow", "value": 10}, {"color": "green", "value": 20})
BUDGET_REMAINING_THRESHOLDS = ({"color": "red", "value": 0}, {"color": "orange", "value": 0.25},
                               {"color": "green", "value": 0.5})
RUNWAY_CAP = "365d"
# The grafana section when left out.
DASHBOARD_UID = "aethervision"
DASHBOARD_TITLE = "AetherVision"
DASHBOARD_TAGS = ("aethervision", "slo", "runway")
FOLDER_UID = "aethervision"
FOLDER_TITLE = "AetherVision"
DATASOURCE_NAME = "Prometheus"
DATASOURCE_UID = "prometheus"
# The prometheus section's intervals, where outputs need them and the spec has none.
SCRAPE_INTERVAL = "15s"
EVALUATION_INTERVAL = "30s"
# Two-tier rules (the `rules` section): windows of LONG_WINDOW_FROM or more are read
# from short-window rates ("tiles") recorded by a slower group every LONG_WINDOW_INTERVAL,
# not from raw counters at every evaluation. 6h is the first window whose raw read
# would cost more than every tile-based long window together (docs/cost.md).
LONG_WINDOW_FROM = "6h"
LONG_WINDOW_INTERVAL = "5m"
GRAFANA_URL = "http://localhost:3000"
GRAFANA_READ_CONCURRENCY = 8  # push reads this many dashboards from Grafana at a time
DASHBOARD_REFRESH = "1m"
DASHBOARD_TIME_FROM = "24h"
PROBES_FOR = "10m"
AUTOHEAL_STALE_AFTER = "24h"
AM_GROUP_WAIT = "30s"
AM_GROUP_INTERVAL = "5m"
AM_REPEAT_INTERVAL = "4h"
AUTOHEAL_DISABLED_FOR = "10m"

# -- autoheal mapping file: per-action tuning when neither the action nor `defaults` sets it
ACTION_TIMEOUT = "30s"
ACTION_COOLDOWN = "10m"

# -- spec loader limits (hostile or mistaken input fails fast, not out of memory) ----
MAX_SPEC_BYTES = 16 * 1024 * 1024
MAX_YAML_NODES = 2_000_000  # after alias expansion: a "billion laughs" stops here
MAX_REPORTED_PROBLEMS = 20
MAX_SLOS = 10_000

# What evaluates the rules (rules.engine): ranges over counters are written for it (promql/sli.closed).
RULES_ENGINE = "prometheus"
# grafana.format: classic JSON (file provisioning), or the app-platform resources of Grafana 12/13.
DASHBOARD_FORMAT = "classic"
# alerting.engine: where the SLO alerts are evaluated (Prometheus rule files, Grafana-managed rules, both).
ALERTING_ENGINE = "prometheus"
# alerting.recording_rules: who records the SLO series (Prometheus rule files, or Grafana recording rules).
RECORDING_ENGINE = "prometheus"
# probes.endpoint_down: HttpEndpointDownFast / TcpEndpointDownFast (the seed's names).
ENDPOINT_DOWN_FOR = "1m"
ENDPOINT_DOWN_SEVERITY = "critical"
# Budget-consumed alerts of calendar SLOs: a ticket at half the period's budget, a page at 90%.
BUDGET_CONSUMED_ALERTS = ({"share": 0.5, "severity": "warning"}, {"share": 0.9, "severity": "critical"})
