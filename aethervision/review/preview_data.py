"""Data for dashboard previews: each panel's queries, run the way Grafana would run them.

Stats and tables are instant queries at `at`; time series are range queries
over `range` ending at `at`. Dashboard variables are filled in as Grafana's
defaults would be (the first SLO, every group), Grafana's macros with fixed
values. Without a Prometheus, SampleSource gives a deterministic scenario built
here, and every image says so.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from aethervision.builder import checks
from aethervision.clients.prometheus import Client
from aethervision.clients.promtool import expand_macros

POINTS = 120  # samples per time series in the picture


@dataclass
class PanelData:
    kind: str  # stat | timeseries | table | other
    values: list[tuple[str, float | None]] = field(default_factory=list)  # stat: (legend, value)
    series: list[tuple[str, list[float], list[float]]] = field(default_factory=list)  # (legend, times, values)
    columns: list[str] = field(default_factory=list)  # table
    rows: list[list[object]] = field(default_factory=list)


class PrometheusSource:
    def __init__(self, client: Client):
        self.client, self.name = client, f"Prometheus {client.safe_url}"

    def instant(self, expr: str, at: float) -> list[tuple[dict, float]]:
        return [(s.labels, s.value) for s in self.client.query(expr, at)]

    def range(self, expr: str, start: float, end: float, step: float) -> list[tuple[dict, list]]:
        return self.client.query_range(expr, start, end, step)


class SampleSource:
    """A fixed scenario: each query gets a value and a gentle curve derived from its text."""
    name = "sample scenario (no Prometheus: built by AetherVision, not real data)"

    @staticmethod
    def _level(expr: str) -> float:
        seed = int(hashlib.sha256(expr.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        for hint in ("autoheal_enabled", "_up", "probe_success"):  # 0/1 states: a sample says "on"
            if hint in expr:
                return 1.0
        for hint, low, high in (("ALERTS", 0, 2), ("count", 0, 3), ("days_to_breach", 2, 40),
                                # the headline runway is shorter than the 1h and 6h ones here
                                ("hours_to_breach_", 20, 60), ("hours_to_breach", 10, 19.9),
                                ("remaining", 0.2, 0.95), ("coverage", 0.5, 1),
                                ("burn", 0.2, 3), ("error_ratio", 0.001, 0.02), ("age", 60, 3600)):
            if hint in expr:
                value = low + (high - low) * seed
                if hint in ("ALERTS", "count"):
                    value = float(round(value))  # counts are whole
                return value * 100 if expr.startswith("100 *") else value
        return 1 + 9 * seed

    def instant(self, expr: str, at: float) -> list[tuple[dict, float]]:
        rows = 3 if " by (" in expr else 1  # the fleet table's queries: three sample SLOs
        return [({"slo": f"sample_{i}", "service": "sample"}, round(self._level(f"{expr}#{i}"), 2 if rows > 1 else 1))
                for i in range(rows)]

    def range(self, expr: str, start: float, end: float, step: float) -> list[tuple[dict, list]]:
        level, n = self._level(expr), int((end - start) // step) + 1
        whole = any(hint in expr for hint in ("ALERTS", "count", "autoheal_enabled", "_up", "probe_success"))
        # States and counts are whole and move in steps; rates and runways drift smoothly.
        points = [(start + i * step, level if whole else level * (1 + 0.15 * math.sin(i / 9))) for i in range(n)]
        return [({"slo": "sample", "service": "sample"}, points)]


def variable_defaults(dashboard: dict) -> dict[str, str]:
    """What Grafana selects by default: a custom variable's first value, `.*` for All."""
    return {name: values[0] for name, values in checks.variable_values(dashboard).items() if values}


