"""Sloth specs: `prometheus/v1` files and `sloth.slok.dev/v1` PrometheusServiceLevel objects.

Objectives are percents; queries use `{{.window}}`. Events SLIs become ratio (a sum of rates
over one selector each), latency (bucket arithmetic) or raw; raw SLIs stay raw. Alerting:
`name` is the alert prefix, `labels` route every alert, `page_alert`/`ticket_alert` are the
page and ticket tiers. Sloth's SLI plugins and SLO plugin chains run Go code AetherVision
does not have: refused. AlertWindows files become the spec's burn-rate tiers.
"""

from __future__ import annotations

from aethervision.importers import common, shapes
from aethervision.importers.findings import Imported, Result, Where

SLO_KEYS = {"name", "objective", "description", "labels", "sli", "alerting"}
ALERTING_KEYS = {"name", "labels", "annotations", "page_alert", "ticket_alert", "pageAlert", "ticketAlert"}


def _get(d: dict, snake: str, camel: str):
    return d.get(snake, d.get(camel))


def convert_prometheus_v1(doc: dict, where: Where, period: str) -> Result:
    return _convert(doc, where, period, "")


def convert_k8s(doc: dict, where: Where, period: str) -> Result:
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        result = Result()
        result.refuse(where, "spec", "a PrometheusServiceLevel needs a spec")
        return result
    return _convert(spec, where, period, "spec.")


def _convert(spec: dict, where: Where, period: str, prefix: str) -> Result:
    result = Result()
    service = spec.get("service")
    if not service:
        result.refuse(where, f"{prefix}service", "missing: Sloth needs the service name")
        return result
    slos = spec.get("slos") or []
    if not isinstance(slos, list) or not slos:
        result.refuse(where, f"{prefix}slos", "no SLOs in this document")
        return result
    for i, slo in enumerate(slos):
        path = f"{prefix}slos[{i}]"
        if not isinstance(slo, dict):
            result.refuse(where, path, "not a mapping")
            continue
        one = _slo(slo, spec, where, path, period, result)
        if one is not None:
            result.slos.append(one)
    return result


def _slo(slo: dict, spec: dict, where: Where, path: str, period: str, result: Result) -> Imported | None:
    for key in ("plugins", "slo_plugins", "sloPlugins"):
        if key in slo:
            result.refuse(where, f"{path}.{key}", "Sloth SLO plugin chains run Go code AetherVision does not have")
            return None
    name = slo.get("name")
    if not name:
        result.refuse(where, f"{path}.name", "missing")
        return None
    objective = common.objective_from_percent(slo.get("objective"), where, f"{path}.objective", result)
    sli = _sli(slo.get("sli"), where, f"{path}.sli", result)
    if objective is None or sli is None:
        return None
    kind, sli_spec, group_by, notes = sli
    group_by = common.group_by(group_by, where, f"{path}.sli", result)
    if group_by is None:
        return None
    out = {"name": common.slo_name(name), "service": common.service_name(spec["service"]),
           "title": str(name), "objective": objective, "window": period, "sli": sli_spec}
    if slo.get("description"):
        out["description"] = str(slo["description"])
    if group_by:
        out["group_by"] = list(group_by)
    imported = Imported(out, where, path, kind)
    for note in notes:
        result.warn(where, f"{path}.sli", note, imported)
    labels = {**(spec.get("labels") or {}), **(slo.get("labels") or {})}
    alerting = slo.get("alerting") or {}
    labels.update(alerting.get("labels") or {})
    carried = common.routing_labels(labels, where, f"{path}.labels", result, imported)
    if carried:
        out["labels"] = carried
    _alerting(alerting, where, f"{path}.alerting", result, imported)
    for key in sorted(set(slo) - SLO_KEYS):
        result.warn(where, f"{path}.{key}", "not carried: not a field of Sloth's SLO", imported)
    return imported


