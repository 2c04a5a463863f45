"""Fleet panels: a fixed number whatever the number of SLOs and groups.

The SLO table has one row per SLO and group (each query selects every SLO's
recorded series by name pattern, so one query covers 1 or 1,000 SLOs), and the
runway chart draws only the worst few.
"""

from __future__ import annotations

import attr
from grafanalib.core import Panel, TimeSeries

from aethervision.core.model import Spec
from aethervision.panels import slo as slo_panels
from aethervision.panels.common import DATASOURCE, DATASOURCE_VARIABLE, range_map, steps, steps_from, targets
from aethervision.promql import queries as q

WORST = 5  # SLOs on the fleet runway chart
TABLE_TITLE = "SLOs by runway"
# refId -> (column, recorded series, scale). Units live in the column names: Grafana's schema
# allows only object values in field overrides, so a column cannot carry its own unit; the
# overrides used here (thresholds, cell colours) are objects.
COLUMNS = {
    "A": ("Days to breach", "days_to_breach", 1),
    "B": ("Budget remaining %", "error_budget_remaining:ratio", 100),
    "C": ("Budget burn 1h ×", "budget_burn:rate1h", 1),
    "D": ("Budget burn 6h ×", "budget_burn:rate6h", 1),
}
ALERTS_COLUMN = "Firing alerts"


@attr.s
class TablePanel(Panel):
    """A Grafana 10+ table (grafanalib's Table writes the pre-v8 options)."""
    fieldConfig = attr.ib(factory=dict)
    options = attr.ib(factory=dict)

    def to_json_data(self):
        return self.panel_json({"type": "table", "fieldConfig": self.fieldConfig, "options": self.options})


def table_target(expr: str, ref: str) -> dict:
    """An instant query in table format (one row per series), as table panels read them."""
    return {"expr": expr, "refId": ref, "format": "table", "instant": True, "range": False,
            "datasource": DATASOURCE, "legendFormat": "__auto"}


def _column(name: str, thresholds: list, scale: float = 1) -> dict:
    steps_json = [{"color": t.color, "value": None if i == 0 else t.value * scale} for i, t in enumerate(thresholds)]
    # byNames (options an object): the schema takes no plain-string matcher options either.
    return {"matcher": {"id": "byNames", "options": {"mode": "include", "names": [name]}}, "properties": [
        {"id": "thresholds", "value": {"mode": "absolute", "steps": steps_json}},
        {"id": "custom.cellOptions", "value": {"type": "color-background", "mode": "basic"}}]}


def slo_table(spec: Spec) -> TablePanel:
    """One row per SLO and group: runway, budget, budget burns, firing alerts; worst first."""
    by = ", ".join(q.fleet_labels(spec))
    rw = spec.runway
    cap_days = rw.cap_seconds / 86400
    queries = [table_target(f"{scale} * min by ({by}) ({q.every_slo(series)})" if scale != 1
                             else f"min by ({by}) ({q.every_slo(series)})", ref)
               for ref, (_, series, scale) in COLUMNS.items()]
    firing = f'count by ({by}) (ALERTS{{alertstate="firing", component="slo"}})'
    # Every SLO with data gets a row, also before its first runway (a new SLI: empty runway cells),
    # from the 10m request rate every SLO records.
    traffic = q.every_slo(f"requests:rate{q.BUDGET_RATE_WINDOW}")
    queries.append(table_target(f"{firing}\nor 0 * min by ({by}) ({traffic})", "E"))
    rename = {f"Value #{ref}": name for ref, (name, _, _) in COLUMNS.items()} | {"Value #E": ALERTS_COLUMN}
    # A data link; the schema describes field links with the dashboard-link shape, so those
    # fields are given too (Grafana ignores them on a data link).
    link = {"title": "Open this SLO", "url": _detail_link(spec), "type": "link", "icon": "external link",
            "tooltip": "The SLO detail dashboard", "tags": [], "asDropdown": False, "targetBlank": False,
            "includeVars": False, "keepTime": True}
    burns = steps("green", (1, "orange"), (min(t.factor for t in rw.page_tiers) if rw.page_tiers else 10, "red"))
    overrides = [
        _column("Days to breach", steps_from([(t.color, t.value) for t in rw.days_to_breach_thresholds])),
        _column("Budget remaining %", steps_from([(t.color, t.value) for t in rw.budget_remaining_thresholds]), 100),
        _column("Budget burn 1h ×", burns),
        _column("Budget burn 6h ×", burns),
        _column(ALERTS_COLUMN, steps("green", (1, "red"))),
    ]
    table = TablePanel(
        title=TABLE_TITLE,
        description="Every SLO (and group) with its runway in days, error budget left, budget burn "
                    "over 1h and 6h (1× spends the budget in exactly one window) and its firing alerts, "
                    f"the shortest runway first; runways of {cap_days:g} days or more read No burn; an SLO "
                    "whose first runway is not recorded yet is listed with empty runway cells. A click on a "
                    "row opens its SLO in the detail dashboard.",
        dataSource=DATASOURCE,
        targets=queries,
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": rename}},
            {"id": "sortBy", "options": {"sort": [{"field": "Days to breach", "desc": False}]}},
        ],
        # The link and the "No burn" mapping are defaults: as overrides their (list) values
        # would not validate; no other column reaches the cap.
        fieldConfig={"defaults": {"custom": {"align": "auto", "inspect": False, "filterable": True},
                                  "links": [link],
                                  "mappings": [range_map(cap_days, None, "No burn", "green")]},
                     "overrides": overrides},
        options={"showHeader": True, "frameIndex": 0, "cellHeight": "sm",
                 "sortBy": [{"displayName": "Days to breach", "desc": False}]},
    )
    return table


def _detail_link(spec: Spec) -> str:
    groups = q.group_labels(spec)
    params = [f"var-{q.SLO_VARIABLE}=${{__data.fields.slo}}"]
    params += [f"var-{g}=${{__data.fields.{g}}}" for g in groups]
    params.append(f"${{{DATASOURCE_VARIABLE}:queryparam}}")
    return f"{spec.grafana.detail_path}?{'&'.join(params)}"


def worst_runways(spec: Spec, title: str) -> TimeSeries:
    """The seed's 1h vs 6h runway chart, for the WORST SLOs at each moment."""
    rw = spec.runway
    labels = " ".join(f"{{{{{label}}}}}" for label in q.fleet_labels(spec) if label != "service")
    return TimeSeries(
        title=title,
        description=f"Hours until the error budget runs out under the 1h and 6h burn, and the headline "
                    f"runway ({q.runway_meaning(spec)}), for the {WORST} SLOs (and groups) with the shortest "
                    f"runway: the seed's three series. Dashed lines: warning ({rw.warning.below}) and critical "
                    f"({rw.critical.below}) alert thresholds. Every SLO is in the table below.",
        dataSource=DATASOURCE,
        targets=targets([(f"bottomk({WORST}, {q.every_slo(f'hours_to_breach_{w}')})", f"{labels} {w}")
                         for w in q.RUNWAY_WINDOWS]
                        + [(f"bottomk({WORST}, {q.every_slo('hours_to_breach')})",
                            f"{labels} {q.runway_label(spec)}")]),
        unit="h", valueMin=0, valueMax=rw.chart_max_seconds // 3600, valueDecimals=1,
        thresholdsStyleMode="dashed", thresholds=slo_panels.runway_thresholds(spec),
        legendDisplayMode="table", legendCalcs=["lastNotNull", "min"],
        tooltipMode="multi", lineWidth=2, mappings=[slo_panels.no_burn(spec, 1)],
    )
