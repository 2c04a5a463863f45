"""Grafana's dashboard formats beyond classic JSON, from the same grafanalib declarations.

- `resource`: the classic model in the Kubernetes-style envelope Grafana 12/13's
  app-platform API and Git Sync read (`dashboard.grafana.app/v1`, `metadata.name` = uid,
  the folder as the `grafana.app/folder` annotation).
- `v2`: `dashboard.grafana.app/v2`: panels become `elements`, positions a `layout` (rows of
  grid items, each row's items placed from the row's top), variables typed kinds. One
  faithful transform of the classic dict, so panels stay declared once; `to_classic`
  reads a v2 dashboard back into the classic shape the semantic diff compares.
"""

from __future__ import annotations

FOLDER_ANNOTATION = "grafana.app/folder"
V1 = "dashboard.grafana.app/v1"
V2 = "dashboard.grafana.app/v2"
FOLDER_API = "folder.grafana.app/v1"
HIDE = {0: "dontHide", 1: "hideLabel", 2: "hideVariable"}
REFRESH = {0: "never", 1: "onDashboardLoad", 2: "onTimeRangeChanged"}
SORT = {0: "disabled", 1: "alphabeticalAsc", 2: "alphabeticalDesc", 3: "numericalAsc", 4: "numericalDesc",
        5: "alphabeticalCaseInsensitiveAsc", 6: "alphabeticalCaseInsensitiveDesc"}
VARIABLE_REF = "PrometheusVariableQueryEditor-VariableQuery"  # the refId Grafana's editor gives a variable query
QUERY_KEYS = ("expr", "legendFormat", "instant", "range", "format", "interval", "intervalFactor", "exemplar")


def envelope(api_version: str, uid: str, spec: dict, folder_uid: str = "") -> dict:
    metadata: dict = {"name": uid}
    if folder_uid:
        metadata["annotations"] = {FOLDER_ANNOTATION: folder_uid}
    return {"apiVersion": api_version, "kind": "Dashboard", "metadata": metadata, "spec": spec}


def folder(uid: str, title: str) -> dict:
    return {"apiVersion": FOLDER_API, "kind": "Folder", "metadata": {"name": uid}, "spec": {"title": title}}


def _text(value) -> str | list[str]:
    return [str(x) for x in value] if isinstance(value, list) else str(value)


def _option(value) -> dict:
    value = value if isinstance(value, dict) else {}
    return {"text": _text(value.get("text", "")), "value": _text(value.get("value", ""))}


def _datasource_name(ds) -> str:
    return str(ds.get("uid", "")) if isinstance(ds, dict) else str(ds or "")


def _variable(v: dict) -> dict:
    common = {"name": v["name"], "current": _option(v.get("current")),
              "options": [_option(o) for o in v.get("options", [])], "multi": bool(v.get("multi")),
              "includeAll": bool(v.get("includeAll")), "hide": HIDE.get(v.get("hide", 0), "dontHide"),
              "skipUrlSync": False, "allowCustomValue": True}
    if v.get("label"):
        common["label"] = v["label"]
    if v["type"] == "datasource":
        return {"kind": "DatasourceVariable", "spec": {**common, "pluginId": str(v.get("query", "")),
                                                        "refresh": REFRESH.get(v.get("refresh", 1), "onDashboardLoad"),
                                                        "regex": str(v.get("regex", ""))}}
    if v["type"] == "custom":
        return {"kind": "CustomVariable", "spec": {**common, "query": str(v.get("query", ""))}}
    query = v.get("query")
    query_spec = query if isinstance(query, dict) else {"query": str(query or ""), "refId": VARIABLE_REF}
    spec = {**common, "refresh": REFRESH.get(v.get("refresh", 1), "onDashboardLoad"), "regex": str(v.get("regex", "")),
            "sort": SORT.get(v.get("sort", 0), "disabled"),
            "query": {"kind": "DataQuery", "group": "prometheus", "version": "v0",
                      "datasource": {"name": _datasource_name(v.get("datasource"))}, "spec": query_spec}}
    if "allValue" in v and v["allValue"] is not None:
        spec["allValue"] = str(v["allValue"])
    return {"kind": "QueryVariable", "spec": spec}


def _query(target: dict) -> dict:
    return {"kind": "PanelQuery", "spec": {
        "refId": target.get("refId", "A"), "hidden": bool(target.get("hide", False)),
        "query": {"kind": "DataQuery", "group": str((target.get("datasource") or {}).get("type", "prometheus")),
                  "version": "v0", "datasource": {"name": _datasource_name(target.get("datasource"))},
                  "spec": {k: target[k] for k in QUERY_KEYS if k in target}}}}


