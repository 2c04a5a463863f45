"""The frozen model every output is generated from (spec -> model -> outputs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from aethervision.core import defaults
from aethervision.core.periods import BudgetAlert, Calendar, Correction, Maintenance


class Policy(StrEnum):
    """Which SLO alerts are generated (README, "Alerts")."""
    AETHERVISION = "aethervision"  # runway and burn alerts, confirmed by short windows
    SEED = "seed"  # the original: conservative runway below the thresholds


def slugify(title: str) -> str:
    """Grafana's URL slug of a title: lower case, runs of other characters as one dash."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class SLIKind(StrEnum):
    """How an SLO counts bad events (README, "SLI kinds")."""
    RATIO = "ratio"  # errors / total counter selectors
    LATENCY = "latency"  # histogram: requests slower than a bucket bound are bad
    PROBE = "probe"  # 0/1 gauge (blackbox probe_success): each 0 sample is a bad event
    RAW = "raw"  # a PromQL error ratio with $window


@dataclass(frozen=True)
class SLI:
    kind: SLIKind
    errors: str = ""  # ratio: counter selector of failed events
    total: str = ""  # ratio: counter selector of all events
    histogram: str = ""  # latency: base name (_bucket and _count are read; the series itself if native)
    native: bool = False  # latency: a native histogram (Prometheus 3), read with histogram_fraction
    selector: str = ""  # latency: label matchers, `{job="api"}`
    below: float = 0.0  # latency: seconds, one of the histogram's le bounds
    probe: str = ""  # probe: selector of the 0/1 gauge
    raw: str = ""  # raw: error-ratio PromQL with $window

    @property
    def bad_events(self) -> str:
        """What the budget is spent on, in words, for titles and descriptions."""
        if self.kind is SLIKind.LATENCY:
            below = f"{self.below * 1000:g} ms" if self.below < 1 else f"{self.below:g} s"
            return f"requests slower than {below}"
        return {SLIKind.RATIO: "failed events", SLIKind.PROBE: "failed probes",
                SLIKind.RAW: "error ratio"}[self.kind]


@dataclass(frozen=True)
class Tier:
    """Per-alert overrides of an SLO: extra labels and annotations, or off."""
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    disable: bool = False
    autoheal: bool = False  # label and annotate autoheal="true": Alertmanager routes it to autoheal


# The alert tiers `slos[].alerting` may tune, and the alert each one names.
TIERS = ("warning", "critical", "page", "ticket", "exhausted")


@dataclass(frozen=True)
class NoData:
    for_: str
    severity: str
    disable: bool = False


@dataclass(frozen=True)
class SLO:
    name: str
    service: str
    title: str
    description: str
    objective: float
    window: str
    window_seconds: int
    sli: SLI
    runbook_url: str
    group_by: tuple[str, ...] = ()  # labels kept on every recorded series: one runway per group
    labels: tuple[tuple[str, str], ...] = ()  # routing labels on every alert of the SLO
    alert_name: str = ""  # alert name prefix; derived from the name when empty
    alerting: tuple[tuple[str, Tier], ...] = ()  # tier name -> overrides
    no_data: NoData = NoData(for_=defaults.NO_DATA_FOR, severity=defaults.NO_DATA_SEVERITY)
    calendar: Calendar | None = None  # window: {calendar, timezone}; `window` is then the nominal length

    def tier(self, name: str) -> Tier:
        return dict(self.alerting).get(name, Tier())

    @property
    def window_hours(self) -> float:
        return self.window_seconds / 3600

    @property
    def error_budget(self) -> float:
        """Allowed error ratio, 1 - objective (0.01 for 99%)."""
        return round(1 - self.objective, 12)

    @property
    def alert_prefix(self) -> str:
        """CamelCase alert name stem: payment_rate -> PaymentRate, unless `alert_name` sets it."""
        return self.alert_name or "".join(part.capitalize() for part in self.name.split("_"))


@dataclass(frozen=True)
class RunwayAlert:
    below: str
    below_seconds: int
    for_: str

    @property
    def below_hours(self) -> float:
        return self.below_seconds / 3600


@dataclass(frozen=True)
class Threshold:
    color: str
    value: float


@dataclass(frozen=True)
class BurnTier:
    """Budget burn above `factor` over both `long` and `short` windows."""
    long: str
    short: str
    factor: float
    long_seconds: int
    short_seconds: int


@dataclass(frozen=True)
class Runway:
    warning: RunwayAlert
    critical: RunwayAlert
    days_to_breach_thresholds: tuple[Threshold, ...]
    budget_remaining_thresholds: tuple[Threshold, ...]
    cap_seconds: int
    chart_max_seconds: int
    policy: Policy
    min_errors: int
    hold_seconds: int  # a short window that burned within this long still confirms (flapping: one page)
    page_tiers: tuple[BurnTier, ...]
    ticket_tiers: tuple[BurnTier, ...]

    @property
    def cap_hours(self) -> float:
        return self.cap_seconds / 3600


