"""SLI kinds and groups against the real Prometheus (Debian's binary) on loopback.

A small exporter (a real HTTP scrape target, started here) serves counters
that grow with time: a latency histogram from two client libraries (Go
spells the bound `le="1"`, Python `le="1.0"`), per-cluster request counters
where eu fails 5% and us 0.1%, and a probe gauge. Prometheus scrapes it every
second and evaluates the rules of a minimal spec (no optional sections).
Then `validate --prometheus-url` must find every series and refuse a bound
that is no bucket, `breach` must report each cluster, and `verify` passes.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.builder import outputs
from aethervision.clients import prometheus
from aethervision.demo import stack
from aethervision.runtime import httpd, procs

pytestmark = [pytest.mark.live, pytest.mark.slow]

SPEC = {"version": "aethervision/v1", "slos": [
    {"name": "agent_availability", "service": "agent", "objective": 0.999, "window": "30d",
     "sli": {"errors": 'agent_requests_total{code=~"5.."}', "total": "agent_requests_total"},
     "group_by": ["cluster"]},
    {"name": "api_latency", "service": "api", "objective": 0.99, "window": "30d",
     "sli": {"latency": {"histogram": "http_seconds", "selector": '{job="api"}', "below": 1}}},
    {"name": "checkout_probe", "service": "checkout", "objective": 0.995, "window": "30d",
     "sli": {"probe": 'probe_success{module="http_2xx"}'}},
],
    # Every rule group states its interval: 1s here, and 2s tiles (two scrapes), so the first
    # runway is recorded within seconds.
    "prometheus": {"scrape_interval": "1s", "evaluation_interval": "1s"},
    "rules": {"long_windows": {"interval": "2s"}}}
# eu burns at 5x (a ticket, no page: the first hour's burn is read right since issue 31, and
# 50x paged at once), us at 1x.
ERROR_SHARE = {"eu": 0.005, "us": 0.001}


def exposition(t: float) -> str:
    lines = []
    for client, one in (("go", "1"), ("py", "1.0")):
        for le, share in (("0.25", 0.8), (one, 0.95), ("+Inf", 1.0)):
            lines.append(f'http_seconds_bucket{{client="{client}",le="{le}"}} {10 * t * share}')
        lines.append(f'http_seconds_count{{client="{client}"}} {10 * t}')
    for cluster, share in ERROR_SHARE.items():
        lines.append(f'agent_requests_total{{cluster="{cluster}",code="200"}} {10 * t * (1 - share)}')
        lines.append(f'agent_requests_total{{cluster="{cluster}",code="500"}} {10 * t * share}')
    lines.append('probe_success{module="http_2xx",target="checkout"} 1')
    return "\n".join(lines) + "\n"


class Exporter(BaseHTTPRequestHandler):
    started = 0.0  # set when the server starts

    def do_GET(self):  # noqa: N802 - http.server's name
        body = exposition(time.time() - self.started + 60).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live-sli")
    spec_path = tmp / "aethervision.yaml"
    spec_path.write_text(yaml.safe_dump(SPEC, sort_keys=False))
    Exporter.started = time.time()
    exporter = ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
    httpd.serve_in_background(exporter)
    for name, text in outputs.rule_files(spec_mod.load(spec_path)).items():
        (tmp / name).write_text(text)
    config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
              "rule_files": sorted(outputs.rule_files(spec_mod.load(spec_path))),
              "scrape_configs": [{"job_name": "api", "static_configs": [
                  {"targets": [f"127.0.0.1:{exporter.server_address[1]}"]}]}]}
    (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = procs.free_port()
    proc = procs.spawn("prometheus-sli", [
        stack.prometheus_binary(), f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}"], tmp / "prometheus.log")
    try:
        url = f"http://127.0.0.1:{port}"
        procs.wait_http(f"{url}/-/ready", proc, timeout=60)
        client = prometheus.Client(url)
        deadline = time.monotonic() + 60
        while client.value('count(slo:agent_availability:hours_to_breach_1h) == 2') is None \
                or client.value("slo:api_latency:hours_to_breach_1h") is None:
            if time.monotonic() > deadline:
                pytest.fail("no runway recorded within 60s:\n" + procs.log_tail(proc))
            time.sleep(0.5)
        yield {"url": url, "spec": spec_path, "tmp": tmp}
    finally:
        procs.stop(proc)
        exporter.shutdown()


def test_validate_finds_every_sli_and_both_le_spellings(cli, server):
    result = cli("validate", "--spec", str(server["spec"]), "--skip-promtool", "--prometheus-url", server["url"])
    assert result.exit_code == 0, result.output
    assert "checked  SLI series and latency buckets on" in result.stdout


def test_validate_names_a_bound_that_is_no_bucket_and_a_selector_without_series(cli, server, tmp_path):
    data = yaml.safe_load(server["spec"].read_text())
    data["slos"][1]["sli"]["latency"]["below"] = 0.3
    data["slos"][0]["sli"]["total"] = "agent_request_total"  # a typo: no such metric
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    result = cli("validate", "--spec", str(path), "--skip-promtool", "--prometheus-url", server["url"])
    assert result.exit_code == 1
    assert (f"{path}: slos[1].sli.latency.below: 0.3 is not a bucket bound of http_seconds "
            "(its bounds: 0.25, 1, +Inf)") in result.stderr
    assert f"{path}: slos[0].sli.total: no series" in result.stderr


def test_validate_refuses_a_group_by_label_the_series_lack(cli, server, tmp_path):
    data = yaml.safe_load(server["spec"].read_text())
    data["slos"][0]["group_by"] = ["region"]  # the series carry cluster, not region
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    result = cli("validate", "--spec", str(path), "--skip-promtool", "--prometheus-url", server["url"])
    assert result.exit_code == 1
    assert f"{path}: slos[0].group_by: label 'region' is on none of the series of sli.total" in result.stderr
    assert "slos[1]" not in result.stderr


def test_breach_reports_each_cluster_and_the_burning_one_is_shorter(cli, server):
    result = cli("breach", "--spec", str(server["spec"]), "--prometheus-url", server["url"], "--format", "json")
    assert result.exit_code == 0, result.output
    runways = json.loads(result.stdout)
    agent = {r["group"]["cluster"]: r for r in runways if r["slo"] == "agent_availability"}
    assert set(agent) == {"eu", "us"}
    # Same traffic, so each cluster's burn rate is its error share over the budget.
    for cluster, share in ERROR_SHARE.items():
        assert agent[cluster]["burn_1h"] == pytest.approx(share / 0.001, rel=0.01)
    assert agent["eu"]["hours_1h"] < agent["us"]["hours_1h"]
    text = cli("breach", "--spec", str(server["spec"]), "--prometheus-url", server["url"]).stdout
    assert "agent_availability cluster=eu (agent)" in text and "latency SLI" in text


def test_verify_passes_with_a_runway_per_group(cli, server):
    result = cli("verify", "--spec", str(server["spec"]), "--prometheus-url", server["url"])
    assert result.exit_code == 0, result.output
    assert "SLO runways: 4 recorded for 3 SLO(s)" in result.stdout
