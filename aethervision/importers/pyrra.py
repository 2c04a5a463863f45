"""Pyrra `ServiceLevelObjective` objects (pyrra.dev/v1alpha1).

Targets are percent strings; windows Prometheus durations (1w, 2w, 4w, 28d, 12w). Indicators:
`ratio` (errors and total selectors: a ratio SLI), `latency` (a `_bucket{le=...}` and its
`_count`: a latency SLI), `latencyNative` (a native histogram and a duration), `bool_gauge`
(or `boolGauge`: a 0/1 gauge, each sample an event: a probe SLI). `grouping` is group_by.
Alerting: `name` is the alert prefix, `disabled`/`burnrates: false` turn off the page and
ticket tiers, `absent: false` the no-data alert. Metadata labels other than the ones that
select the Prometheus (prometheus, role, pyrra.dev/*) route every alert.
"""

from __future__ import annotations

from aethervision.importers import common, shapes
from aethervision.importers.findings import Imported, Result, Where
from aethervision.promql.parse import selector_matchers, selector_problem

SPEC_KEYS = {"target", "window", "description", "indicator", "alerting", "partial_response_strategy"}
SELECTOR_LABELS = {"prometheus", "role", "app.kubernetes.io/name", "app.kubernetes.io/part-of"}


def convert(doc: dict, where: Where) -> Result:
    result = Result()
    meta, spec = doc.get("metadata") or {}, doc.get("spec")
    name = meta.get("name")
    if not name or not isinstance(spec, dict):
        result.refuse(where, "metadata.name" if not name else "spec", "missing")
        return result
    target = str(spec.get("target", ""))
    try:
        percent = float(target)
    except ValueError:
        result.refuse(where, "spec.target", f"{target!r} is not a number")
        return result
    if 0 < percent < 1:
        result.refuse(where, "spec.target", f"{target} is a percent in Pyrra ({target}%), surely meant "
                                            f"{percent * 100:g}: write target: \"{percent * 100:g}\"")
        return result
    objective = common.objective_from_percent(percent, where, "spec.target", result)
    window = str(spec.get("window", ""))
    if not shapes.seconds(window) or "ms" in window or "." in window:
        result.refuse(where, "spec.window", f"{window!r} is not a duration AetherVision reads (e.g. 28d, 4w)")
        return result
    sli = _indicator(spec.get("indicator") or {}, where, result)
    if objective is None or sli is None:
        return result
    kind, sli_spec, grouping = sli
    grouping = common.group_by(grouping, where, f"spec.indicator.{_kind_key(spec)}.grouping", result)
    if grouping is None:
        return result
    out = {"name": common.slo_name(name), "service": common.service_name(meta.get("namespace") or name),
           "title": str(name), "objective": objective, "window": window, "sli": sli_spec}
    if spec.get("description"):
        out["description"] = str(spec["description"])
    if grouping:
        out["group_by"] = grouping
    imported = Imported(out, where, "spec", kind)
    if not meta.get("namespace"):
        result.warn(where, "metadata.namespace", f"no namespace: service is the SLO's name {out['service']!r}",
                    imported)
    labels = {k: v for k, v in (meta.get("labels") or {}).items()
              if k not in SELECTOR_LABELS and not str(k).startswith("pyrra.dev/")}
    carried = common.routing_labels(labels, where, "metadata.labels", result, imported)
    if carried:
        out["labels"] = carried
    _alerting(spec.get("alerting") or {}, where, result, imported)
    if spec.get("partial_response_strategy"):
        result.warn(where, "spec.partial_response_strategy", "not carried per SLO: set "
                    "outputs.central_ruler.partial_response_strategy for Thanos", imported)
    for key in sorted(set(spec) - SPEC_KEYS):
        result.warn(where, f"spec.{key}", "not carried: not a field of Pyrra's spec", imported)
    result.slos.append(imported)
    return result


def _kind_key(spec: dict) -> str:
    indicator = spec.get("indicator") or {}
    return next((k for k in ("ratio", "latency", "latencyNative", "bool_gauge", "boolGauge") if indicator.get(k)), "")


def _selector(query, where: Where, path: str, result: Result) -> str | None:
    metric = (query or {}).get("metric") if isinstance(query, dict) else None
    if not metric or selector_problem(str(metric)):
        result.refuse(where, path, f"{metric!r} is not a series selector: {selector_problem(str(metric or ''))}")
        return None
    return str(metric)


def _indicator(indicator: dict, where: Where, result: Result):
    kinds = [k for k in ("ratio", "latency", "latencyNative", "bool_gauge", "boolGauge") if indicator.get(k)]
    if len(kinds) != 1:
        result.refuse(where, "spec.indicator", "needs exactly one of ratio, latency, latencyNative, bool_gauge")
        return None
    kind, body = kinds[0], indicator[kinds[0]]
    path = f"spec.indicator.{kind}"
    grouping = tuple(body.get("grouping") or ())
    if kind == "ratio":
        errors = _selector(body.get("errors"), where, f"{path}.errors.metric", result)
        total = _selector(body.get("total"), where, f"{path}.total.metric", result)
        return ("ratio", {"errors": errors, "total": total}, grouping) if errors and total else None
    if kind == "latency":
        success = _selector(body.get("success"), where, f"{path}.success.metric", result)
        total = _selector(body.get("total"), where, f"{path}.total.metric", result)
        if not (success and total):
            return None
        latency = shapes.latency(success, total)
        if latency is None:
            result.refuse(where, path, "success must be a histogram's _bucket with one le=\"...\" matcher and total "
                                       "its _count with the same other matchers")
            return None
        return "latency", {"latency": latency}, grouping
    if kind == "latencyNative":
        total = _selector(body.get("total"), where, f"{path}.total.metric", result)
        below = shapes.seconds(str(body.get("latency", "")))
        if not total or not below:
            if total:
                result.refuse(where, f"{path}.latency", f"{body.get('latency')!r} is not a duration")
            return None
        metric, matchers = selector_matchers(total)
        latency = {"native_histogram": metric, "below": below}
        if matchers:
            latency["selector"] = "{" + ", ".join(f'{k}{op}"{v}"' for k, op, v in matchers) + "}"
        return "latency (native)", {"latency": latency}, grouping
    gauge = _selector(body, where, f"{path}.metric", result)
    return ("probe", {"probe": gauge}, grouping) if gauge else None


def _alerting(alerting: dict, where: Where, result: Result, imported: Imported) -> None:
    if alerting.get("name"):
        imported.slo["alert_name"] = common.alert_prefix(alerting["name"])
    if alerting.get("disabled") is True or alerting.get("burnrates") is False:
        imported.slo["alerting"] = {"page": {"disable": True}, "ticket": {"disable": True}}
        result.warn(where, "spec.alerting", "burn-rate alerts off: the page and ticket tiers are disabled "
                    "(AetherVision's runway alerts stay)", imported)
    if alerting.get("absent") is False:
        imported.slo["no_data"] = {"disable": True}
    if alerting.get("absentName"):
        result.warn(where, "spec.alerting.absentName", f"not carried: the no-data alert is "
                    f"{imported.slo.get('alert_name', '<Prefix>')}SLINoData", imported)
