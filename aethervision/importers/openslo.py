"""OpenSLO documents: `openslo/v1` and `openslo/v1alpha`.

An SLO's indicator is inline (`indicator`) or an SLI document by name (`indicatorRef`).
`ratioMetric` with counters (good/total, bad/total, or a raw ratio) becomes the kind that
measures the same; `thresholdMetric` is time-based (the share of minutes the threshold is
broken, a subquery). Each objective is one SLO. Rolling windows only: calendar windows and
timeslice budgeting are refused until AetherVision has them; a source that is not
Prometheus is refused. Alert policies are not carried (AetherVision's tiers apply).
"""

from __future__ import annotations

from aethervision.importers import common, shapes
from aethervision.importers.findings import Imported, Result, Where
from aethervision.promql.parse import selector_problem

UNITS = {"minute": "m", "hour": "h", "day": "d", "week": "w"}  # v1alpha timeWindows units
OPS = {"lte": ">", "lt": ">=", "gte": "<", "gt": "<="}  # objective op -> the comparison that is bad


def _source_query(metric: dict | None, where: Where, path: str, result: Result, sources: dict) -> str | None:
    """The PromQL of a v1 `metricSource` (or a v1alpha {source, queryType, query})."""
    if not isinstance(metric, dict):
        result.refuse(where, path, "missing")
        return None
    src = metric.get("metricSource", metric)
    kind = str(src.get("type") or src.get("source") or "")
    ref = src.get("metricSourceRef")
    if not kind and ref:
        kind = str((sources.get(ref) or {}).get("spec", {}).get("type", ""))
    if kind.lower() != "prometheus":
        result.refuse(where, path, f"source {kind or ref or '?'!r} is not Prometheus: AetherVision reads PromQL only")
        return None
    query = (src.get("spec") or {}).get("query") if "spec" in src else src.get("query")
    if not query:
        result.refuse(where, path, "no query")
        return None
    return str(query).strip()


def _counter(query: str, where: Where, path: str, result: Result) -> str | None:
    """A counter selector; refused when the query computes its own rate (its window is fixed)."""
    if selector_problem(query):
        result.refuse(where, path, f"{query!r} is not a counter selector (it has its own range or functions), "
                                   "so it cannot be read over each window")
        return None
    return query


def _ratio(body: dict, where: Where, path: str, result: Result, sources: dict):
    if body.get("counter") is False:
        result.refuse(where, f"{path}.counter", "false: gauges of ratios are not events AetherVision can count")
        return None
    if body.get("raw"):
        query = _source_query(body["raw"], where, f"{path}.raw", result, sources)
        if query is None:
            return None
        rate = f"sum(rate({query}[$window]))" if not selector_problem(query) else None
        if rate is None:
            result.refuse(where, f"{path}.raw", "a raw ratio must be a counter selector")
            return None
        bad = rate if body.get("rawType", "failure") == "failure" else f"1 - {rate}"
        return "raw", {"raw": bad}, (), ["raw ratio of a counter: carried as a raw SLI"]
    total = _source_query(body.get("total"), where, f"{path}.total", result, sources)
    total = total and _counter(total, where, f"{path}.total", result)
    if body.get("bad"):
        bad = _source_query(body["bad"], where, f"{path}.bad", result, sources)
        bad = bad and _counter(bad, where, f"{path}.bad", result)
        return ("ratio", {"errors": bad, "total": total}, (), []) if bad and total else None
    good = _source_query(body.get("good"), where, f"{path}.good", result, sources)
    good = good and _counter(good, where, f"{path}.good", result)
    if not (good and total):
        return None
    latency = shapes.latency(good, total)
    if latency:
        return "latency", {"latency": latency}, (), []
    return "raw", {"raw": f"1 - sum(rate({good}[$window])) / sum(rate({total}[$window]))"}, (), [
        "good/total counters: carried as a raw SLI, 1 - good / total (AetherVision counts bad events)"]


def _threshold(query: str, op: str, value, where: Where, path: str, result: Result):
    if op not in OPS or not isinstance(value, (int, float)):
        result.refuse(where, path, f"objective op {op!r} and value {value!r}: need lt/lte/gt/gte and a number")
        return None
    bad = f"avg_over_time((({query}) {OPS[op]} bool {value})[$window:1m])"
    return "raw", {"raw": bad}, (), [
        f"thresholdMetric is time-based: the share of minutes with the query {OPS[op]} {value} (a subquery)"]


