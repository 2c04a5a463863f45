"""Grafana-managed alerting (`alerting.engine: grafana | both`): the SLO alerts as Grafana
rule groups, written as Grafana's alerting file provisioning (provisioning/alerting/).

Each Prometheus alert rule becomes one Grafana rule with the same expression, `for`, labels
and annotations: query A is the rule's PromQL (instant) on the spec's datasource, B = `$A *
0 + 1` gives each series the alert expression returns a 1, and the condition C is B > 0, so
the rule fires for exactly the series the Prometheus rule would. No data is OK (an alert
expression that returns nothing is not firing). `$value` in annotations reads A's value.
The recording rules stay in Prometheus unless `alerting.recording_rules: grafana`: then each
becomes a Grafana recording rule (query A is its PromQL, `record.metric` its name, written to
Grafana's recording target data source, which must be the spec's datasource so the rules that
read recorded series find them), in groups of the same name, order and interval. The
`alertmanager` section's receivers become contact points and its routes a notification
policy.
"""

from __future__ import annotations

import hashlib
import re

from aethervision.configs import alertmanager, maintenance
from aethervision.core import durations
from aethervision.core.errors import SpecError
from aethervision.core.model import Spec
from aethervision.rules import files as rules

RULES_FILE = "alerting/aethervision-rules.yaml"
RECORDING_FILE = "alerting/aethervision-recording.yaml"
NOTIFICATIONS_FILE = "alerting/aethervision-notifications.yaml"
EXPR = "__expr__"
# Alertmanager receiver config -> (Grafana contact point type, settings from one config).
CONTACT_TYPES = {
    "webhook_configs": ("webhook", lambda c: {"url": c.get("url") or c.get("url_file", "")}),
    "slack_configs": ("slack", lambda c: {k: v for k, v in (("url", c.get("api_url")), ("recipient", c.get("channel")),
                                                          ("text", c.get("text")), ("title", c.get("title"))) if v}),
    "pagerduty_configs": ("pagerduty", lambda c: {"integrationKey": c.get("routing_key") or c.get("service_key", "")}),
    "email_configs": ("email", lambda c: {"addresses": c.get("to", "")}),
}


def uid(*parts: str) -> str:
    """A stable rule uid (Grafana allows 40 characters): the same rule keeps it across builds."""
    return "av-" + hashlib.sha1("/".join(parts).encode()).hexdigest()[:20]


def _annotation(text: str) -> str:
    """Prometheus's `$value` is query A's value in Grafana's templates; `$labels` reads the same."""
    return re.sub(r"\$value\b", "$values.A.Value", str(text))


def _query(spec: Spec, expr: str) -> dict:
    ds = spec.grafana.datasource_uid
    return {"refId": "A", "relativeTimeRange": {"from": 600, "to": 0}, "datasourceUid": ds,
            "model": {"refId": "A", "expr": expr, "instant": True, "range": False,
                      "datasource": {"type": "prometheus", "uid": ds}}}


def _recording(spec: Spec, group: str, rule: dict) -> dict:
    """A Prometheus recording rule as a Grafana one: same query, name and labels."""
    return {"uid": uid(group, rule["record"]), "title": rule["record"], "condition": "A",
            "data": [_query(spec, rule["expr"])], "record": {"metric": rule["record"], "from": "A"},
            "noDataState": "OK", "execErrState": "Error", "for": "0s", "labels": dict(rule.get("labels", {})),
            "annotations": {}}


def _rule(spec: Spec, group: str, alert: dict) -> dict:
    return {
        "uid": uid(group, alert["alert"]), "title": alert["alert"], "condition": "C",
        "data": [
            _query(spec, alert["expr"]),
            {"refId": "B", "datasourceUid": EXPR,
             "model": {"refId": "B", "type": "math", "expression": "$A * 0 + 1",
                       "datasource": {"type": EXPR, "uid": EXPR}}},
            {"refId": "C", "datasourceUid": EXPR,
             "model": {"refId": "C", "type": "threshold", "expression": "B",
                       "conditions": [{"evaluator": {"type": "gt", "params": [0]}}],
                       "datasource": {"type": EXPR, "uid": EXPR}}},
        ],
        "noDataState": "OK", "execErrState": "Error", "for": alert.get("for", "0s"),
        "labels": dict(alert.get("labels", {})),
        "annotations": {k: _annotation(v) for k, v in alert.get("annotations", {}).items()},
    }


def rule_groups(spec: Spec) -> list[dict]:
    """Grafana rule groups (file-provisioning form): one per Prometheus alert group."""
    out = []
    for group in rules.alert_rules(spec)["groups"]:
        interval = group.get("interval", spec.rules.interval)
        out.append({"orgId": 1, "name": group["name"], "folder": spec.grafana.folder_title, "interval": interval,
                    "rules": [_rule(spec, group["name"], r) for r in group["rules"] if "alert" in r]})
    return out


