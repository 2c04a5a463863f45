"""`aethervision cost` on a real Prometheus, and the static estimate `diff` reports.

The Prometheus holds two known counters (code 200 and 500) sampled every 15 s,
imported with promtool; measuring at a sample's own timestamp, a range [w] of
either series holds exactly w / 15 s + 1 samples (Prometheus 2 includes both
ends), and an instant read one sample per series. The expected figures follow
from that and from what the two tiers read raw (10m, 30m and 1h ranges in the
fast group every 30 s; each counter now and 5m ago in the slow group every 5m),
not from the rule text.
"""

from __future__ import annotations

import json
import time

import pytest
import yaml

from aethervision.builder import diff as diff_mod
from aethervision.builder import pipeline
from aethervision.clients import promtool
from aethervision.clients.prometheus import Client
from aethervision.demo.stack import prometheus_binary
from aethervision.review import cost as cost_api
from aethervision.rules import cost as rule_cost
from aethervision.runtime import procs

STEP = 15
SPEC = """version: aethervision/v1
slos:
  - name: pay
    service: shop
    objective: 0.99
    window: 30d
    sli:
      errors: 'shop_total{code="500"}'
      total: shop_total
"""


def samples(window_seconds: int) -> int:
    return window_seconds // STEP + 1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cost")
    end = int(time.time()) // STEP * STEP - STEP  # up to now: the command measures at the present
    start = end - 2 * 3600
    lines = ["# TYPE shop counter"]
    for code, per_step in (("200", 100), ("500", 1)):
        lines += [f'shop_total{{code="{code}"}} {k * per_step} {start + k * STEP}'
                  for k in range((end - start) // STEP + 1)]
    source = tmp / "history.om"
    source.write_text("\n".join(lines) + "\n# EOF\n")
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", str(source), str(tmp / "data"))
    assert run.returncode == 0, run.stderr
    (tmp / "prometheus.yml").write_text("global: {evaluation_interval: 30s}\n")
    port = procs.free_port()
    proc = procs.spawn("prometheus-cost", [prometheus_binary(), f"--config.file={tmp / 'prometheus.yml'}",
                                           f"--storage.tsdb.path={tmp / 'data'}",
                                           f"--web.listen-address=127.0.0.1:{port}"], tmp / "prometheus.log")
    try:
        procs.wait_http(f"http://127.0.0.1:{port}/-/ready", proc)
        spec = tmp / "aethervision.yaml"
        spec.write_text(SPEC)
        yield Client(f"http://127.0.0.1:{port}"), pipeline.generate(str(spec)), end
    finally:
        procs.stop(proc)


@pytest.mark.live
def test_cost_measures_the_samples_each_rule_reads(server):
    client, gen, at = server
    owners = cost_api.measure(gen, client, at=at)
    pay = owners["pay"]
    # Error rates read the 500 series over the window (their `or` zero reads the recorded 10m
    # request rate, not on this server: no sample); request rates both series over every raw
    # window (10m, 30m, 1h: the first hour's budget burn reads them all).
    # The exact long windows' heads read each counter once now: the 500 series for errors, both for
    # requests (their tails read them a window ago: before this server's two hours, no sample).
    per_eval_fast = sum(samples(w) for w in (600, 1800, 3600)) + sum(2 * samples(w) for w in (600, 1800, 3600)) \
        + 1 + 2
    # The 5m tiles read each series now and 5m ago, twice each (the increase, and the reset
    # test): errors the 500 series (their `or` reads the recorded requests tile), requests
    # both. The long windows read tiles, not recorded on this server.
    # And the events counted so far, once a tile: the 500 series, and both.
    per_eval_slow = 4 * 1 + 4 * 2 + 1 + 2
    assert pay.samples_per_evaluation == per_eval_fast + per_eval_slow
    assert round(pay.samples_per_hour) == per_eval_fast * 120 + per_eval_slow * 12
    assert pay.heaviest and max(pay.heaviest, key=pay.heaviest.get) == "slo:pay:requests:rate1h"
    assert pay.rules == sum(len(g["rules"]) for doc in gen.rule_docs.values() for g in doc["groups"]
                            if g["name"].startswith("slo_pay."))


@pytest.mark.live
def test_cost_command_prints_a_table_and_json(cli, server, tmp_path):
    client, gen, _ = server
    spec = tmp_path / "aethervision.yaml"
    spec.write_text(SPEC)
    text = cli("cost", "--spec", str(spec), "--prometheus-url", client.url)
    assert text.exit_code == 0, text.output
    assert "pay" in text.stdout and "total" in text.stdout and "rules measured" in text.stderr
    out = cli("cost", "--spec", str(spec), "--prometheus-url", client.url, "--format", "json")
    data = json.loads(out.stdout)
    assert data["pay"]["samples_per_hour"] > 0 and data["pay"]["heaviest_rule"] == "slo:pay:requests:rate1h"


def test_cost_without_a_prometheus_says_so(cli, tmp_path):
    spec = tmp_path / "aethervision.yaml"
    spec.write_text(SPEC)
    result = cli("cost", "--spec", str(spec), "--prometheus-url", "http://127.0.0.1:9")
    assert result.exit_code == 2 and "not reachable" in result.stderr


def test_static_estimate_counts_range_over_interval():
    docs = [{"groups": [
        {"name": "fast", "interval": "30s", "rules": [{"record": "a", "expr": 'rate(x{y="]"}[10m])'},
                                                    {"record": "b", "expr": "avg_over_time(t[1d])"}]},
        {"name": "slow", "interval": "5m", "rules": [{"record": "t", "expr": "rate(x[5m])"}]}]}]
    # fast: 10m of a 15s-scraped series = 40 and 1d of t recorded every 5m = 288, 120 times an hour;
    # slow: 5m of x = 20, 12 times an hour.
    assert rule_cost.estimate(docs, scrape=15) == (40 + 288) * 120 + 20 * 12


def test_diff_reports_the_change_in_estimated_cost(spec_data, write_spec):
    before = pipeline.generate(str(write_spec(spec_data)))
    spec_data["rules"] = {"long_windows": {"from": "1d"}}  # 6h goes back to raw counters
    after = pipeline.generate(str(write_spec(spec_data)))
    old = diff_mod.state_from_files({f"prometheus/{k}": yaml.safe_dump(v) for k, v in before.rule_docs.items()})
    new = diff_mod.state_from_generated(after.dashboards, after.rule_docs)
    (change,) = [c for c in diff_mod.compare(old, new) if c.object.startswith("rule cost")]
    assert change.before == rule_cost.estimate(before.rule_docs.values())
    assert change.after == rule_cost.estimate(after.rule_docs.values()) > change.before


@pytest.mark.live
def test_diff_measures_the_cost_change_on_a_prometheus(cli, server, tmp_path):
    client, _, _ = server
    base_spec, head_spec = tmp_path / "base.yaml", tmp_path / "head.yaml"
    base_spec.write_text(SPEC + "rules: {long_windows: {from: 1d}}\n")  # 6h read from raw counters
    head_spec.write_text(SPEC)
    assert cli("build", "--spec", str(base_spec), "--out", str(tmp_path / "base")).exit_code == 0
    result = cli("diff", "--spec", str(head_spec), "--dir", str(tmp_path / "base"),
                 "--prometheus-url", client.url)
    (line,) = [ln for ln in result.stdout.splitlines() if "rule cost" in ln]
    assert f"measured on {client.url}" in line
    before, after = (int(x) for x in line.rsplit(": ", 1)[1].split(" -> "))
    assert after < before  # the head reads 6h from tiles, not raw counters


def test_cost_refuses_a_server_without_query_statistics(cli, tmp_path):
    """VictoriaMetrics, or a Prometheus before 2.35, answers without `stats`: say so, do not count 0."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from aethervision.runtime import httpd

    class NoStats(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NoStats)
    httpd.serve_in_background(server)
    try:
        spec = tmp_path / "aethervision.yaml"
        spec.write_text(SPEC)
        result = cli("cost", "--spec", str(spec), "--prometheus-url", f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert result.exit_code == 1 and "no query statistics" in result.stderr and "--estimate" in result.stderr
