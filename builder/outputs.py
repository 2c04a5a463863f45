"""Everything `aethervision build` writes, generated in memory first."""

from __future__ import annotations

from pathlib import Path

from aethervision.builder import dashboard_v2, grafana_alerting, provisioning, render
from aethervision.configs import alertmanager, blackbox, targets
from aethervision.configs import prometheus as prom_config
from aethervision.core.model import Spec
from aethervision.dashboards import aethervision as dashboard
from aethervision.dashboards import slo_detail
from aethervision.rules import files as rules

DASHBOARD_DIR = f"dashboards/{provisioning.DASHBOARD_SUBDIR}"
PROMETHEUS_DIR = "prometheus"
ALERTMANAGER_FILE = "alertmanager/alertmanager.yml"
BLACKBOX_FILE = "blackbox/blackbox.yml"
# Folders whose every file is generated: stale files there are removed.
MANAGED_DIRS = (DASHBOARD_DIR, PROMETHEUS_DIR, "alertmanager", "blackbox", targets.KUBERNETES_DIR, targets.RULER_DIR,
                "alerting")


def dashboard_path(spec: Spec, uid: str | None = None) -> str:
    return f"{DASHBOARD_DIR}/{uid or spec.grafana.dashboard_uid}.json"


def dashboards(spec: Spec) -> dict[str, dict]:
    """Relative path -> normalised dashboard dict: AetherVision, then the SLO detail."""
    return {dashboard_path(spec): render.dashboard_dict(dashboard.build(spec)),
            dashboard_path(spec, spec.grafana.detail_uid): render.dashboard_dict(slo_detail.build(spec))}


def rule_documents(spec: Spec) -> dict[str, dict]:
    """Rule file name -> rule document, in load order."""
    return {rules.RECORDING_FILE: rules.recording_rules(spec), rules.ALERTS_FILE: rules.alert_rules(spec)}


def rule_files(spec: Spec, docs: dict[str, dict] | None = None) -> dict[str, str]:
    """Rule file name -> file content (what Prometheus loads), in load order."""
    source = Path(spec.source).name
    return {name: render.to_yaml(doc, source) for name, doc in (docs or rule_documents(spec)).items()}


def dashboard_file(spec: Spec, data: dict) -> dict:
    """A dashboard as its file holds it in the spec's grafana.format (dashboard_v2.py)."""
    fmt, folder = spec.grafana.format, spec.grafana.folder_uid
    if fmt == "resource":
        return dashboard_v2.envelope(dashboard_v2.V1, data["uid"], data, folder)
    if fmt == "v2":
        return dashboard_v2.envelope(dashboard_v2.V2, data["uid"], dashboard_v2.to_v2(data), folder)
    return data


FOLDER_FILE = f"{DASHBOARD_DIR}/_folder.json"  # Git Sync's folder metadata file


def files(spec: Spec, built: dict[str, dict], docs: dict[str, dict]) -> dict[str, str]:
    """Relative path (under provisioning/) -> exact file content."""
    source = Path(spec.source).name
    out = {path: render.to_json(dashboard_file(spec, data)) for path, data in built.items()}
    if spec.grafana.format != "classic":
        out[FOLDER_FILE] = render.to_json(dashboard_v2.folder(spec.grafana.folder_uid, spec.grafana.folder_title))
    out["dashboards/aethervision.yaml"] = render.to_yaml(provisioning.dashboard_provider(spec), source)
    out["datasources/prometheus.yaml"] = render.to_yaml(provisioning.datasource(spec), source)
    if spec.outputs.rule_files:
        loaded = rules.prometheus_files(spec)
        out.update({f"{PROMETHEUS_DIR}/{name}": text
                    for name, text in rule_files(spec, docs).items() if name in loaded})
    out.update({rel: render.to_yaml(doc, source) for rel, doc in grafana_alerting.files(spec).items()})
    out.update({rel: render.to_yaml(doc, source) for rel, doc in targets.documents(spec).items()})
    if spec.prometheus and spec.outputs.rule_files:  # optional section: no scrape config without it
        out[f"{PROMETHEUS_DIR}/prometheus.yml"] = render.to_yaml(prom_config.config(spec), source)
    if spec.alertmanager:
        out[ALERTMANAGER_FILE] = render.to_yaml(alertmanager.config(spec), source)
        if spec.slack is not None:
            out[f"alertmanager/{alertmanager.SLACK_TEMPLATE_FILE}"] = alertmanager.SLACK_TEMPLATE
    if spec.probes and spec.probes.exporter:
        out[BLACKBOX_FILE] = render.to_yaml(blackbox.modules(), source)
    return dict(sorted(out.items()))
