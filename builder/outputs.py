"""Everything `aethervision build` writes, generated in memory first."""

from __future__ import annotations

from pathlib import Path

from aethervision.dashboards import aethervision as dashboard
from aethervision.model import Spec
from aethervision.rules import files as rules

from . import provisioning, render

DASHBOARD_DIR = f"dashboards/{provisioning.DASHBOARD_SUBDIR}"
PROMETHEUS_DIR = "prometheus"
# Folders whose every file is generated: stale files there are removed.
MANAGED_DIRS = (DASHBOARD_DIR, PROMETHEUS_DIR)


def dashboard_path(spec: Spec) -> str:
    return f"{DASHBOARD_DIR}/{spec.grafana.dashboard_uid}.json"


def dashboards(spec: Spec) -> dict[str, dict]:
    """Relative path -> normalised dashboard dict."""
    return {dashboard_path(spec): render.dashboard_dict(dashboard.build(spec))}


def generate(spec: Spec, built: dict[str, dict] | None = None) -> dict[str, str]:
    """Relative path (under provisioning/) -> exact file content.

    `built` is dashboards(spec) when the caller already has it.
    """
    source = Path(spec.source).name
    built = dashboards(spec) if built is None else built
    files = {path: render.to_json(data) for path, data in built.items()}
    files["dashboards/aethervision.yaml"] = render.to_yaml(provisioning.dashboard_provider(spec), source)
    files["datasources/prometheus.yaml"] = render.to_yaml(provisioning.datasource(spec), source)
    files[f"{PROMETHEUS_DIR}/{rules.RECORDING_FILE}"] = render.to_yaml(rules.recording_rules(spec), source)
    files[f"{PROMETHEUS_DIR}/{rules.ALERTS_FILE}"] = render.to_yaml(rules.alert_rules(spec), source)
    files[f"{PROMETHEUS_DIR}/prometheus.yml"] = render.to_yaml(rules.prometheus_config(spec), source)
    return dict(sorted(files.items()))