@dataclass(frozen=True)
class Grafana:
    url: str
    dashboard_uid: str
    dashboard_title: str
    tags: tuple[str, ...]
    refresh: str
    time_from: str
    folder_uid: str
    folder_title: str
    datasource_name: str
    datasource_uid: str
    datasource_url: str
    format: str = "classic"  # classic JSON, `resource` (dashboard.grafana.app/v1) or `v2` (dashboard.grafana.app/v2)

    @property
    def dashboard_path(self) -> str:
        """/d/<uid>/<slug>, the path Grafana serves the dashboard under."""
        return f"/d/{self.dashboard_uid}/{slugify(self.dashboard_title)}"

    def dashboard_url(self, base: str | None = None) -> str:
        return f"{(base or self.url).rstrip('/')}{self.dashboard_path}"

    @property
    def detail_uid(self) -> str:
        """The SLO detail dashboard: one templated view for every SLO."""
        return f"{self.dashboard_uid}-slo"[:40]

    @property
    def detail_title(self) -> str:
        return f"{self.dashboard_title} · SLO detail"

    @property
    def detail_path(self) -> str:
        return f"/d/{self.detail_uid}/{slugify(self.detail_title)}"


@dataclass(frozen=True)
class Probes:
    http: str
    tcp: str
    min_healthy: int
    for_: str
    exporter: str = ""  # blackbox exporter host:port; with targets, the build writes its scrape jobs
    http_targets: tuple[str, ...] = ()
    tcp_targets: tuple[str, ...] = ()
    down: EndpointDown = None  # type: ignore[assignment] - the loader always sets it


@dataclass(frozen=True)
class EndpointDown:
    """HttpEndpointDownFast / TcpEndpointDownFast: one probed endpoint failing for `for_`."""
    for_: str = "1m"
    severity: str = "critical"
    autoheal: bool = False
    disable: bool = False


@dataclass(frozen=True)
class Slack:
    """notifications.slack: Slack messages from Alertmanager with each SLO's runway."""
    webhook_url_file: str  # read by Alertmanager (api_url_file): the URL is a secret, never in the spec
    channel: str = ""
    severities: tuple[str, ...] = ("critical", "warning")


@dataclass(frozen=True)
class Alertmanager:
    target: str  # host:port Prometheus sends alerts to
    group_wait: str
    group_interval: str
    repeat_interval: str
    receivers: tuple[tuple[str, dict], ...]  # page/ticket/quiet -> Alertmanager receiver config
    autoheal_token_file: str  # bearer token for the autoheal webhook; "" = no auth header


@dataclass(frozen=True)
class Autoheal:
    job: str
    target: str
    stale_after: str
    stale_after_seconds: int
    disabled_for: str


@dataclass(frozen=True)
class ScrapeJob:
    job: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Prometheus:
    scrape_interval: str
    evaluation_interval: str
    scrape: tuple[ScrapeJob, ...]


@dataclass(frozen=True)
class RuleGroups:
    """Each rule group's evaluation interval: the fast groups (raw short windows, ratios,
    runway, alerts) and the slow group (tiles and the windows of `long_from` or more)."""
    interval: str
    interval_seconds: int
    long_interval: str  # also the tiles' length: consecutive tiles abut
    long_interval_seconds: int
    long_from: str
    long_from_seconds: int
    engine: str = "prometheus"  # what evaluates the rules: prometheus, or victoriametrics (vmalert)


@dataclass(frozen=True)
class PrometheusRuleTarget:
    namespace: str
    labels: tuple[tuple[str, str], ...]  # metadata.labels, for the operator's ruleSelector


@dataclass(frozen=True)
class CentralRuler:
    flavour: str  # mimir | thanos
    namespace: str  # Mimir ruler namespace / file name
    local_sli: bool  # SLI rate groups (short windows, raw series) run in each cluster's Prometheus
    source_tenants: tuple[str, ...]  # mimir: federated rule groups read these tenants
    partial_response_strategy: str  # thanos: warn | abort


@dataclass(frozen=True)
class Outputs:
    rule_files: bool = True  # provisioning/prometheus/*.yml, what one Prometheus loads
    prometheus_rule: PrometheusRuleTarget | None = None
    central_ruler: CentralRuler | None = None


@dataclass(frozen=True)
class Spec:
    source: str
    slos: tuple[SLO, ...]
    runway: Runway
    grafana: Grafana
    probes: Probes | None  # optional sections: None when the spec leaves them out
    autoheal: Autoheal | None
    prometheus: Prometheus | None
    alertmanager: Alertmanager | None = None
    outputs: Outputs = Outputs()
    rules: RuleGroups = RuleGroups("30s", 30, "5m", 300, "6h", 21600)  # the loader sets it from the spec
    alerting_engine: str = "prometheus"  # alerting.engine: prometheus, grafana (Grafana-managed) or both
    recording_engine: str = "prometheus"  # alerting.recording_rules: prometheus, or grafana (recording rules)
    slack: Slack | None = None  # notifications.slack: runway in chat messages
    maintenance: tuple[Maintenance, ...] = ()
    corrections: tuple[Correction, ...] = ()
    budget_alerts: tuple[BudgetAlert, ...] = ()  # budget_consumed_alerts: calendar SLOs only
