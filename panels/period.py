"""Calendar-period panels of the SLO detail (calendar SLOs; other SLOs show no data there):
the period's budget spent against the budget-consumed thresholds, and the runway to the
period's end beside the time left in it."""

from __future__ import annotations

from grafanalib.core import Stat, TimeSeries

from aethervision.core.model import Spec
from aethervision.panels.common import DATASOURCE, steps, targets
from aethervision.promql import queries as q


def budget_spent(spec: Spec) -> TimeSeries:
    shares = sorted(a.share for a in spec.budget_alerts)
    colours = ["orange", "red", "dark-red", "purple"]
    return TimeSeries(
        title="Calendar period: error budget spent",
        description="Errors so far in the period over its budget (the objective's share of the period's "
                    "requests, the rest projected at the SLO window's rate). Dashed: the budget-consumed "
                    "alert shares (" + ", ".join(f"{s:.0%}" for s in shares) + ").",
        dataSource=DATASOURCE, targets=targets([(q.selected(spec, "period_budget_spent"), "spent"),
                                                (q.selected(spec, "period_error_ratio"), "error ratio")]),
        unit="percentunit", valueMin=0, valueDecimals=1, thresholdsStyleMode="dashed", lineWidth=2,
        thresholds=steps("green", *((s, colours[min(i, 3)]) for i, s in enumerate(shares))),
        legendDisplayMode="table", legendCalcs=["lastNotNull", "max"])


def runway(spec: Spec) -> TimeSeries:
    return TimeSeries(
        title="Calendar period: runway vs. time left (hours)",
        description="Hours until the errors the period still allows run out at the 1h error rate, beside "
                    "the hours left in the period: the budget lasts the period while the runway is above.",
        dataSource=DATASOURCE, targets=targets([(q.selected(spec, "period_hours_to_breach"), "runway"),
                                                (q.selected(spec, "period_hours_left"), "left in period")]),
        unit="h", valueMin=0, valueMax=spec.runway.chart_max_seconds // 3600, valueDecimals=1, lineWidth=2,
        legendDisplayMode="table", legendCalcs=["lastNotNull", "min"])


def period_end(spec: Spec) -> Stat:
    return Stat(title="Period ends", description="The end of the current calendar period (local midnight).",
                dataSource=DATASOURCE, targets=targets([(f"max({q.selected(spec, 'period_end_seconds')}) * 1000",
                                                         "end")]),
                format="dateTimeAsIso", reduceCalc="lastNotNull", graphMode="none", colorMode="none")