def _sli(sli, where: Where, path: str, result: Result):
    """(kind, sli spec, group_by, notes) or None (refused)."""
    if not isinstance(sli, dict) or not sli:
        result.refuse(where, path, "missing: one of events, raw")
        return None
    if "plugin" in sli:
        plugin = (sli.get("plugin") or {}).get("id", "?")
        result.refuse(where, f"{path}.plugin", f"Sloth SLI plugin {plugin!r} is Go code AetherVision does not have: "
                                               "write its queries as events or raw")
        return None
    events, raw = sli.get("events"), sli.get("raw")
    if events:
        error_q, total_q = _get(events, "error_query", "errorQuery"), _get(events, "total_query", "totalQuery")
        errors, total = shapes.windowed(str(error_q or "")), shapes.windowed(str(total_q or ""))
        if not error_q or not total_q:
            result.refuse(where, f"{path}.events", "needs error_query and total_query")
            return None
        if errors is None or total is None:
            result.refuse(where, f"{path}.events", "uses a template other than {{.window}}")
            return None
        return from_events(errors, total)
    if raw:
        query = shapes.windowed(str(_get(raw, "error_ratio_query", "errorRatioQuery") or ""))
        if not query:
            result.refuse(where, f"{path}.raw", "needs error_ratio_query with {{.window}} (and no other template)")
            return None
        if "$window" not in query:
            result.refuse(where, f"{path}.raw.error_ratio_query", "does not use {{.window}}: its ratio would be "
                                                                   "the same for every window")
            return None
        return "raw", {"raw": query}, (), ["raw error ratio: carried as a raw SLI (time-weighted, no event counts)"]
    result.refuse(where, path, "needs events or raw")
    return None


def from_events(errors: str, total: str):
    """Errors and total queries (with $window) as the kind that measures the same thing."""
    bad, every = shapes.sum_of_rates(errors), shapes.sum_of_rates(total)
    if bad and every and bad[1] == every[1]:
        return "ratio", {"errors": bad[0], "total": every[0]}, bad[1], []
    latency = shapes.latency_from_events(errors, total)
    if latency:
        return "latency", {"latency": latency[0]}, latency[1], []
    return "raw", {"raw": f"({errors})\n/\n({total})"}, (), [
        "queries are not a sum of rates over one selector each: carried as a raw SLI (errors / total)"]


def _alerting(alerting: dict, where: Where, path: str, result: Result, imported: Imported) -> None:
    if alerting.get("name"):
        prefix = common.alert_prefix(alerting["name"])
        imported.slo["alert_name"] = prefix
        if prefix != alerting["name"]:
            result.warn(where, f"{path}.name", f"alert names become {prefix}... (CamelCase, letters and digits)",
                        imported)
    common_annotations = {str(k): str(v) for k, v in (alerting.get("annotations") or {}).items()}
    tiers = {}
    for tier, (snake, camel) in (("page", ("page_alert", "pageAlert")), ("ticket", ("ticket_alert", "ticketAlert"))):
        alert = _get(alerting, snake, camel) or {}
        out: dict = {}
        if alert.get("disable"):
            out["disable"] = True
        else:
            labels = common.routing_labels(alert.get("labels"), where, f"{path}.{snake}.labels", result, imported)
            annotations = {**common_annotations,
                           **{str(k): str(v) for k, v in (alert.get("annotations") or {}).items()}}
            if labels:
                out["labels"] = labels
            if annotations:
                out["annotations"] = annotations
        if out:
            tiers[tier] = out
    if tiers:
        imported.slo["alerting"] = tiers
    for key in sorted(set(alerting) - ALERTING_KEYS):
        result.warn(where, f"{path}.{key}", "not carried: not a field of Sloth's alerting", imported)


def alert_windows(doc: dict, where: Where) -> Result:
    """Sloth's AlertWindows (sloth.slok.dev/v1): each tier's budget share over its long window
    becomes a burn factor: 2% of a 30d budget in 1h is 0.02 x 720 = 14.4."""
    result = Result()
    spec = doc.get("spec") or {}
    period = shapes.seconds(str(spec.get("sloPeriod", "")))
    if not period:
        result.refuse(where, "spec.sloPeriod", "missing or not a duration")
        return result
    tiers: dict[str, list] = {}
    for severity in ("page", "ticket"):
        for speed in ("quick", "slow"):
            window = (spec.get(severity) or {}).get(speed) or {}
            long, short = window.get("longWindow"), window.get("shortWindow")
            share = window.get("errorBudgetPercent")
            long_s = shapes.seconds(str(long or ""))
            if not (long_s and short and isinstance(share, (int, float))):
                result.refuse(where, f"spec.{severity}.{speed}", "needs errorBudgetPercent, shortWindow, longWindow")
                return result
            factor = round(share / 100 * period / long_s, 6)
            tiers.setdefault(severity, []).append({"long": str(long), "short": str(short), "factor": factor})
    result.runway = {"burn_alerts": tiers}
    return result
