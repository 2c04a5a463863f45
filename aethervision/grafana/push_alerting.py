"""Push Grafana-managed alerting (alerting.engine: grafana | both; alerting.recording_rules:
grafana) through the alerting provisioning API.

Grafana's documented endpoints (Grafana 9 and later, the same on 11, 12 and 13):
- rule groups: GET / PUT /api/v1/provisioning/folder/<folderUid>/rule-groups/<group>;
- contact points: GET /api/v1/provisioning/contact-points, POST (create),
  PUT /api/v1/provisioning/contact-points/<uid> (update);
- mute timings (the spec's maintenance windows): GET /api/v1/provisioning/mute-timings/<name>
  (404 when missing), POST /api/v1/provisioning/mute-timings, PUT .../mute-timings/<name>;
  pushed before the policy tree, which Grafana refuses while it names a missing one;
- the notification policy tree: GET / PUT /api/v1/provisioning/policies.
Each is read first and written only when it differs after normalising what the
server owns or hides (ids, provenance, durations spelled 5m or 5m0s, secure
settings answered as [REDACTED]): a repeat push writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from aethervision.builder import grafana_alerting
from aethervision.core import durations
from aethervision.core.errors import UserError
from aethervision.core.model import Spec
from aethervision.grafana.client import Session

BASE = "/v1/provisioning"
RULE_KEYS = ("uid", "title", "condition", "data", "for", "labels", "annotations", "noDataState", "execErrState",
             "record")
REDACTED = "[REDACTED]"


@dataclass
class AlertingStep:
    what: str  # "rule group slo_x.alerts", "contact point page/slack", "notification policy"
    action: str  # create | update | unchanged
    result: str = ""


def _seconds(value) -> int:
    return value if isinstance(value, int) else durations.parse(str(value or "0s"))  # 5m and 5m0s alike


def _rule(rule: dict) -> dict:
    out = {k: rule.get(k) for k in RULE_KEYS}
    out["for"] = _seconds(out["for"])
    out["labels"], out["annotations"] = out["labels"] or {}, out["annotations"] or {}
    return out


def _group(group: dict) -> dict:
    return {"title": group.get("title"), "interval": _seconds(group.get("interval")),
            "rules": sorted((_rule(r) for r in group.get("rules") or []), key=lambda r: str(r["uid"]))}


def _settings_equal(ours: dict, theirs: dict) -> bool:
    return all(theirs.get(k) == REDACTED or theirs.get(k) == v for k, v in ours.items())


def _get(session: Session, what: str, path: str):
    return session.read(what, lambda: session.api.client.GET(path))[1]


def _send(session: Session, what: str, method: str, path: str, body) -> None:
    session.conn.call(what, lambda: getattr(session.api.client, method)(path, json=body))


def push(session: Session, spec: Spec, dry_run: bool = False) -> list[AlertingStep]:
    """Rule groups, contact points and the policy tree; `dry_run` reads and plans, writes nothing."""
    files = grafana_alerting.files(spec)
    steps: list[AlertingStep] = []
    folder = spec.grafana.folder_uid
    groups = [g for name in (grafana_alerting.RECORDING_FILE, grafana_alerting.RULES_FILE)
              for g in files.get(name, {}).get("groups", [])]  # recording first: the alerts read them
    for group in groups:
        body = grafana_alerting.as_api_group(spec, group)
        path = f"{BASE}/folder/{folder}/rule-groups/{group['name']}"
        remote = _get(session, f"read rule group {group['name']}", path)
        action = "create" if remote is None else ("unchanged" if _group(remote) == _group(body) else "update")
        steps.append(_apply(session, AlertingStep(f"rule group {group['name']}", action), "PUT", path, body, dry_run))
    notifications = files.get(grafana_alerting.NOTIFICATIONS_FILE)
    if notifications:
        answer = session.conn.call("read contact points", lambda: session.api.client.GET(f"{BASE}/contact-points"))
        if not isinstance(answer, list):
            raise UserError(f"{session.conn.safe_url}: GET /api{BASE}/contact-points did not answer a list")
        existing = {p.get("uid"): p for p in answer if isinstance(p, dict)}
        for point in notifications["contactPoints"]:
            for receiver in point["receivers"]:
                body = {"uid": receiver["uid"], "name": point["name"], "type": receiver["type"],
                        "settings": receiver["settings"], "disableResolveMessage": False}
                theirs = existing.get(receiver["uid"])
                if theirs is None:
                    step, method, path = "create", "POST", f"{BASE}/contact-points"
                else:
                    same = theirs.get("name") == point["name"] and theirs.get("type") == receiver["type"] and \
                        _settings_equal(receiver["settings"], theirs.get("settings") or {})
                    step, method, path = ("unchanged" if same else "update"), "PUT", \
                        f"{BASE}/contact-points/{receiver['uid']}"
                steps.append(_apply(session, AlertingStep(f"contact point {point['name']}/{receiver['type']}", step),
                                    method, path, body, dry_run))
        for timing in notifications.get("muteTimes", []):
            steps.append(_mute_timing(session, timing, dry_run))
        tree = {k: v for k, v in notifications["policies"][0].items() if k != "orgId"}
        remote = _get(session, "read the notification policy", f"{BASE}/policies")
        same = remote is not None and {k: v for k, v in remote.items() if k != "provenance"} == tree
        steps.append(_apply(session, AlertingStep("notification policy", "unchanged" if same else "update"),
                            "PUT", f"{BASE}/policies", tree, dry_run))
    return steps


def _mute_timing(session: Session, timing: dict, dry_run: bool) -> AlertingStep:
    """One maintenance window as a mute timing: created, updated, or left alone when the server's
    (without the version and provenance it adds) is the same."""
    body = {"name": timing["name"], "time_intervals": timing["time_intervals"]}
    path = f"{BASE}/mute-timings/{timing['name']}"
    remote = _get(session, f"read mute timing {timing['name']}", path)
    if remote is None:
        return _apply(session, AlertingStep(f"mute timing {timing['name']}", "create"), "POST",
                      f"{BASE}/mute-timings", body, dry_run)
    same = {k: remote.get(k) for k in body} == body
    return _apply(session, AlertingStep(f"mute timing {timing['name']}", "unchanged" if same else "update"), "PUT",
                  path, body, dry_run)


def _apply(session: Session, step: AlertingStep, method: str, path: str, body, dry_run: bool) -> AlertingStep:
    if step.action == "unchanged":
        step.result = "skipped"
    elif dry_run:
        step.result = "not written (dry run)"
    else:
        _send(session, f"write {step.what}", method, path, body)
        step.result = "written"
    return step
