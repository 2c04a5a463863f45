"""Operations panels: the KPI snapshot and firing alert counts."""

from __future__ import annotations

from grafanalib.core import Stat, TimeSeries

from aethervision.core.model import Spec
from aethervision.panels.common import DATASOURCE, steps, targets
from aethervision.promql import queries as q


def ops_snapshot(spec: Spec) -> Stat:
    """Critical alerts, healthy probes and autoheal state side by side (the sections the spec has)."""
    shown = [(q.ALERTS_CRITICAL, "Critical Alerts")]
    parts = ["Critical alerts firing"]
    if spec.probes:
        shown.append((q.probes_up(), "Probes Up"))
        parts.append(f"healthy HTTP+TCP probes (minimum {spec.probes.min_healthy})")
    if spec.autoheal:
        shown.append((q.AUTOHEAL_ENABLED, "Autoheal (1 = on)"))
        parts.append("autoheal (1 enabled, 0 disabled)")
    return Stat(
        title="Ops Snapshot",
        description=", ".join(parts) + ".",
        dataSource=DATASOURCE,
        targets=targets(shown),
        textMode="value_and_name", colorMode="none", graphMode="none",
        reduceCalc="lastNotNull", decimals=0, noValue="No data",
        thresholds=steps("text"),
    )


def alert_counts(spec: Spec) -> TimeSeries:
    """Firing alerts over time: total, critical, warning."""
    return TimeSeries(
        title="Firing alerts",
        description="Alerts in state firing, from Prometheus's ALERTS series.",
        dataSource=DATASOURCE,
        targets=targets([
            (q.ALERTS_COUNT, "total"),
            (q.ALERTS_CRITICAL, "critical"),
            (q.ALERTS_WARNING, "warning"),
        ]),
        unit="short", valueMin=0, valueDecimals=0, tooltipMode="multi",
        legendDisplayMode="table", legendCalcs=["lastNotNull", "max"],
    )
