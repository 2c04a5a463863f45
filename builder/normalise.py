"""Normalise grafanalib's JSON into Grafana's current dashboard model.

grafanalib 0.7 emits legacy keys (rows, style, span, ...), null-valued noise,
string "null" threshold bases, graph-panel keys on thresholds and
schemaVersion 12, none of which pass Grafana's published JSON Schemas. This is
the one place that fixes that; tests check the result against the schemas.
"""

from __future__ import annotations

from typing import Any

# Grafana 10.4+ reads this without migrating panels.
SCHEMA_VERSION = 39

_DASHBOARD_LEGACY = {"__inputs", "hideControls", "rows", "sharedCrosshair", "style", "id", "version"}
# maxDataPoints: grafanalib defaults it to 100, far coarser than Grafana's own
# choice (one point per pixel); dropping it lets Grafana decide.
_PANEL_LEGACY = {"editable", "error", "height", "span", "minSpan", "maxPerRow", "maxDataPoints"}
_ROW_KEYS = {"type", "collapsed", "title", "datasource", "gridPos", "id", "panels", "repeat"}
_TARGET_LEGACY = {"metric", "query", "step", "target", "intervalFactor"}
_VARIABLE_LEGACY = {"tags", "tagsQuery", "tagValuesQuery", "useTags", "auto", "auto_count", "auto_min"}
_STEP_KEYS = {"color", "value"}
_STAT_DEFAULTS = {"wideLayout": True, "showPercentChange": False, "percentChangeColorMode": "standard"}


def drop_nulls(value: Any) -> Any:
    """Recursively remove None values from dicts (lists keep their items)."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def _thresholds(field_config: dict) -> None:
    thresholds = field_config.get("defaults", {}).get("thresholds")
    if not thresholds:
        return
    steps = [{k: v for k, v in s.items() if k in _STEP_KEYS} for s in thresholds.get("steps", [])]
    if steps:
        steps[0]["value"] = None  # the base step: Grafana's -Infinity
    thresholds["steps"] = steps


def _panel(panel: dict) -> dict:
    if panel.get("type") == "row":
        row = {k: v for k, v in panel.items() if k in _ROW_KEYS}
        row.setdefault("collapsed", False)
        row["panels"] = [_panel(p) for p in row.get("panels", [])]
        return row
    panel = {k: v for k, v in panel.items() if k not in _PANEL_LEGACY}
    if "fieldConfig" in panel:
        panel["fieldConfig"].setdefault("overrides", [])
        _thresholds(panel["fieldConfig"])
        for override in panel["fieldConfig"]["overrides"]:  # per-column thresholds: the same base
            for prop in override.get("properties", []):
                if prop.get("id") == "thresholds" and prop.get("value", {}).get("steps"):
                    prop["value"]["steps"][0]["value"] = None
        for mapping in panel["fieldConfig"].get("defaults", {}).get("mappings", []):
            if mapping.get("type") == "range":
                # null bounds mean -/+Infinity and are required keys.
                mapping["options"].setdefault("from", None)
                mapping["options"].setdefault("to", None)
    panel["targets"] = [
        {k: v for k, v in t.items() if k not in _TARGET_LEGACY} for t in panel.get("targets", [])
    ]
    options = panel.setdefault("options", {})
    if panel["type"] == "stat":
        for key, default in _STAT_DEFAULTS.items():
            options.setdefault(key, default)
    if "legend" in options:
        options["legend"].setdefault("showLegend", True)
    return panel


def _variable(variable: dict) -> dict:
    variable = {k: v for k, v in variable.items() if k not in _VARIABLE_LEGACY}
    current = variable.get("current")
    if current:
        variable["current"] = {k: v for k, v in current.items() if k != "tags"}
    return variable


def dashboard(raw: dict) -> dict:
    """grafanalib's to_json_data() output (already JSON-encoded) -> clean dict."""
    data = drop_nulls(raw)
    data = {k: v for k, v in data.items() if k not in _DASHBOARD_LEGACY}
    data["schemaVersion"] = SCHEMA_VERSION
    data["panels"] = [_panel(p) for p in data.get("panels", [])]
    templating = data.setdefault("templating", {"list": []})
    templating["list"] = [_variable(v) for v in templating.get("list", [])]
    picker = data.get("timepicker")
    if picker is not None:
        picker.pop("time_options", None)  # legacy; Grafana uses quick_ranges
    if data.get("gnetId") == "":
        del data["gnetId"]
    return data
