"""Talk to an in-process autoheal service over real HTTP on 127.0.0.1 (tests' helpers)."""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from aethervision.autoheal import actions, server
from aethervision.autoheal.service import Autoheal

TOKEN = "hook-s3cret"


def touch_command(marker: Path, extra: str = "") -> list[str]:
    """A harmless command: append a line to marker (Python, so no shell is involved)."""
    return [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('ran\\n'){extra}"]


def mapping(tmp_path: Path, **entries) -> dict:
    doc = {"version": actions.VERSION, "defaults": {"timeout": "5s", "cooldown": "10m"}, "actions": entries}
    path = tmp_path / "actions.yaml"
    path.write_text(yaml.safe_dump(doc))
    return actions.load(path)


def payload(*alerts: tuple[str, str, dict]) -> dict:
    """Alertmanager's v4 webhook body for (alertname, status, extra labels) triples."""
    items = [{"status": status, "labels": {"alertname": name, **labels}, "annotations": {},
              "startsAt": "2026-11-27T00:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
              "generatorURL": "http://prometheus/graph", "fingerprint": f"f{i}"}
             for i, (name, status, labels) in enumerate(alerts)]
    return {"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": "firing",
            "receiver": "autoheal", "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager", "alerts": items}


class Running:
    def __init__(self, service: Autoheal, token: str | None = None):
        self.service = service
        self.server = server.server(service, "127.0.0.1", 0, token)
        self.url = self.server.url

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, bytes]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def post(self, body, headers=None) -> tuple[int, dict]:
        status, raw = self.request("POST", "/alertmanager", body, headers)
        return status, json.loads(raw)

    def status(self) -> dict:
        return json.loads(self.request("GET", "/")[1])

    def metrics(self) -> str:
        return self.request("GET", "/metrics")[1].decode()

    def settle(self, timeout: float = 10) -> dict:
        """Wait until queued commands finished; returns the status."""
        deadline = time.monotonic() + timeout
        while (status := self.status())["pending"] and time.monotonic() < deadline:
            time.sleep(0.05)
        return status
