"""Autoheal panels: enabled state, age of the last action, actions over time."""

from __future__ import annotations

from grafanalib.core import Stat, TimeSeries

from aethervision.core.model import Spec
from aethervision.panels.common import DATASOURCE, steps, targets, value_map
from aethervision.promql import queries as q

EXPORTER_DOWN = "No data: is the autoheal exporter scraped?"


def enabled(spec: Spec) -> Stat:
    return Stat(
        title="Autoheal state",
        description="Whether the autoheal service runs its remediation commands.",
        dataSource=DATASOURCE,
        targets=targets([(q.AUTOHEAL_ENABLED, "autoheal")]),
        reduceCalc="lastNotNull", graphMode="none", colorMode="background",
        thresholds=steps("orange", (1, "green")), noValue=EXPORTER_DOWN,
        mappings=[value_map({"0": ("Disabled", "orange"), "1": ("Enabled", "green")})],
    )


def last_action_age(spec: Spec) -> Stat:
    """Seconds since the last action; the rules record -1 for 'never'."""
    return Stat(
        title="Last autoheal action",
        description=f"Time since autoheal last acted. Enabled with no action for "
                    f"{spec.autoheal.stale_after} raises AutohealStaleActions.",
        dataSource=DATASOURCE,
        targets=targets([(q.AUTOHEAL_LAST_ACTION_AGE, "age")]),
        format="s", decimals=0, reduceCalc="lastNotNull", graphMode="none",
        thresholds=steps("text"), noValue=EXPORTER_DOWN,
        mappings=[value_map({"-1": ("Never", "text")})],
    )


def actions(spec: Spec) -> TimeSeries:
    return TimeSeries(
        title="Autoheal actions",
        description="Actions per interval by alert and result (ran, would_run, failed, ...).",
        dataSource=DATASOURCE,
        targets=targets([(q.autoheal_actions_rate(spec), "{{alert}} · {{result}}")]),
        unit="short", valueMin=0, valueDecimals=0, drawStyle="bars", fillOpacity=80,
        tooltipMode="multi",
    )
