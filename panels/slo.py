"""SLO runway panels: days to breach, runway chart, budget left, burn rate."""

from __future__ import annotations

from grafanalib.core import Stat, TimeSeries

from aethervision.core.model import SLO, Spec
from aethervision.panels.common import DATASOURCE, range_map, steps, steps_from, targets
from aethervision.promql import queries as q

DAYS_TO_BREACH_TITLE = "🧭 Days to Breach (Conservative)"
RUNWAY_TITLE = "Runway to Breach (hours) — 1h vs 6h"
NO_DATA = "No SLI data yet"


def _no_burn(spec: Spec, per_hour: float) -> dict:
    """Mapping for capped runways: the rules record the cap when nothing burns."""
    cap = spec.runway.cap_hours / per_hour
    return range_map(cap, None, f"No burn (≥ {spec.runway.cap_seconds // 86400} d)", "green")


def legend(slo: SLO, base: str) -> str:
    """A series legend; grouped SLOs add their group labels ("1h burn · eu-west")."""
    if not slo.group_by:
        return base
    groups = "/".join(f"{{{{{label}}}}}" for label in slo.group_by)
    return f"{base} · {groups}" if base else groups


def days_to_breach(spec: Spec, expr: str = q.DAYS_TO_BREACH, title: str = DAYS_TO_BREACH_TITLE,
                   legend: str = "days to breach") -> Stat:
    """The headline stat: worst (shortest) runway in days over all SLOs."""
    pairs = [(t.color, t.value) for t in spec.runway.days_to_breach_thresholds]
    return Stat(
        title=title,
        description="Days until the error budget is exhausted at the current burn rate "
                    "(the shorter of the 1h and 6h projections, worst SLO).",
        dataSource=DATASOURCE,
        targets=targets([(expr, legend)]),
        format="d", decimals=1, reduceCalc="lastNotNull", graphMode="area",
        thresholds=steps_from(pairs), noValue=NO_DATA,
        mappings=[_no_burn(spec, 24)],
    )


def runway(spec: Spec, slo: SLO, title: str = RUNWAY_TITLE) -> TimeSeries:
    """Runway in hours under the 1h and 6h burn rates, with alert thresholds drawn."""
    rw = spec.runway
    return TimeSeries(
        title=title,
        description=f"Hours until the {slo.window} error budget of {slo.name} ({slo.sli.bad_events}) "
                    "is exhausted. "
                    f"Dashed lines: warning ({rw.warning.below}) and critical "
                    f"({rw.critical.below}) alert thresholds.",
        dataSource=DATASOURCE,
        targets=targets([
            (q.hours_to_breach(slo, "1h"), legend(slo, "1h burn")),
            (q.hours_to_breach(slo, "6h"), legend(slo, "6h burn")),
            (q.hours_to_breach(slo), legend(slo, "conservative")),
        ]),
        unit="h", valueMin=0, valueMax=rw.chart_max_seconds // 3600, valueDecimals=1,
        thresholdsStyleMode="dashed",
        thresholds=steps("red", (rw.critical.below_hours, "orange"), (rw.warning.below_hours, "green")),
        legendDisplayMode="table", legendCalcs=["lastNotNull", "min"],
        tooltipMode="multi", lineWidth=2,
        mappings=[_no_burn(spec, 1)],
    )


def budget_remaining(spec: Spec, slo: SLO) -> Stat:
    """Share of the SLO window's error budget still unspent."""
    pairs = [(t.color, t.value) for t in spec.runway.budget_remaining_thresholds]
    return Stat(
        title=f"Error budget remaining · {slo.title}",
        description=f"Unspent share of the {slo.window} error budget "
                    f"(objective {slo.objective:g}; the budget is spent on {slo.sli.bad_events}).",
        dataSource=DATASOURCE,
        targets=targets([(q.budget_remaining(slo), legend(slo, "") or "budget remaining")]),
        format="percentunit", decimals=1, reduceCalc="lastNotNull", graphMode="area",
        thresholds=steps_from(pairs), noValue=NO_DATA,
    )


def burn_rate(spec: Spec, slo: SLO) -> TimeSeries:
    """Burn rate over 1h and 6h; 1x spends exactly the budget over the window."""
    return TimeSeries(
        title=f"Burn rate ({slo.sli.bad_events}) · {slo.title}",
        description=f"Share of {slo.sli.bad_events} divided by the error budget. 1x spends the "
                    f"budget exactly over {slo.window}; above 1x the budget runs out early.",
        dataSource=DATASOURCE,
        targets=targets([(q.burn_rate(slo, w), legend(slo, f"{w} burn")) for w in q.RUNWAY_WINDOWS]),
        unit="suffix:×", valueMin=0, valueDecimals=2,
        thresholdsStyleMode="dashed",
        thresholds=steps("green", (1, "red")),
        tooltipMode="multi", lineWidth=2,
    )
