"""The frozen model every output is generated from (spec -> model -> outputs)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Policy(StrEnum):
    """Which SLO alerts are generated (README, "Alerts")."""
    AETHERVISION = "aethervision"  # runway and burn alerts, confirmed by short windows
    SEED = "seed"  # the original: conservative runway below the thresholds


def slugify(title: str) -> str:
    """Grafana's URL slug of a title: lower case, runs of other characters as one dash."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@dataclass(frozen=True)
class SLI:
    errors: str  # counter selector of failed events
    total: str  # counter selector of all events


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

    @property
    def window_hours(self) -> float:
        return self.window_seconds / 3600

    @property
    def error_budget(self) -> float:
        """Allowed error ratio, 1 - objective (0.01 for 99%)."""
        return round(1 - self.objective, 12)

    @property
    def alert_prefix(self) -> str:
        """CamelCase alert name stem: payment_rate -> PaymentRate."""
        return "".join(part.capitalize() for part in self.name.split("_"))


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

    @property
    def dashboard_path(self) -> str:
        """/d/<uid>/<slug>, the path Grafana serves the dashboard under."""
        return f"/d/{self.dashboard_uid}/{slugify(self.dashboard_title)}"

    def dashboard_url(self, base: str | None = None) -> str:
        return f"{(base or self.url).rstrip('/')}{self.dashboard_path}"


@dataclass(frozen=True)
class Probes:
    http: str
    tcp: str
    min_healthy: int
    for_: str


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
class Spec:
    source: str
    slos: tuple[SLO, ...]
    runway: Runway
    grafana: Grafana
    probes: Probes
    autoheal: Autoheal
    prometheus: Prometheus