def recording_groups(spec: Spec) -> list[dict]:
    """Grafana recording rule groups (alerting.recording_rules: grafana): one per Prometheus
    recording group, each rule after the ones it reads as there."""
    out = []
    for group in rules.recording_rules(spec)["groups"]:
        converted = [_recording(spec, group["name"], r) for r in group["rules"]]
        out.append({"orgId": 1, "name": group["name"], "folder": spec.grafana.folder_title,
                    "interval": group["interval"], "rules": converted})
    return out


def as_api_group(spec: Spec, group: dict) -> dict:
    """The same group in the alerting provisioning API's model (what Grafana's API and its
    JSON Schema describe): folder by uid, the interval in seconds, each rule's org and group."""
    return {"title": group["name"], "folderUid": spec.grafana.folder_uid,
            "interval": durations.parse(group["interval"]),
            "rules": [{**r, "orgID": group["orgId"], "folderUID": spec.grafana.folder_uid, "ruleGroup": group["name"]}
                      for r in group["rules"]]}


def contact_points(spec: Spec) -> list[dict]:
    """Each Alertmanager receiver the spec gives as a contact point; a receiver type Grafana's
    contact points do not have is refused naming the spec field."""
    out = []
    for name, receiver in spec.alertmanager.receivers if spec.alertmanager else ():
        receivers = []
        for key, configs in receiver.items():
            if key not in CONTACT_TYPES:
                raise SpecError(spec.source, f"alertmanager.receivers.{name}.{key}",
                                "no Grafana contact point type for it (alerting.engine: grafana takes "
                                f"{', '.join(CONTACT_TYPES)})")
            kind, settings = CONTACT_TYPES[key]
            receivers += [{"uid": uid("contact", name, key, str(i)), "type": kind, "settings": settings(c)}
                          for i, c in enumerate(configs or [])]
        out.append({"orgId": 1, "name": name, "receivers": receivers})
    return out


def policy(spec: Spec, known: set[str]) -> dict:
    """The generated Alertmanager routes as Grafana's notification policy tree, routing only to
    the contact points there are (the root to `quiet` when it is one, else the first)."""
    route = alertmanager.config(spec)["route"]
    root = route["receiver"] if route["receiver"] in known else sorted(known)[0]

    def kept(routes: list[dict]) -> list[dict]:
        """Routes to contact points there are; a parent (budget, maintenance) keeps its children."""
        out = []
        for r in routes:
            if r.get("routes"):
                out.append({**r, "receiver": r["receiver"] if r["receiver"] in known else root,
                            "routes": kept(r["routes"])})
            elif r["receiver"] in known:
                out.append(r)
        return out
    route = {**route, "receiver": root, "routes": kept(route.get("routes", []))}

    def node(r: dict) -> dict:
        out = {"receiver": r["receiver"]}
        if r.get("matchers"):
            out["object_matchers"] = [list(re.match(r'(\w+)(=~|!~|!=|=)"(.*)"', m).groups()) for m in r["matchers"]]
        for key in ("group_by", "group_wait", "group_interval", "repeat_interval", "continue", "mute_time_intervals"):
            if key in r:
                out[key] = r[key]
        if r.get("routes"):
            out["routes"] = [node(child) for child in r["routes"]]
        return out
    return node(route)


def files(spec: Spec) -> dict[str, dict]:
    """Relative path -> provisioning document, for the spec's alerting.engine."""
    out = {}
    if spec.recording_engine == "grafana":
        out[RECORDING_FILE] = {"apiVersion": 1, "groups": recording_groups(spec)}
    if spec.alerting_engine == "prometheus":
        return out
    out[RULES_FILE] = {"apiVersion": 1, "groups": rule_groups(spec)}
    points = contact_points(spec) if spec.alertmanager is not None else []
    if points and spec.autoheal:
        points.insert(0, {"orgId": 1, "name": "autoheal", "receivers": [
            {"uid": uid("contact", "autoheal"), "type": "webhook",
             "settings": {"url": f"http://{spec.autoheal.target}{alertmanager.WEBHOOK_PATH}"}}]})
    points = [p for p in points if p["receivers"]]  # a receiver without configs has nothing to send to
    if points:
        out[NOTIFICATIONS_FILE] = {"apiVersion": 1, "contactPoints": points,
                                   "policies": [{"orgId": 1, **policy(spec, {p["name"] for p in points})}]}
        if spec.maintenance:  # the maintenance windows as mute timings the policy names
            out[NOTIFICATIONS_FILE]["muteTimes"] = [{"orgId": 1, **maintenance.time_interval(w)}
                                                    for w in spec.maintenance]
    return out
