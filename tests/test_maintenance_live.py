"""Maintenance windows on the real Alertmanager: the generated alertmanager.yml is loaded,
alerts for three SLOs are posted, and a real HTTP receiver records what is delivered. The
SLO in a one-off window active now and the one in a weekly window active now get no
notification; the SLO outside any window is notified as before."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.builder import outputs
from aethervision.clients import servers
from aethervision.runtime import httpd

from support.repo import SPEC

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(servers.locate("alertmanager") is None, reason="make servers builds it")]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Receiver(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).got.extend(a["labels"]["slo"] for a in body["alerts"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _weekly_zone() -> tuple[str, str, str]:
    """A zone where it is not near midnight now, and a window around its local time."""
    for name in ("UTC", "Asia/Tokyo", "America/New_York", "Australia/Sydney"):
        local = dt.datetime.now(zoneinfo.ZoneInfo(name))
        if 1 <= local.hour <= 21:
            return name, f"{local.hour - 1:02d}:00", f"{local.hour + 2:02d}:00"
    raise AssertionError("every zone is near midnight")


def test_alerts_in_a_window_are_not_notified_and_others_are(tmp_path):
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.got = []
    httpd.serve_in_background(hook)
    data = yaml.safe_load(SPEC.read_text())
    base = data["slos"][0]
    data["slos"] = [{**base, "name": n, "alert_name": n.title()} for n in ("once", "weekly", "open")]
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    zone, start, end = _weekly_zone()
    data["maintenance"] = [
        {"name": "upgrade", "slos": ["once"], "start": (now - dt.timedelta(hours=1)).isoformat(),
         "end": (now + dt.timedelta(hours=1)).isoformat()},
        {"name": "nightly", "slos": ["weekly"], "weekdays": ["monday", "tuesday", "wednesday", "thursday",
                                                              "friday", "saturday", "sunday"],
         "from": start, "to": end, "timezone": zone}]
    port = _port()
    hook_url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
    data["alertmanager"] = {"target": f"127.0.0.1:{port}", "group_wait": "1s", "group_interval": "1s",
                            "receivers": {"page": {"webhook_configs": [{"url": hook_url}]}}}
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = spec_mod.load(path)
    config = outputs.files(spec, outputs.dashboards(spec), outputs.rule_documents(spec))[outputs.ALERTMANAGER_FILE]
    (tmp_path / "alertmanager.yml").write_text(config)
    am = subprocess.Popen([servers.locate("alertmanager"), f"--config.file={tmp_path / 'alertmanager.yml'}",
                           f"--storage.path={tmp_path / 'am'}", f"--web.listen-address=127.0.0.1:{port}",
                           "--cluster.listen-address="], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.1)
        alerts = [{"labels": {"alertname": f"{n.title()}ErrorBudgetFastBurn", "slo": n, "severity": "critical",
                              "component": "slo", "service": "crm"}} for n in ("once", "weekly", "open")]
        post = urllib.request.Request(f"{url}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
                                      headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(post, timeout=5) as answer:
            assert answer.status == 200
        deadline = time.monotonic() + 20
        while "open" not in _Receiver.got and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # group_wait 1s: the muted ones would have come by now
        with urllib.request.urlopen(f"{url}/api/v2/alerts", timeout=5) as answer:
            held = json.loads(answer.read())
        assert sorted(a["labels"]["slo"] for a in held) == ["once", "open", "weekly"]  # all held, two muted
        assert _Receiver.got and set(_Receiver.got) == {"open"}, _Receiver.got
        intervals = {i["name"] for i in yaml.safe_load(config)["time_intervals"]}
        assert intervals == {"upgrade", "nightly"}
    finally:
        am.terminate()
        am.wait(10)
        hook.shutdown()
