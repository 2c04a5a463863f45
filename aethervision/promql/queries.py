"""PromQL in one place: recorded series names and the dashboard's queries.

Names are functions of the spec so that rules, panels and the CLI agree.
"""

from __future__ import annotations

import re

from aethervision.core.model import SLO, Policy, Spec

RUNWAY_WINDOWS = ("1h", "6h")
# The shortest recorded rate: the runway's fastest confirmation, what no-data
# watches, and two samples wide at 5-minute spacing (Prometheus 3 ranges are
# left-open). The long windows are built from the slow group's tiles instead.
BUDGET_RATE_WINDOW = "10m"
# The aethervision policy confirms each runway window with a short one, so an
# alert resets soon after the errors stop (the SRE Workbook's multiwindow idea).
RUNWAY_CONFIRM = {"1h": "10m", "6h": "30m"}
# The headline runway (aethervision policy) follows the budget left along its
# slope over this window: best of the forecasters that (almost) never say "no
# burn" during an incident (docs/foresight.md, the forecast score).
TREND_WINDOW = "1h"


def runway_label(spec: Spec) -> str:
    """What the headline runway (hours_to_breach) is called in legends and prints."""
    return "trend" if spec.runway.policy is Policy.AETHERVISION else "conservative"


def runway_meaning(spec: Spec) -> str:
    """One clause saying how the headline runway is forecast, for descriptions."""
    if spec.runway.policy is Policy.AETHERVISION:
        return f"the budget left followed along its fall over the last {TREND_WINDOW}"
    return "the shorter of the 1h and 6h projections"

# Series recorded by the aethervision.recording group.
ALERTS_COUNT = "aethervision:alerts:count"
ALERTS_CRITICAL = "aethervision:alerts_critical:count"
ALERTS_WARNING = "aethervision:alerts_warning:count"
PROBES_HTTP_UP = "aethervision:probes_http_up"
PROBES_TCP_UP = "aethervision:probes_tcp_up"
DAYS_TO_BREACH = "aethervision:days_to_breach"
AUTOHEAL_ENABLED = "aethervision:autoheal_enabled"
AUTOHEAL_LAST_ACTION_AGE = "aethervision:autoheal_last_action_age"

# Metrics read from the autoheal exporter (documented inputs).
AUTOHEAL_ENABLED_INPUT = "autoheal_enabled"
AUTOHEAL_ACTIONS_INPUT = "autoheal_actions_total"
AUTOHEAL_LAST_ACTION_INPUT = "autoheal_last_action_epoch"


def slo_series(slo: SLO, what: str) -> str:
    """Recorded series of one SLO: slo:<name>:<what>."""
    return f"slo:{slo.name}:{what}"


def errors_rate(slo: SLO, window: str) -> str:
    return slo_series(slo, f"errors:rate{window}")


def requests_rate(slo: SLO, window: str) -> str:
    return slo_series(slo, f"requests:rate{window}")


def error_ratio(slo: SLO, window: str) -> str:
    return slo_series(slo, f"error_ratio:rate{window}")


def burn_rate(slo: SLO, window: str) -> str:
    return slo_series(slo, f"burn_rate:rate{window}")


def budget_burn(slo: SLO, window: str) -> str:
    """Errors per second over `window` against the budget at the window's average traffic.

    Equal to burn_rate at steady traffic; lower at quiet hours, when each
    error spends less of the budget than the ratio suggests.
    """
    return slo_series(slo, f"budget_burn:rate{window}")


def errors_in(slo: SLO, window: str, seconds: int) -> str:
    """Failed events over `window` (the recorded per-second rate times its length)."""
    return f"{errors_rate(slo, window)} * {seconds}"


def tile(series: str) -> str:
    """A rate the slow group records over its own interval (consecutive tiles abut), for long windows."""
    return f"{series}:tile"


def slow(series: str) -> str:
    """A long-window series as the slow group records it; the fast group re-records its latest value
    under the plain name, every evaluation, so readers see no gap between slow evaluations."""
    return f"{series}:slow"


def counted(slo: SLO, which: str) -> str:
    """The slow group's snapshot of the events counted so far ("errors" or "requests"), per group:
    read at the newest tile and one window ago, never re-recorded (so no `:slow` suffix)."""
    return slo_series(slo, f"{which}:counted")


