"""Grafana provisioning documents: dashboard provider and datasource."""

from __future__ import annotations

from aethervision.configs import prometheus as prom_config
from aethervision.core.model import Spec

# Where Grafana sees this folder when provisioning/ is mounted at its default path.
GRAFANA_PROVISIONING = "/etc/grafana/provisioning"
DASHBOARD_SUBDIR = "aethervision"


def dashboard_provider(spec: Spec) -> dict:
    g = spec.grafana
    return {
        "apiVersion": 1,
        "providers": [{
            "name": "aethervision",
            "orgId": 1,
            "folder": g.folder_title,
            "folderUid": g.folder_uid,
            "type": "file",
            "disableDeletion": False,
            # The JSON is generated: edits belong in aethervision.yaml.
            "allowUiUpdates": False,
            "updateIntervalSeconds": 30,
            "options": {"path": f"{GRAFANA_PROVISIONING}/dashboards/{DASHBOARD_SUBDIR}",
                        "foldersFromFilesStructure": False},
        }],
    }


def datasource(spec: Spec) -> dict:
    g = spec.grafana
    return {
        "apiVersion": 1,
        "datasources": [{
            "name": g.datasource_name,
            "uid": g.datasource_uid,
            "type": "prometheus",
            "access": "proxy",
            "url": g.datasource_url,
            "isDefault": True,
            "editable": False,
            "jsonData": {"timeInterval": prom_config.intervals(spec)[0]},
        }],
    }
