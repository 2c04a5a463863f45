"""SLO detail panels: one SLO (and group), picked by the dashboard's variables."""

from __future__ import annotations

from grafanalib.core import TimeSeries

from aethervision.core import durations
from aethervision.core.model import Policy, Spec
from aethervision.panels import slo as slo_panels
from aethervision.panels.common import DATASOURCE, steps, targets
from aethervision.panels.fleet import TablePanel, table_target
from aethervision.promql import queries as q


def _legend(spec: Spec, base: str) -> str:
    groups = q.group_labels(spec)
    return " ".join([base, *(f"{{{{{g}}}}}" for g in groups)])


def _series(spec: Spec, title: str, description: str, queries: list[tuple[str, str]], **style) -> TimeSeries:
    return TimeSeries(title=title, description=description, dataSource=DATASOURCE,
                      targets=targets([(q.selected(spec, what), _legend(spec, legend)) for what, legend in queries]),
                      tooltipMode="multi", lineWidth=2, legendDisplayMode="table",
                      legendCalcs=["lastNotNull", "min", "max"], **style)


def runway(spec: Spec) -> TimeSeries:
    rw = spec.runway
    return _series(
        spec, f"Runway to breach (hours) — 1h, 6h, {q.runway_label(spec)}",
        f"Hours until the error budget runs out at the 1h and 6h burn, and the headline runway "
        f"({q.runway_meaning(spec)}). Dashed lines: warning "
        f"({rw.warning.below}) and critical ({rw.critical.below}) alert thresholds.",
        [("hours_to_breach_1h", "1h"), ("hours_to_breach_6h", "6h"), ("hours_to_breach", q.runway_label(spec))],
        unit="h", valueMin=0, valueMax=rw.chart_max_seconds // 3600, valueDecimals=1,
        thresholdsStyleMode="dashed", thresholds=slo_panels.runway_thresholds(spec),
        mappings=[slo_panels.no_burn(spec, 1, "No burn")])


def budget_remaining(spec: Spec) -> TimeSeries:
    pairs = [(t.color, t.value) for t in spec.runway.budget_remaining_thresholds]
    return _series(
        spec, "Error budget remaining over the SLO window",
        "Unspent share of the error budget over the SLO's window; 0 is a breached SLO.",
        [("error_budget_remaining:ratio", "budget")],
        unit="percentunit", valueMin=0, valueMax=1, valueDecimals=1, thresholdsStyleMode="area",
        thresholds=steps(pairs[0][0], *((v, c) for c, v in pairs[1:])))


def budget_burn(spec: Spec) -> TimeSeries:
    """Budget burn over each burn alert's long window, with the page and ticket factors drawn."""
    rw = spec.runway
    burn_tiers = rw.page_tiers + rw.ticket_tiers if rw.policy is Policy.AETHERVISION else ()
    tiers = sorted({(t.long, t.long_seconds) for t in burn_tiers}, key=lambda w: w[1])
    windows = [w for w, _ in tiers] or list(q.RUNWAY_WINDOWS)  # the seed policy records only these
    factors = sorted({t.factor for t in burn_tiers}) or [1.0]
    colours = ["yellow", "orange", "red", "dark-red", "purple"]
    return _series(
        spec, "Budget burn against the page and ticket factors",
        "Errors per second against the budget at the window's average traffic (1× spends the budget "
        "in exactly one SLO window). Lines: the burn alert factors ("
        + (", ".join(f"{t.factor:g}× over {t.long}" for t in burn_tiers) or "1×: on budget") + ").",
        [(f"budget_burn:rate{durations.format(durations.parse(w))}", f"{w} burn") for w in windows],
        unit="suffix:×", valueMin=0, valueDecimals=2, thresholdsStyleMode="dashed",
        thresholds=steps("green", *((f, colours[min(i, len(colours) - 1)]) for i, f in enumerate(factors))))


def error_ratio(spec: Spec) -> TimeSeries:
    # The variable's text names the bad events: "api_latency · requests slower than 250 ms".
    return _series(spec, f"Error ratio · ${{{q.SLO_VARIABLE}:text}}",
                   "Share of bad events (as the SLO's SLI kind counts them).",
                   [("error_ratio:rate1h", "1h"), ("error_ratio:rate6h", "6h")],
                   unit="percentunit", valueMin=0, valueDecimals=3)


def traffic(spec: Spec) -> TimeSeries:
    return _series(spec, "Traffic (events per second)",
                   "All events per second the SLI counts (probes: probes; raw SLIs: 1 per second).",
                   [("requests:rate1h", "1h"), ("requests:rate6h", "6h")], unit="reqps", valueMin=0)


def firing_alerts(spec: Spec) -> TablePanel:
    groups = q.group_labels(spec)
    matchers = "".join(f', {g}=~"${g}"' for g in groups)
    expr = f'ALERTS{{alertstate="firing", slo="${q.SLO_VARIABLE}"{matchers}}}'
    return TablePanel(
        title="Firing alerts of this SLO", description="The SLO's alerts firing now, with their labels.",
        dataSource=DATASOURCE, targets=[table_target(expr, "A")],
        transformations=[{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True,
                                                                           "__name__": True}}}],
        fieldConfig={"defaults": {"custom": {"align": "auto", "inspect": False}}, "overrides": []},
        options={"showHeader": True, "frameIndex": 0, "cellHeight": "sm"})
