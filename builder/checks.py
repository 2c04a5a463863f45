"""Checks on generated output that need no tool: Grafana schemas, layout, thresholds, metric names."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema

from aethervision.builder.layout_check import grid_problems
from aethervision.promql.parse import metric_names
from aethervision.rules.files import walk_rules

# Panel types whose `options` (and custom field config) have a published schema.
PANEL_SCHEMAS = ("stat", "timeseries", "gauge", "bargauge", "table", "text",
                 "statetimeline", "statushistory")


@functools.cache
def _definitions(schema_dir: Path, name: str) -> dict:
    """One parsed schema file (read once per run, not once per panel)."""
    return json.loads((schema_dir / f"{name}.jsonschema.json").read_text("utf-8"))


@functools.cache
def _schema(schema_dir: Path, name: str, definition: str | None = None):
    doc = _definitions(schema_dir, name)
    if definition:
        doc = {"$ref": f"#/definitions/{definition}", "definitions": doc["definitions"]}
    return jsonschema.Draft7Validator(doc)


def _errors(validator, instance, where: str) -> list[str]:
    out = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        # oneOf/anyOf failures (Panel or RowPanel, ...): report the deepest
        # error of any branch, the one nearest the actual mistake.
        while error.context:
            error = max(error.context, key=lambda e: (len(e.absolute_path), -len(e.schema_path)))
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        message = error.message if len(error.message) < 300 else error.message[:297] + "..."
        out.append(f"{where}{path}: {message}")
    return out


def panels(dashboard: dict) -> Iterator[tuple[str, dict]]:
    """(location, panel) for every panel, rows' nested panels included."""
    for i, panel in enumerate(dashboard.get("panels", [])):
        yield f"panels[{i}] {panel.get('title', '')!r}", panel
        for j, child in enumerate(panel.get("panels", [])):
            yield f"panels[{i}].panels[{j}] {child.get('title', '')!r}", child


def schema_problems(dashboard: dict, schema_dir: Path) -> list[str]:
    """Validate against Grafana's official JSON Schemas (dashboard and per panel)."""
    problems = _errors(_schema(schema_dir, "dashboard"), dashboard, "dashboard")
    query = _schema(schema_dir, "prometheus")
    for where, panel in panels(dashboard):
        kind = panel.get("type")
        if kind in PANEL_SCHEMAS:
            problems += _errors(_schema(schema_dir, kind, "Options"), panel.get("options", {}),
                                f"{where}.options")
            custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
            if custom and "FieldConfig" in _definitions(schema_dir, kind)["definitions"]:
                problems += _errors(_schema(schema_dir, kind, "FieldConfig"), custom,
                                    f"{where}.fieldConfig.defaults.custom")
        for k, target in enumerate(panel.get("targets", [])):
            problems += _errors(query, target, f"{where}.targets[{k}]")
    return problems


def resource_problems(doc: dict, schema_dir: Path, where: str) -> list[str]:
    """An app-platform resource file against Grafana's schemas: the envelope (resource), and its
    spec as a v2 dashboard (dashboardv2), a classic one (dashboard) or a folder (folderv1)."""
    problems = _errors(_schema(schema_dir, "resource", "Manifest"), doc, where)
    spec, api = doc.get("spec", {}), str(doc.get("apiVersion", ""))
    if doc.get("kind") == "Folder":
        return problems + _errors(_schema(schema_dir, "folderv1", "Folder"), spec, f"{where}.spec")
    if api.endswith("/v2"):
        return problems + _errors(_schema(schema_dir, "dashboardv2", "Dashboard"), spec, f"{where}.spec")
    return problems + schema_problems(spec, schema_dir)


def structure_problems(dashboard: dict) -> list[str]:
    """Unique ids, grid, refIds, thresholds ascending with a null base."""
    problems: list[str] = []
    seen: dict[int, str] = {}
    for where, panel in panels(dashboard):
        pid = panel.get("id")
        if pid is None:
            problems.append(f"{where}: missing id")
        elif pid in seen:
            problems.append(f"{where}: id {pid} is also used by {seen[pid]}")
        else:
            seen[pid] = where
        refs = [t.get("refId") for t in panel.get("targets", [])]
        for k, ref in enumerate(refs):
            if not ref:
                problems.append(f"{where}.targets[{k}]: missing refId")
            elif refs.count(ref) > 1:
                problems.append(f"{where}.targets[{k}]: refId {ref!r} is not unique in the panel")
        steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
        if steps and steps[0].get("value") is not None:
            problems.append(f"{where}: thresholds: the first step must be the base (value null)")
        values = [s.get("value") for s in steps[1:]]
        if any(not isinstance(v, (int, float)) for v in values) or values != sorted(set(values)):
            problems.append(f"{where}: thresholds: steps after the base must be numbers in "
                            f"ascending order, got {values}")
    return problems + grid_problems(dashboard)


def variable_values(dashboard: dict) -> dict[str, list[str]]:
    """Dashboard variables a query may interpolate: custom ones with their values (the SLO
    names), query ones as `.*` (group labels, matched by regex)."""
    out = {}
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") == "custom":  # "a,b" or Grafana's "text : value,..."
            items = [v.strip() for v in str(var.get("query", "")).split(",") if v.strip()]
            out[var["name"]] = [item.rsplit(" : ", 1)[-1].strip() for item in items]
        elif var.get("type") == "query":
            out[var["name"]] = [".*"]
    return out


def _interpolate(expr: str, values: dict[str, list[str]], every: bool) -> list[tuple[str, str]]:
    """(suffix, expr) for each value of the custom variables the expression uses (the first only
    unless `every`), the way Grafana fills them in."""
    variants = [("", expr)]
    for name, options in values.items():
        if f"${{{name}}}" not in expr and f"${name}" not in expr:
            continue
        picked = options if every else options[:1]
        variants = [(f"{suffix} [{name}={v}]" if len(picked) > 1 else suffix,
                     text.replace(f"${{{name}}}", v).replace(f"${name}", v))
                    for suffix, text in variants for v in picked]
    return variants


def dashboard_queries(dashboard: dict, name: str, every_value: bool = False) -> dict[str, str]:
    """'file: panel: targets[k]' -> PromQL, for every target with an expr, with the dashboard's
    variables filled in (every SLO with `every_value`, for the metric-name check)."""
    values = variable_values(dashboard)
    return {
        f"{name}: {where}.targets[{k}] (refId {t.get('refId')}){suffix}": text
        for where, panel in panels(dashboard)
        for k, t in enumerate(panel.get("targets", [])) if t.get("expr")
        for suffix, text in _interpolate(t["expr"], values, every_value)
    }


def metric_problems(known: set[str], queries: dict[str, str]) -> list[str]:
    """Every metric a query reads is recorded by our rules or a documented input."""
    return [
        f"{where}: reads {name!r}, which no AetherVision recording rule produces and "
        "which is not a documented input metric"
        for where, expr in queries.items()
        for name in sorted(metric_names(expr) - known)
    ]


def rule_queries(rule_docs: dict[str, dict]) -> dict[str, str]:
    """Every rule expression, keyed 'file: group: name', for the metric cross-check."""
    return {f"{name}: {group}: {rule_name}": rule["expr"]
            for name, doc in rule_docs.items() for group, rule_name, rule in walk_rules(doc)}
