"""Assemble rule groups into Prometheus files, and the prometheus.yml."""

from __future__ import annotations

from aethervision.core.model import Spec
from aethervision.promql import queries as q
from aethervision.promql import sli
from aethervision.promql.parse import metric_names
from aethervision.rules import graph, ops, policy, slo

RECORDING_FILE = "prometheus-recording-rules.yml"
ALERTS_FILE = "prometheus-alerts.yml"


def walk_rules(doc: dict):
    """(group name, rule name, rule) for every rule of a rule document: the one rule walker."""
    for group in (doc or {}).get("groups", []):
        for rule in group.get("rules", []):
            yield group["name"], rule.get("record") or rule.get("alert"), rule


def _timed(spec: Spec, group: dict) -> dict:
    """Every group states its interval: the fast one unless it has its own (the slow group)."""
    return {"name": group["name"], "interval": group.get("interval", spec.rules.interval),
            **{k: v for k, v in group.items() if k not in ("name", "interval")}}


def prometheus_files(spec: Spec) -> list[str]:
    """The rule files Prometheus loads: none of what Grafana evaluates instead (alerting section)."""
    return [name for name, grafana in ((RECORDING_FILE, spec.recording_engine == "grafana"),
                                       (ALERTS_FILE, spec.alerting_engine == "grafana")) if not grafana]


def recording_rules(spec: Spec) -> dict:
    groups = [g for s in spec.slos for g in slo.recording_groups(spec, s)] + [ops.recording_group(spec)]
    return {"groups": [_timed(spec, g) for g in groups]}


def alert_rules(spec: Spec) -> dict:
    groups = [policy.alert_group(spec, s) for s in spec.slos] + [ops.alert_group(spec)]
    return {"groups": [_timed(spec, g) for g in groups]}


def slo_groups(spec: Spec, names: tuple[str, ...]) -> tuple[list[dict], list[dict]]:
    """The named SLOs' recording groups and alert groups, each with its interval (the backtest's rules)."""
    chosen = [s for s in spec.slos if s.name in names]
    recording = [_timed(spec, g) for s in chosen for g in slo.recording_groups(spec, s)]
    return recording, [_timed(spec, policy.alert_group(spec, s)) for s in chosen]


def input_metrics(spec: Spec) -> dict[str, str]:
    """Metrics AetherVision reads but does not produce, with what they are."""
    inputs = {"ALERTS": "Prometheus's own series of pending and firing alerts"}
    for s in spec.slos:
        for name in sorted(sli.input_names(s.sli)):
            inputs.setdefault(name, f"SLI input ({s.sli.kind}) of SLO {s.name} (service {s.service})")
    if spec.probes:
        for name in metric_names(spec.probes.http) | metric_names(spec.probes.tcp):
            inputs[name] = "probe result, 1 healthy / 0 failing (blackbox exporter)"
    if spec.autoheal:
        inputs[q.AUTOHEAL_ENABLED_INPUT] = "autoheal exporter: 1 enabled, 0 disabled"
        inputs[q.AUTOHEAL_ACTIONS_INPUT] = "autoheal exporter: actions by alert and result"
        inputs[q.AUTOHEAL_LAST_ACTION_INPUT] = "autoheal exporter: epoch of the last action, 0 if none"
    return inputs


def slo_graph(spec: Spec) -> graph.Graph:
    """The graph of every SLO's recording rules (what a fresh Prometheus backfills from)."""
    return graph.Graph(_timed(spec, g) for s in spec.slos for g in slo.recording_groups(spec, s))


def backfill_passes(spec: Spec, start: int, end: int) -> list[list[graph.Batch]]:
    """The SLO recording rules whose history live rules read over ranges, as passes over [start, end].

    A fresh Prometheus records only from its start, but the long windows and the
    coverage read recorded series (tiles, timestamps) over the whole window, and the
    runway reads the budget over its last hour. Backfilling these (backtest/rule_backfill.py,
    one pass per level) makes the budget and the runway real at once; each rule begins as
    far back as its readers look from `end` (rules/graph.py, lookback), one tile apart.
    """
    g = slo_graph(spec)
    return g.passes(g.backfilled(), start, end, min_step=spec.rules.long_interval_seconds)

