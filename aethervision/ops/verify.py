"""`aethervision verify`: the daily health check of a running AetherVision.

Each check is one line: ✅ passed, ⚠️ passed with a warning, ❌ failed (exit 1):
rules loaded in Prometheus match what the spec generates; the worst runway
is recorded and above the critical threshold (⚠️ under the warning one); no
critical alert fires (⚠️ warnings, counted); every SLO has its runway;
autoheal state and targets; Alertmanager discovered by Prometheus and
running the generated routes; enough healthy probes.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from aethervision.clients import alertmanager as am_client
from aethervision.clients.prometheus import Client
from aethervision.configs import alertmanager
from aethervision.core import durations
from aethervision.core.errors import NetworkError, UserError
from aethervision.core.model import Spec
from aethervision.ops import breach
from aethervision.promql import queries as q
from aethervision.promql.parse import canonical
from aethervision.rules import files as rules


@dataclass(frozen=True)
class Check:
    ok: bool
    name: str
    detail: str
    warn: bool = False  # passed, but worth a look (⚠️)


def run(client: Client, spec: Spec, rules_client: Client | None = None) -> list[Check]:
    """All checks, in the order an operator reads them. NetworkError if Prometheus is down.

    `rules_client` answers for rules and alerts where the data lives elsewhere (vmalert in
    front of VictoriaMetrics); by default the same server.
    """
    ruler = rules_client or client
    loaded = ruler.rule_groups()
    checks = [
        Check(True, "Prometheus", f"{client.safe_url} answers"),
        compare_rules("Recording rules", rules.recording_rules(spec), loaded, "recording",
                      rules.RECORDING_FILE),
        compare_rules("Alert rules", rules.alert_rules(spec), loaded, "alerting", rules.ALERTS_FILE),
        _days_to_breach(client, spec),
        _slo_runways(client, spec),
        _firing(ruler),
    ]
    # With a separate ruler the data arrives by remote write: the scrape targets are the
    # clusters' own Prometheus servers', not this one's.
    targets = client.targets() if rules_client is None else None
    if spec.autoheal and targets is not None:
        checks += [_autoheal_state(client), _target_health("Autoheal target", targets, [spec.autoheal.job])]
    if spec.prometheus and spec.prometheus.scrape and targets is not None:
        checks.append(_target_health("SLI targets", targets, [j.job for j in spec.prometheus.scrape]))
    if spec.alertmanager:
        checks.append(_alertmanager(client, spec))
    if rules_client is not None:
        checks.insert(1, Check(True, "Ruler", f"{rules_client.safe_url} answers for rules and alerts"))
    if spec.probes:
        checks.append(_probes(client, spec))
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
        for rule in group.get("rules") or []:  # vmalert lists an empty group's rules as null
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
                               f"{file} (`aethervision build` with this spec, then POST /-/reload)")


def _days_to_breach(client: Client, spec: Spec) -> Check:
    days = client.value(q.DAYS_TO_BREACH)
    if days is None:
        return Check(False, "Days to breach", "no value: no SLI data, or the rules have not run since "
                     "Prometheus started (`make show-breach` says which)")
    rw = spec.runway
    if days * 24 < rw.critical.below_hours:
        return Check(False, "Days to breach", f"{days:.2f}: under the critical threshold ({rw.critical.below}); "
                                              "`make show-breach` shows which SLO")
    if days * 24 < rw.warning.below_hours:
        return Check(True, "Days to breach", f"{days:.2f}: under the warning threshold ({rw.warning.below})",
                     warn=True)
    return Check(True, "Days to breach", f"{days:.1f}")


def _slo_runways(client: Client, spec: Spec) -> Check:
    """Every SLO (every group of a grouped one) has a recorded runway."""
    missing, pending, groups = [], [], 0
    for slo in spec.slos:
        found = client.query(q.hours_to_breach(slo))
        groups += len(found)
        if found:
            continue
        # Data flowing (a 10m request rate) but no tile yet: a new SLI, not a broken one.
        (pending if client.query(q.requests_rate(slo, q.BUDGET_RATE_WINDOW)) else missing).append(slo.name)
    if missing:
        return Check(False, "SLO runways", f"none recorded for {', '.join(missing)} "
                                           "(`make show-breach` says why)")
    if pending:
        return Check(True, "SLO runways", f"{groups} recorded; pending for {', '.join(pending)}: "
                                          f"new data, {breach.first_runway(spec)}")
    return Check(True, "SLO runways", f"{groups} recorded for {len(spec.slos)} SLO(s)")


def _firing(client: Client) -> Check:
    firing = [a["labels"] for a in client.alerts() if a["state"] == "firing"]

    def named(severity: str) -> list[str]:
        return sorted({a.get("alertname", "?") for a in firing if a.get("severity") == severity})

    critical, warning = named("critical"), named("warning")
    if critical:
        return Check(False, "Alerts firing", f"{len(firing)}, critical: {', '.join(critical)}")
    if warning:
        return Check(True, "Alerts firing", f"{len(firing)}, {len(warning)} warning: {', '.join(warning)}",
                     warn=True)
    others = sorted({a.get("alertname", "?") for a in firing})
    return Check(True, "Alerts firing", f"{len(firing)}" + (f" ({', '.join(others)})" if others else ""))


def _autoheal_state(client: Client) -> Check:
    enabled = client.value(q.AUTOHEAL_ENABLED)
    if enabled is None:
        return Check(False, "Autoheal", f"{q.AUTOHEAL_ENABLED} has no value: recording rules not loaded?")
    return Check(True, "Autoheal", "enabled" if enabled >= 1 else "disabled")


def _alertmanager(client: Client, spec: Spec) -> Check:
    """Prometheus sends to an Alertmanager, and that one runs the routes we generate."""
    try:
        found = client.alertmanagers()
    except UserError:  # VictoriaMetrics does not list them: vmalert sends where the spec says
        found = [f"http://{spec.alertmanager.target}"]
    if not found:
        return Check(False, "Alertmanager", "Prometheus has discovered none: is the generated prometheus.yml "
                                            "(its `alerting` section) loaded?")
    want = alertmanager.config(spec)
    try:
        loaded = yaml.safe_load(am_client.Client(found[0]).status()["config"]["original"])
    except NetworkError as exc:
        return Check(False, "Alertmanager", f"discovered at {found[0]} but {exc}")

    def shape(config: dict) -> tuple:
        route = config.get("route", {})
        return (sorted(r["name"] for r in config.get("receivers", [])), route.get("group_by"),
                [(r.get("receiver"), r.get("matchers")) for r in route.get("routes", [])],
                len(config.get("inhibit_rules", [])))

    if shape(loaded) != shape(want):
        return Check(False, "Alertmanager", f"{found[0]} runs other routes than generated: load "
                                            "provisioning/alertmanager/alertmanager.yml and reload it")
    return Check(True, "Alertmanager", f"{found[0]} answers with the generated routes "
                                       f"({len(want['receivers'])} receivers)")


def _probes(client: Client, spec: Spec) -> Check:
    healthy = client.value(q.probes_up())
    minimum = spec.probes.min_healthy
    if healthy is None:
        return Check(False, "Probes", "no value: the recording rules have not run yet")
    if healthy < minimum:
        return Check(False, "Probes", f"{healthy:.0f} healthy, fewer than the minimum {minimum}: "
                                      "which are down: Prometheus /targets, jobs blackbox_*")
    return Check(True, "Probes", f"{healthy:.0f} healthy (minimum {minimum})")


def _target_health(title: str, targets: list[dict], jobs: list[str]) -> Check:
    if not targets:
        return Check(False, title, "Prometheus has no targets at all yet: it may still be loading its "
                                   "configuration (just started?)")
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
    return "\n".join(f"{('⚠️' if c.warn else '✅') if c.ok else '❌'} {c.name}: {c.detail}" for c in checks) + "\n"
