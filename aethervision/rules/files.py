"""Assemble rule groups into Prometheus files, and the prometheus.yml."""

from __future__ import annotations

from .. import queries as q
from ..model import Spec
from ..promql import metric_names
from . import ops, slo

RECORDING_FILE = "prometheus-recording-rules.yml"
ALERTS_FILE = "prometheus-alerts.yml"


def recording_rules(spec: Spec) -> dict:
    groups = [slo.recording_group(spec, s) for s in spec.slos] + [ops.recording_group(spec)]
    return {"groups": groups}


def alert_rules(spec: Spec) -> dict:
    groups = [slo.alert_group(spec, s) for s in spec.slos] + [ops.alert_group(spec)]
    return {"groups": groups}


def prometheus_config(spec: Spec) -> dict:
    """prometheus.yml loading the generated rules, scraping autoheal and SLI sources."""
    p = spec.prometheus
    jobs = [{"job_name": spec.autoheal.job, "static_configs": [{"targets": [spec.autoheal.target]}]}]
    jobs += [{"job_name": j.job, "static_configs": [{"targets": list(j.targets)}]} for j in p.scrape]
    return {
        "global": {"scrape_interval": p.scrape_interval, "evaluation_interval": p.evaluation_interval},
        "rule_files": [RECORDING_FILE, ALERTS_FILE],
        "scrape_configs": jobs,
    }


def input_metrics(spec: Spec) -> dict[str, str]:
    """Metrics AetherVision reads but does not produce, with what they are."""
    inputs = {"ALERTS": "Prometheus's own series of pending and firing alerts"}
    for s in spec.slos:
        for name in metric_names(s.sli.errors) | metric_names(s.sli.total):
            inputs[name] = f"SLI counter of SLO {s.name} (service {s.service})"
    for name in metric_names(spec.probes.http) | metric_names(spec.probes.tcp):
        inputs[name] = "probe result, 1 healthy / 0 failing (blackbox exporter)"
    inputs[q.AUTOHEAL_ENABLED_INPUT] = "autoheal exporter: 1 enabled, 0 disabled"
    inputs[q.AUTOHEAL_ACTIONS_INPUT] = "autoheal exporter: actions by alert and result"
    inputs[q.AUTOHEAL_LAST_ACTION_INPUT] = "autoheal exporter: epoch of the last action, 0 if none"
    return inputs


def recorded_metrics(spec: Spec) -> set[str]:
    """Every series name the generated recording rules produce."""
    return {r["record"] for g in recording_rules(spec)["groups"] for r in g["rules"]}