def since_tile(slo: SLO, which: str) -> str:
    """Events ("errors" or "requests") counted since the slow group's newest tile, per group."""
    return slo_series(slo, f"{which}:since_tile")


def sample_timestamp(slo: SLO) -> str:
    return slo_series(slo, "sli_sample:timestamp")


def window_coverage(slo: SLO) -> str:
    return slo_series(slo, "window_coverage:ratio")


def window_error_ratio(slo: SLO) -> str:
    return error_ratio(slo, slo.window)


def budget_remaining(slo: SLO) -> str:
    return slo_series(slo, "error_budget_remaining:ratio")


def hours_to_breach(slo: SLO, window: str | None = None) -> str:
    """Runway in hours over `window`; None is the headline runway (rules/slo.py runway)."""
    return slo_series(slo, f"hours_to_breach_{window}" if window else "hours_to_breach")


def days_to_breach(slo: SLO) -> str:
    return slo_series(slo, "days_to_breach")


def no_data(slo: SLO) -> str:
    """The SLI has no data: its total stopped growing, or (per group) vanished, or never was.

    Read from the recorded 10m and SLO-window request rates, so no raw series is
    read again: the window's rate outlives a group that stopped reporting, which
    is how a vanished group is still known (per group, with its labels). A new SLI whose
    10m rate exists has data, though its window rate waits for the first 5-minute tile.
    """
    now, seen = requests_rate(slo, BUDGET_RATE_WINDOW), requests_rate(slo, slo.window)
    return f"{now} == 0\nor ({seen} unless {now})\nor (absent({seen}) unless on() {now})"


# -- fleet and detail views: one query for every SLO, or the one a dashboard variable picks --
SLO_VARIABLE = "slo"


def every_slo(what: str) -> str:
    """Every SLO's recorded `what` in one selector (the fleet table and charts)."""
    return f'{{__name__=~"slo:[a-z0-9_]+:{re.escape(what)}"}}'


def group_labels(spec: Spec) -> list[str]:
    """Every label any SLO groups by, sorted: the one list dashboards and Alertmanager use."""
    return sorted({label for slo in spec.slos for label in slo.group_by})


def fleet_labels(spec: Spec) -> list[str]:
    """Labels that tell one SLO runway from another: the SLO, its service, every group label."""
    return ["slo", "service", *group_labels(spec)]


def selected(spec: Spec, what: str) -> str:
    """The SLO the detail dashboard's variables select: slo:${slo}:<what>{<group>=~"$<group>"}."""
    matchers = ", ".join(f'{g}=~"${g}"' for g in group_labels(spec))
    return f"slo:${{{SLO_VARIABLE}}}:{what}" + (f"{{{matchers}}}" if matchers else "")


def probes_up() -> str:
    """Healthy probes of both kinds (the Ops Snapshot's 'Probes Up')."""
    return f"{PROBES_HTTP_UP} + {PROBES_TCP_UP}"


def healthy_probes(selector: str) -> str:
    """Count of probes reporting success; 0 (not empty) when none match."""
    return f"count({selector} == 1) or vector(0)"


def firing_alerts(severity: str | None = None) -> str:
    """Count of firing alerts, optionally of one severity; 0 when none."""
    matchers = 'alertstate="firing"' + (f', severity="{severity}"' if severity else "")
    return f"count(ALERTS{{{matchers}}}) or vector(0)"


def autoheal_selector(spec: Spec, metric: str) -> str:
    return f'{metric}{{job="{spec.autoheal.job}"}}'


def autoheal_actions_rate(spec: Spec) -> str:
    """Autoheal actions per interval, by alert and result, for the chart."""
    sel = autoheal_selector(spec, AUTOHEAL_ACTIONS_INPUT)
    return f"sum by (alert, result) (increase({sel}[$__rate_interval]))"


def slo_labels(slo: SLO) -> dict[str, str]:
    """Labels every recorded series of an SLO carries."""
    return {"component": "slo", "service": slo.service, "slo": slo.name}


def period(slo: SLO, what: str) -> str:
    """A calendar SLO's period series: period_start_seconds, period_budget_spent, ..."""
    return slo_series(slo, f"period_{what}")