def window_of(spec: dict, where: Where, result: Result) -> str | None:
    windows = spec.get("timeWindow") or spec.get("timeWindows") or []
    if len(windows) != 1:
        result.refuse(where, "spec.timeWindow", "needs exactly one time window")
        return None
    window = windows[0]
    if window.get("calendar") or window.get("isRolling") is False:
        result.refuse(where, "spec.timeWindow[0]", "calendar windows are not supported yet: rolling windows only")
        return None
    if "duration" in window:
        text = str(window["duration"])
    else:
        unit = UNITS.get(str(window.get("unit", "")).lower())
        text = f"{window.get('count')}{unit}" if unit and str(window.get("count", "")).isdigit() else ""
    if not shapes.seconds(text) or "." in text:
        result.refuse(where, "spec.timeWindow[0]", f"{text or window!r} is not a duration")
        return None
    return text


def convert_slo(doc: dict, where: Where, slis: dict, sources: dict) -> Result:
    result = Result()
    meta, spec = doc.get("metadata") or {}, doc.get("spec") or {}
    name = meta.get("name")
    if not name:
        result.refuse(where, "metadata.name", "missing")
        return result
    method = str(spec.get("budgetingMethod", "Occurrences"))
    if method != "Occurrences":
        result.refuse(where, "spec.budgetingMethod", f"{method}: timeslice budgeting is not supported yet "
                                                     "(AetherVision counts occurrences)")
        return result
    window = window_of(spec, where, result)
    indicator = spec.get("indicator")
    if indicator is None and spec.get("indicatorRef"):
        indicator = slis.get(spec["indicatorRef"])
        if indicator is None:
            result.refuse(where, "spec.indicatorRef", f"no SLI document named {spec['indicatorRef']!r} among the "
                                                      "files given")
            return result
    if window is None:
        return result
    sli_spec = (indicator or {}).get("spec", indicator or {})
    for i, objective in enumerate(spec.get("objectives") or []):
        path = f"spec.objectives[{i}]"
        target = objective.get("target")
        percent = objective.get("targetPercent", None if target is None else float(target) * 100)
        value = common.objective_from_percent(percent, where, f"{path}.target", result)
        sli = _sli(sli_spec, objective, where, path, result, sources)
        if value is None or sli is None:
            continue
        kind, body, group_by, notes = sli
        suffix = "" if len(spec["objectives"]) == 1 else f"_{common.slo_name(objective.get('displayName') or i)}"
        out = {"name": common.slo_name(f"{name}{suffix}"), "service": common.service_name(spec.get("service") or name),
               "title": str(objective.get("displayName") or meta.get("displayName") or name),
               "objective": value, "window": window, "sli": body}
        if spec.get("description"):
            out["description"] = str(spec["description"])
        imported = Imported(out, where, path, kind)
        for note in notes:
            result.warn(where, path, note, imported)
        if spec.get("alertPolicies"):
            result.warn(where, "spec.alertPolicies", "not carried: AetherVision's page and ticket tiers apply",
                        imported)
        result.slos.append(imported)
    if not spec.get("objectives"):
        result.refuse(where, "spec.objectives", "no objectives")
    return result


def _sli(sli: dict, objective: dict, where: Where, path: str, result: Result, sources: dict):
    if objective.get("ratioMetrics"):  # v1alpha: the ratio is on the objective
        return _ratio(objective["ratioMetrics"], where, f"{path}.ratioMetrics", result, sources)
    if sli.get("ratioMetric"):
        return _ratio(sli["ratioMetric"], where, "spec.indicator.ratioMetric", result, sources)
    if sli.get("thresholdMetric"):
        query = _source_query(sli["thresholdMetric"], where, "spec.indicator.thresholdMetric", result, sources)
        return query and _threshold(query, str(objective.get("op", "")), objective.get("value"), where, path, result)
    result.refuse(where, "spec.indicator", "needs ratioMetric or thresholdMetric")
    return None
