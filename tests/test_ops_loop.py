"""The operations loop on real processes, loopback only: Prometheus fires the fast-burn page,
Alertmanager delivers it (with the bearer token from its credentials file) to autoheal, the
mapped command (`aethervision simulate recovery`) runs, the error ratio recovers, the alert
resolves and Alertmanager sends "resolved". Then a stopped service lowers the probe counts.

The test spec has a 1-hour SLO with a 2m/1m page tier at factor 5, 1s scrape and evaluation,
and Alertmanager waits 1s to group: a 50% dip (burn 50) pages within seconds, and a minute after
the rollback the 1m window is clean. Nothing in the path is mocked.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.clients import prometheus
from aethervision.demo import simulator, stack
from aethervision.runtime import httpd, procs

from support.live import demo_config, wait_for
from support.repo import SPEC

pytestmark = [pytest.mark.live, pytest.mark.slow]
PAGE = "PaymentRateErrorBudgetFastBurn"


def metric(url: str, line_start: str) -> float:
    """A sample's value from a /metrics page (0 when absent)."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(line_start):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


class SlackDouble(BaseHTTPRequestHandler):
    """Slack's incoming webhook as its documentation describes it: POST of a JSON payload with
    `text` or `attachments`; answers "ok". Every payload is kept for the test to read."""
    received: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.append((self.headers.get("Content-Type", ""), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loop")
    slack = ThreadingHTTPServer(("127.0.0.1", 0), SlackDouble)
    httpd.serve_in_background(slack)
    (tmp / "slack-url").write_text(f"http://127.0.0.1:{slack.server_address[1]}/services/T0/B0/secret\n")
    data = yaml.safe_load(SPEC.read_text())
    data["notifications"] = {"slack": {"webhook_url_file": str(tmp / "slack-url"), "channel": "#payments"}}
    data["slos"][0]["window"] = "1h"
    data["runway"]["burn_alerts"] = {"page": [{"long": "2m", "short": "1m", "factor": 5}], "ticket": []}
    data["alertmanager"].update(group_wait="1s", group_interval="2s", repeat_interval="1h")
    path = tmp / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = spec_mod.load(path)
    cfg = demo_config(tmp / "demo", history_days=1, backfill_interval="5m", scrape_interval="1s",
                      evaluation_interval="1s", autoheal_env={"AUTOHEAL_ENABLED": "true"})
    urls = stack.up(spec, cfg, progress=lambda _msg: None)
    try:
        yield {"urls": urls, "cfg": cfg, "client": prometheus.Client(urls["prometheus"]), "slack": SlackDouble}
    finally:
        stack.down(cfg.workdir)
        slack.shutdown()


def test_verify_passes_as_soon_as_up_returns(loop, cli, tmp_path):
    """`make demo && make vision-verify`: up returns after the first evaluation, so verify passes at
    once, with Alertmanager and the probes checked."""
    spec_path = loop["cfg"].workdir.parent / "aethervision.yaml"
    result = cli("verify", "--spec", str(spec_path), "--prometheus-url", loop["urls"]["prometheus"])
    assert result.exit_code == 0, result.output
    assert "❌" not in result.output and "✅ Probes: 12 healthy (minimum 5)" in result.output
    assert "✅ Alertmanager: " in result.output


def test_a_page_travels_to_autoheal_which_rolls_back_and_the_alert_resolves(loop):
    urls, client = loop["urls"], loop["client"]
    simulator.control(urls["simulator"], {"error_ratio": 0.5})
    started = time.monotonic()
    wait_for("the page to fire", lambda: client.value(f'ALERTS{{alertname="{PAGE}", alertstate="firing"}}'),
             timeout=90)
    # Alertmanager -> autoheal (token from the credentials file) -> `simulate recovery`.
    wait_for("autoheal to run the rollback", lambda: client.value(
        f'autoheal_actions_total{{alert="{PAGE}", result="ran"}}'), timeout=90)
    assert (client.value("autoheal_last_action_epoch") or 0) > time.time() - 300
    with urllib.request.urlopen(urls["simulator"], timeout=5) as response:
        assert json.load(response)["error_ratio"] == simulator.HEALTHY_RATIO  # the command ran
    wait_for("the page to resolve", lambda: client.value(
        f'ALERTS{{alertname="{PAGE}", alertstate="firing"}}') is None, timeout=150)
    wait_for("Alertmanager's resolved notification", lambda: metric(
        urls["autoheal"], 'autoheal_notifications_total{status="resolved"}') >= 1, timeout=60)
    assert metric(urls["autoheal"], 'autoheal_notifications_total{status="firing"}') >= 1
    assert time.monotonic() - started < 180
    check_slack_messages(loop)


def check_slack_messages(loop):
    """The page reached Slack as its incoming-webhook format says (JSON, attachments with a title and
    text), with the runway, budget and burn the recording rules held while it fired, the SLO detail
    link with the SLO selected and the runbook; then the resolved message with the runway back."""
    client, received = loop["client"], loop["slack"].received
    pages = [(kind, body) for kind, body in received if PAGE in json.dumps(body)]
    assert pages, f"no Slack message for {PAGE}: {received}"
    kind, body = pages[0]
    assert kind.startswith("application/json") and body["channel"] == "#payments"
    firing = next(a for _, b in pages for a in b["attachments"] if a["title"].startswith("[FIRING]"))
    assert firing["title"] == f"[FIRING] {PAGE} (payment_rate)"
    text = firing["text"]
    hours = float(re.search(r"Budget exhausted in ~([0-9.]+) h", text).group(1))
    days = float(re.search(r"\(~([0-9.]+) d\)", text).group(1))
    assert days == pytest.approx(hours / 24, abs=0.06)
    # The runway the rules recorded while the page fired (the dip's whole span, newest last).
    recorded = [float(v) for _, v in client.query_range(
        "slo:payment_rate:hours_to_breach", time.time() - 300, time.time(), 1)[0][1]]
    assert min(recorded) - 0.05 <= hours <= max(recorded) + 0.05, (hours, min(recorded), max(recorded))
    burn = float(re.search(r"burn ([0-9.]+)x over 1h", text).group(1))
    burns = [float(v) for _, v in client.query_range(
        "slo:payment_rate:burn_rate:rate1h", time.time() - 300, time.time(), 1)[0][1]]
    assert min(burns) - 0.05 <= burn <= max(burns) + 0.05, (burn, min(burns), max(burns))
    assert re.search(r"· [0-9.]+% of the budget left ·", text)
    assert "<http://localhost:3000/d/aethervision-slo/aethervision-slo-detail?var-slo=payment_rate|SLO detail>" in text
    assert "<https://runbooks.example.com/aethervision/payment-rate|Runbook>" in text
    wait_for("the resolved Slack message", lambda: any(
        a["title"].startswith("[RESOLVED]") and PAGE in a["title"] for _, b in received for a in b["attachments"]),
        timeout=60)
    resolved = next(a for _, b in received for a in b["attachments"]
                    if a["title"].startswith("[RESOLVED]") and PAGE in a["title"])
    assert "Resolved: the runway is back to ~" in resolved["text"]


def test_alertmanager_inhibits_tickets_while_the_same_slo_pages(loop):
    am = loop["urls"]["alertmanager"]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    base = {"slo": "inhibit_check", "service": "x", "component": "slo"}
    alerts = [{"labels": {**base, "alertname": "InhibitCheckErrorBudgetFastBurn", "severity": "critical"},
               "startsAt": now},
              {"labels": {**base, "alertname": "InhibitCheckErrorBudgetSlowBurn", "severity": "warning"},
               "startsAt": now}]
    request = urllib.request.Request(f"{am}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()

    def ticket_inhibited():
        with urllib.request.urlopen(f"{am}/api/v2/alerts?filter=slo%3D%22inhibit_check%22", timeout=5) as r:
            found = {a["labels"]["alertname"]: a["status"] for a in json.load(r)}
        return found.get("InhibitCheckErrorBudgetSlowBurn", {}).get("inhibitedBy")

    wait_for("the ticket to be inhibited by the page", ticket_inhibited, timeout=30)


def test_a_stopped_service_lowers_the_probe_counts(loop):
    client = loop["client"]
    before = (client.value("aethervision:probes_http_up"), client.value("aethervision:probes_tcp_up"))
    assert before == (6, 6)  # Prometheus, Alertmanager, autoheal, simulator, crm-api, blackbox itself
    running, _ = procs.load(loop["cfg"].workdir / stack.STATE_FILE)
    procs.stop(next(p for p in running if p.name == "simulator"))
    wait_for("both probes of the simulator to fail", lambda: (
        client.value("aethervision:probes_http_up"), client.value("aethervision:probes_tcp_up")) == (5, 5),
        timeout=60)