def with_titles(dashboard: dict, selected: dict[str, str] | None = None) -> dict:
    """The dashboard with `${var:text}` and `${var}` in panel titles filled in from the variables'
    current selection (or `selected`), as Grafana shows them."""
    current = {}
    for v in dashboard.get("templating", {}).get("list", []):
        chosen = dict(v.get("current", {}))
        if v["name"] in (selected or {}):
            value = selected[v["name"]]
            option = next((o for o in v.get("options", []) if o.get("value") == value), {"text": value})
            chosen = {"text": option.get("text", value), "value": value}
        current[v["name"]] = chosen

    def fill(title: str) -> str:
        for name, chosen in current.items():
            title = title.replace(f"${{{name}:text}}", str(chosen.get("text", "")))
            title = title.replace(f"${{{name}}}", str(chosen.get("value", "")))
        return title

    return {**dashboard, "panels": [{**p, "title": fill(p.get("title", ""))} for p in dashboard.get("panels", [])]}


def interpolate(expr: str, variables: dict[str, str]) -> str:
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace(f"${{{name}}}", variables[name]).replace(f"${name}", variables[name])
    return expand_macros(expr)


def legend(fmt: str, labels: dict) -> str:
    if not fmt or fmt == "__auto":
        return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__") or "value"
    out = fmt
    for key, value in labels.items():
        out = out.replace(f"{{{{{key}}}}}", str(value))
    while "{{" in out and "}}" in out:  # labels the series does not have
        start = out.index("{{")
        out = out[:start] + out[out.index("}}", start) + 2:]
    return " ".join(out.split())


def _table(panel: dict, results: dict[str, list[tuple[dict, float]]]) -> tuple[list[str], list[list[object]]]:
    """Grafana's merge + organize + sortBy, for instant table queries joined on their labels."""
    rename, sort_field, excluded = {}, None, set()
    for t in panel.get("transformations", []):
        if t["id"] == "organize":
            rename = t["options"].get("renameByName", {})
            excluded = {k for k, v in t["options"].get("excludeByName", {}).items() if v}
        if t["id"] == "sortBy":
            sort_field = t["options"]["sort"][0]["field"]
    def value_name(ref: str) -> str:  # Grafana: "Value" for one query, "Value #A" for several
        raw = "Value" if len(results) == 1 else f"Value #{ref}"
        return rename.get(raw, raw)

    labels = sorted({k for rows in results.values() for labels, _ in rows for k in labels
                     if k != "__name__" and k not in excluded})
    value_columns = [value_name(ref) for ref in results if value_name(ref) not in excluded]
    merged: dict[tuple, dict] = {}
    for ref, rows in results.items():
        for lab, value in rows:
            key = tuple(lab.get(k, "") for k in labels)
            merged.setdefault(key, {})[value_name(ref)] = value
    columns = labels + value_columns
    table = [[*key, *(cells.get(c) for c in value_columns)] for key, cells in sorted(merged.items())]
    if sort_field in columns:
        i = columns.index(sort_field)
        table.sort(key=lambda row: (row[i] is None, row[i] if row[i] is not None else 0))
    return columns, table


def panel_data(dashboard: dict, source, at: float, range_seconds: float,
               selected: dict[str, str] | None = None) -> dict[int, PanelData]:
    """Panel id -> its data, for every panel with queries; `selected` overrides variable defaults."""
    variables = {**variable_defaults(dashboard), **{k: v for k, v in (selected or {}).items()
                                                    if k in variable_defaults(dashboard)}}
    step = max(range_seconds / POINTS, 1)
    out = {}
    for panel in dashboard.get("panels", []):
        kind = panel.get("type")
        targets = [t for t in panel.get("targets", []) if t.get("expr")]
        if kind == "row" or not targets:
            continue
        exprs = {t["refId"]: (interpolate(t["expr"], variables), t.get("legendFormat", "")) for t in targets}
        if kind == "timeseries":
            series = [(legend(fmt, labels), [p[0] for p in points], [p[1] for p in points])
                      for expr, fmt in exprs.values()
                      for labels, points in source.range(expr, at - range_seconds, at, step)]
            out[panel["id"]] = PanelData("timeseries", series=series)
        elif kind == "table":
            columns, rows = _table(panel, {ref: source.instant(expr, at) for ref, (expr, _) in exprs.items()})
            out[panel["id"]] = PanelData("table", columns=columns, rows=rows)
        else:
            values = [(legend(fmt, labels), None if math.isnan(v) else v)
                      for expr, fmt in exprs.values() for labels, v in source.instant(expr, at)]
            out[panel["id"]] = PanelData("stat", values=values)
    return out
