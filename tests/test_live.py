"""End to end with the real Prometheus (Debian's binary) on free loopback ports.

`stack.up` (what `make demo` runs) writes 31 days of simulated history up to
the live start, imports it with promtool, backfills the recording rules the
30-day window reads, then starts the simulator, the autoheal service (enabled,
mapped to a harmless command) and Prometheus with 1s scrape and evaluation
intervals. The test spec moves the warning threshold to 2000 hours (healthy:
2880) so that a 50% dip crosses it within seconds rather than the quarter of
an hour a 24h threshold needs. Every process is stopped at the end.

Expected runway (independent of the rules): at a constant error ratio e and
traffic, with budget B = 1 - objective and a full 30-day window, budget
remaining is 1 - e/B, burn rate and budget burn are e/B and runway hours are
(1 - e/B) * 720 / (e/B).
Tolerance: 1% relative.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.clients import prometheus
from aethervision.demo import stack
from aethervision.runtime import procs

from support.live import demo_config, wait_for
from support.repo import SPEC, add_slo

RATIO = 0.002  # healthy: burn 0.2, runway 2880 hours
WARN_HOURS = 2000
TOLERANCE = 0.01
WINDOW_HOURS = 720

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    data = yaml.safe_load(SPEC.read_text())
    data["runway"]["alerts"]["warning"] = {"below": f"{WARN_HOURS}h", "for": "5s"}
    spec_path = tmp / "aethervision.yaml"
    spec_path.write_text(yaml.safe_dump(data, sort_keys=False))
    marker = tmp / "autoheal-ran"
    mapping = tmp / "actions.yaml"
    mapping.write_text(yaml.safe_dump({"version": "aethervision/autoheal/v1", "actions": {"CrmDown": {
        "command": [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('ran')"]}}}))
    cfg = demo_config(tmp / "demo", backfill_interval="5m", scrape_interval="1s", evaluation_interval="1s",
                      error_ratio=RATIO, actions=mapping, autoheal_env={"AUTOHEAL_ENABLED": "true"})
    from aethervision import spec as spec_mod
    urls = stack.up(spec_mod.load(spec_path), cfg, progress=lambda _msg: None)
    started, _ = procs.load(cfg.workdir / stack.STATE_FILE)
    try:
        yield {"cfg": cfg, "urls": urls, "spec": spec_path, "marker": marker, "data": data}
    finally:
        stack.down(cfg.workdir)
        assert not any(procs.alive(p.pid) for p in started), "a demo process survived demo down"


@pytest.fixture(scope="module")
def client(live):
    client = prometheus.Client(live["urls"]["prometheus"])
    # The history alone yields a runway; wait for live scrapes of both targets too.
    wait_for("both targets to be scraped and the aggregates recorded",
             lambda: client.value('count(up{job=~"crm|autoheal"} == 1) == 2') is not None
             and client.value("aethervision:autoheal_enabled == 1") is not None
             and client.value("aethervision:days_to_breach") is not None)
    return client


def test_breach_prints_the_expected_runway(cli, live, client):
    budget = 1 - 0.99
    burn = RATIO / budget
    ebr = 1 - burn
    hours = ebr * WINDOW_HOURS / burn
    result = cli("breach", "--spec", str(live["spec"]), "--prometheus-url", live["urls"]["prometheus"],
                 "--format", "json")
    assert result.exit_code == 0, result.output
    (got,) = json.loads(result.output)
    for key, want in (("hours_1h", hours), ("hours_6h", hours), ("budget_remaining", ebr), ("burn_1h", burn),
                      ("burn_6h", burn), ("budget_burn_1h", burn), ("budget_burn_6h", burn)):
        assert got[key] == pytest.approx(want, rel=TOLERANCE), key
    # The same error ratio for the whole window: as many errors leave the window as come in, so the
    # budget left stays at 80% and the headline runway (its trend) says it never runs out.
    cap = spec_mod.load(live["spec"]).runway.cap_hours
    assert (got["hours"], got["days"]) == pytest.approx((cap, cap / 24))
    assert got["reason"].startswith("no burn")
    text = cli("breach", "--spec", str(live["spec"]), "--prometheus-url", live["urls"]["prometheus"]).output
    assert re.search(r"trend no burn · 1h burn [0-9.]+ h", text) and "error budget left   80.0%" in text


def test_verify_passes_against_the_running_stack(cli, live, client):
    result = cli("verify", "--spec", str(live["spec"]), "--prometheus-url", live["urls"]["prometheus"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(line.startswith("✅") for line in lines) and len(lines) == 11, result.output
    assert any(line.startswith("✅ Alertmanager: http://127.0.0.1:") and "generated routes" in line
               for line in lines)
    assert "✅ Probes: 12 healthy (minimum 5)" in lines  # the demo probes its 6 services, HTTP and TCP
    assert "✅ SLO runways: 1 recorded for 1 SLO(s)" in lines
    assert any(line.startswith("✅ Autoheal target:") and " up" in line for line in lines)
    assert "✅ Autoheal: enabled" in lines


def test_verify_and_breach_flag_a_spec_prometheus_does_not_run(cli, live, client, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(add_slo(json.loads(json.dumps(live["data"])), "invoice_success", "invoice")))
    result = cli("verify", "--spec", str(other), "--prometheus-url", live["urls"]["prometheus"])
    assert result.exit_code == 1
    assert "❌ Recording rules:" in result.output and "missing" in result.output
    assert "❌ Alert rules:" in result.output
    breach = cli("breach", "--spec", str(other), "--prometheus-url", live["urls"]["prometheus"])
    assert breach.exit_code == 0
    assert "no SLI data yet: Prometheus has no samples of invoice_requests_total" in breach.output


def test_autoheal_webhook_runs_the_command_and_prometheus_sees_it(live, client):
    body = json.dumps({"version": "4", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "CrmDown", "autoheal": "true"}}]}).encode()
    url = live["urls"]["autoheal"] + "/alertmanager"
    with pytest.raises(urllib.error.HTTPError) as refused:  # the demo's webhook requires its token
        urllib.request.urlopen(urllib.request.Request(url, data=body, method="POST"), timeout=5)
    assert refused.value.code == 401
    token = (live["cfg"].workdir / "autoheal-token").read_text().strip()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["decisions"] == [{"alert": "CrmDown", "result": "queued"}]
    wait_for("the command to run", live["marker"].exists, timeout=10)
    assert wait_for("Prometheus to scrape the action",
                    lambda: client.value('autoheal_actions_total{alert="CrmDown", result="ran"}')) == 1
    wait_for("the recorded age of the last action",
             lambda: (client.value("aethervision:autoheal_last_action_age") or -1) >= 0)


def test_a_dip_fires_the_predictive_warning(cli, live, client):
    def soon():
        return [a for a in client.alerts() if a["labels"]["alertname"] == "PaymentRatePredictedBreachSoon"]

    assert soon() == []  # healthy: a runway of 2880 hours is above the 2000-hour threshold
    result = cli("simulate", "dip", "--url", live["urls"]["simulator"], "--error-ratio", "0.5")
    assert result.exit_code == 0, result.output
    (alert,) = wait_for("PaymentRatePredictedBreachSoon to fire",
                        lambda: [a for a in soon() if a["state"] == "firing"], timeout=180, every=1)
    assert alert["labels"]["severity"] == "warning" and alert["labels"]["slo"] == "payment_rate"
    assert float(alert["value"]) < WARN_HOURS  # the 1h runway, from the alert's own expression
    assert client.value("slo:payment_rate:budget_burn:rate10m") > 1  # burning faster than allowed


def test_make_demo_refuses_to_start_twice(live):
    from aethervision import spec as spec_mod
    with pytest.raises(Exception, match="already running"):
        stack.up(spec_mod.load(live["spec"]), live["cfg"], progress=lambda _msg: None)
