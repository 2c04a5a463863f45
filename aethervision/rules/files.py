"""Assemble rule groups into Prometheus files, and the prometheus.yml."""

from __future__ import annotations

from aethervision.core.model import Spec
from aethervision.promql import queries as q
from aethervision.promql import sli
from aethervision.promql.parse import metric_names, ranged_names
from aethervision.rules import ops, policy, slo

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


def dependency_levels(rules_by_name: dict[str, dict]) -> dict[str, int]:
    """Recorded name -> its level: 0 reads no recorded series of `rules_by_name`, each other
    level only lower ones (a backfill pass cannot read what it is itself creating)."""
    reads = {name: metric_names(rule["expr"]) & set(rules_by_name) for name, rule in rules_by_name.items()}
    levels: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in levels:
            levels[name] = 1 + max((level(dep) for dep in reads[name]), default=-1)
        return levels[name]

    for name in rules_by_name:
        level(name)
    return levels


def backfill_passes(spec: Spec) -> list[list[dict]]:
    """The SLO recording rules whose history live rules read over ranges, by dependency level.

    A fresh Prometheus records only from its start, but the long windows and the
    coverage read recorded series (tiles, timestamps) over the whole window, and the
    fast group reads the slow group's newest values. Backfilling these (with
    live/rule_backfill.py, one pass per level) makes the budget
    real at once; the slow group's own outputs only need the last interval (see
    `backfill_start`).
    """
    rules_by_name = {r["record"]: r for s in spec.slos for g in slo.recording_groups(spec, s) for r in g["rules"]}
    reads = {name: metric_names(rule["expr"]) & set(rules_by_name) for name, rule in rules_by_name.items()}
    wanted: set[str] = set()
    for rule in rules_by_name.values():
        wanted |= ranged_names(rule["expr"]) & set(rules_by_name)
    todo = list(wanted)
    while todo:  # everything the wanted series are computed from must be there first
        for dep in reads[todo.pop()] - wanted:
            wanted.add(dep)
            todo.append(dep)
    levels = dependency_levels(rules_by_name)
    passes: list[list[dict]] = []
    for name in sorted(wanted, key=list(rules_by_name).index):
        passes += [[] for _ in range(levels[name] + 1 - len(passes))]
        passes[levels[name]].append(rules_by_name[name])
    # Within a level, the history-long rules and the slow group's outputs go in separate passes.
    split = [[r for r in rules if _slow_output(r) is slow] for rules in passes for slow in (False, True)]
    return [rules for rules in split if rules]


def _slow_output(rule: dict) -> bool:
    return rule["record"].endswith(":slow")


def backfill_start(spec: Spec, rules: list[dict], start: int, end: int) -> int:
    """Where a backfill pass begins: the history's start, or for slow-group outputs (the fast
    group reads only their newest value) the last three slow intervals, since a whole
    history of them would cost a window-long read at every step."""
    return end - 3 * spec.rules.long_interval_seconds if all(map(_slow_output, rules)) else start
