"""`aethervision verify`: the daily health check of a running AetherVision.

Each check is one line, passed or failed: rules loaded in Prometheus match
what the spec generates, the runway is recorded, alerts, autoheal state and
scrape health.
"""

from __future__ import annotations

from dataclasses import dataclass

from aethervision.clients.prometheus import Client
from aethervision.core import durations
from aethervision.core.model import Spec
from aethervision.promql import queries as q
from aethervision.promql.parse import canonical
from aethervision.rules import files as rules


@dataclass(frozen=True)
class Check:
    ok: bool
    name: str
    detail: str


def run(client: Client, spec: Spec) -> list[Check]:
    """All checks, in the order an operator reads them. NetworkError if Prometheus is down."""
    loaded = client.rule_groups()
    checks = [
        Check(True, "Prometheus", f"{client.safe_url} answers"),
        compare_rules("Recording rules", rules.recording_rules(spec), loaded, "recording",
                      rules.RECORDING_FILE),
        compare_rules("Alert rules", rules.alert_rules(spec), loaded, "alerting", rules.ALERTS_FILE),
        _days_to_breach(client),
        _slo_runways(client, spec),
        _firing(client),
    ]
    targets = client.targets()
    if spec.autoheal:
        checks += [_autoheal_state(client), _target_health("Autoheal target", targets, [spec.autoheal.job])]
    if spec.prometheus and spec.prometheus.scrape:
        checks.append(_target_health("SLI targets", targets, [j.job for j in spec.prometheus.scrape]))
    return checks


def _expected(doc: dict) -> dict[tuple[str, str], dict]:
    return {(group, name): {"expr": canonical(rule["expr"]), "for": durations.parse(rule.get("for", "0s")),
                            "labels": rule.get("labels", {})}
            for group, name, rule in rules.walk_rules(doc)}


def _loaded(groups: list[dict], kind: str, names: set[str]) -> dict[tuple[str, str], dict]:
    out = {}
    for group in groups:
        if group["name"] not in names:
            continue
        for rule in group["rules"]:
            if rule["type"] == kind:
                out[(group["name"], rule["name"])] = {
                    "expr": canonical(rule["query"]),
                    "for": int(rule.get("duration", 0)),
                    "labels": rule.get("labels") or {},
                }
    return out


def compare_rules(title: str, generated: dict, loaded_groups: list[dict], kind: str, file: str) -> Check:
    """Generated rules against the ones Prometheus has loaded (ours only, by group name)."""
    want = _expected(generated)
    have = _loaded(loaded_groups, kind, {g["name"] for g in generated["groups"]})
    missing = sorted(set(want) - set(have))
    extra = sorted(set(have) - set(want))
    differs = sorted(k for k in set(want) & set(have) if want[k] != have[k])
    if not (missing or extra or differs):
        return Check(True, title, f"{len(want)} loaded, same as generated ({file})")
    problems = []
    for label, keys in (("missing", missing), ("not generated", extra), ("different", differs)):
        if keys:
            names = ", ".join(name for _, name in keys[:4]) + (" ..." if len(keys) > 4 else "")
            problems.append(f"{len(keys)} {label} ({names})")
    return Check(False, title, f"{'; '.join(problems)}: reload Prometheus with the generated "
                               f"{file} (`make dashboards`, then POST /-/reload)")


def _days_to_breach(client: Client) -> Check:
    days = client.value(q.DAYS_TO_BREACH)
    if days is None:
        return Check(False, "Days to breach", "no value: no SLI data, or the rules have not run since "
                     "Prometheus started (`make show-breach` says which)")
    return Check(True, "Days to breach", f"{days:.1f}")


def _slo_runways(client: Client, spec: Spec) -> Check:
    """Every SLO (every group of a grouped one) has a recorded runway."""
    missing, groups = [], 0
    for slo in spec.slos:
        found = client.query(q.hours_to_breach(slo))
        groups += len(found)
        if not found:
            missing.append(slo.name)
    if missing:
        return Check(False, "SLO runways", f"none recorded for {', '.join(missing)} "
                                           "(`make show-breach` says why)")
    return Check(True, "SLO runways", f"{groups} recorded for {len(spec.slos)} SLO(s)")


def _firing(client: Client) -> Check:
    firing = [a["labels"].get("alertname", "?") for a in client.alerts() if a["state"] == "firing"]
    names = ", ".join(sorted(set(firing)))
    return Check(True, "Alerts firing", f"{len(firing)}" + (f" ({names})" if names else ""))


def _autoheal_state(client: Client) -> Check:
    enabled = client.value(q.AUTOHEAL_ENABLED)
    if enabled is None:
        return Check(False, "Autoheal", f"{q.AUTOHEAL_ENABLED} has no value: recording rules not loaded?")
    return Check(True, "Autoheal", "enabled" if enabled >= 1 else "disabled")


def _target_health(title: str, targets: list[dict], jobs: list[str]) -> Check:
    found = [t for t in targets if t["labels"].get("job") in jobs]
    missing = [j for j in jobs if not any(t["labels"].get("job") == j for t in found)]
    if missing:
        return Check(False, title, f"no scrape job {', '.join(missing)} in Prometheus's configuration")
    down = [t for t in found if t["health"] != "up"]
    if down:
        return Check(False, title, "; ".join(
            f"{t['labels'].get('instance', '?')} {t['health']}: {t.get('lastError') or 'not scraped yet'}"
            for t in down))
    return Check(True, title, ", ".join(f"{t['labels'].get('instance', '?')} up" for t in found))


def render(checks: list[Check]) -> str:
    return "\n".join(f"{'✅' if c.ok else '❌'} {c.name}: {c.detail}" for c in checks) + "\n"