def _panel(panel: dict) -> dict:
    field_config = panel.get("fieldConfig") or {}
    return {"kind": "Panel", "spec": {
        "id": panel["id"], "title": panel.get("title", ""), "description": panel.get("description", ""),
        "links": [{"title": link.get("title", ""), "url": link.get("url", ""),
                   **({"targetBlank": link["targetBlank"]} if "targetBlank" in link else {})}
                  for link in panel.get("links", [])],
        "transparent": bool(panel.get("transparent", False)),
        "data": {"kind": "QueryGroup", "spec": {
            "queries": [_query(t) for t in panel.get("targets", [])],
            "transformations": [{"kind": "Transformation", "group": t["id"], "spec": {"options": t.get("options", {})}}
                                for t in panel.get("transformations", [])],
            "queryOptions": {k: v for k, v in (("timeFrom", panel.get("timeFrom")),
                                               ("hideTimeOverride", panel.get("hideTimeOverride")),
                                               ("maxDataPoints", panel.get("maxDataPoints")),
                                               ("interval", panel.get("interval"))) if v not in (None, "")}}},
        "vizConfig": {"kind": "VizConfig", "group": panel["type"], "version": "",
                      "spec": {"options": panel.get("options", {}),
                               "fieldConfig": {"defaults": field_config.get("defaults", {}),
                                               "overrides": field_config.get("overrides", [])}}}}}


def _grid(items: list[tuple[str, dict]], top: int) -> dict:
    return {"kind": "GridLayout", "spec": {"items": [
        {"kind": "GridLayoutItem", "spec": {"x": p["gridPos"]["x"], "y": p["gridPos"]["y"] - top,
                                            "width": p["gridPos"]["w"], "height": p["gridPos"]["h"],
                                            "element": {"kind": "ElementReference", "name": name}}}
        for name, p in items]}}


def to_v2(classic: dict) -> dict:
    """The v2 spec of a classic dashboard dict (as render.dashboard_dict makes it)."""
    elements, rows, current = {}, [], None
    for panel in classic.get("panels", []):
        if panel.get("type") == "row":
            current = {"title": panel.get("title", ""), "collapse": bool(panel.get("collapsed")),
                       "top": panel["gridPos"]["y"] + panel["gridPos"]["h"], "items": []}
            rows.append(current)
            continue
        if current is None:  # panels above the first row: a row without a header
            current = {"title": "", "collapse": False, "top": 0, "items": [], "hideHeader": True}
            rows.append(current)
        name = f"panel-{panel['id']}"
        elements[name] = _panel(panel)
        current["items"].append((name, panel))
    layout = {"kind": "RowsLayout", "spec": {"rows": [
        {"kind": "RowsLayoutRow", "spec": {"title": row["title"], "collapse": row["collapse"],
                                           **({"hideHeader": True} if row.get("hideHeader") else {}),
                                           "layout": _grid(row["items"], row["top"])}}
        for row in rows]}}
    time, picker = classic.get("time", {}), classic.get("timepicker", {})
    return {
        "title": classic.get("title", ""), "description": classic.get("description", ""),
        "tags": list(classic.get("tags", [])), "editable": bool(classic.get("editable", True)),
        "cursorSync": {0: "Off", 1: "Crosshair", 2: "Tooltip"}.get(classic.get("graphTooltip", 0), "Off"),
        "preload": False, "links": [], "annotations": [],
        "timeSettings": {"timezone": classic.get("timezone", "browser") or "browser",
                         "from": time.get("from", "now-6h"), "to": time.get("to", "now"),
                         "autoRefresh": classic.get("refresh") or "",
                         "autoRefreshIntervals": list(picker.get("refresh_intervals", [])),
                         "hideTimepicker": bool(picker.get("hidden", False)), "fiscalYearStartMonth": 0},
        "variables": [_variable(v) for v in classic.get("templating", {}).get("list", [])],
        "elements": elements, "layout": layout,
    }


def to_classic(v2: dict) -> dict:
    """The classic shape of a v2 spec, as far as the semantic diff reads it: rows, panels with
    grid positions, queries, field config and options, and the dashboard's settings."""
    panels, y = [], 0
    for row in v2.get("layout", {}).get("spec", {}).get("rows", []):
        spec = row.get("spec", {})
        if not spec.get("hideHeader"):
            panels.append({"type": "row", "title": spec.get("title", ""), "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}})
            y += 1
        bottom = y
        for item in spec.get("layout", {}).get("spec", {}).get("items", []):
            s = item["spec"]
            element = v2.get("elements", {}).get(s["element"]["name"], {}).get("spec", {})
            viz = element.get("vizConfig", {})
            data = element.get("data", {}).get("spec", {})
            queries = data.get("queries", [])
            panels.append({"type": viz.get("group"), "title": element.get("title", ""),
                           "gridPos": {"x": s["x"], "y": y + s["y"], "w": s["width"], "h": s["height"]},
                           "fieldConfig": viz.get("spec", {}).get("fieldConfig", {}),
                           "options": viz.get("spec", {}).get("options", {}),
                           "transformations": [{"id": t["group"], "options": t["spec"].get("options", {})}
                                               for t in data.get("transformations", [])],
                           "targets": [{"refId": q["spec"]["refId"], **q["spec"]["query"].get("spec", {})}
                                       for q in queries]})
            bottom = max(bottom, y + s["y"] + s["height"])
        y = bottom
    settings = v2.get("timeSettings", {})
    return {"title": v2.get("title"), "tags": v2.get("tags", []), "refresh": settings.get("autoRefresh") or False,
            "time": {"from": settings.get("from"), "to": settings.get("to")}, "panels": panels}
