"""Every generated recording rule gives the same answer in Prometheus and in VictoriaMetrics.

Both engines get the same data: 31 days of every SLI input of examples/fleet.yaml
(ratio, grouped ratio, latency histogram, blackbox probe; a dip in the last hours),
one sample a minute, and every recorded series as Prometheus computes it (each
dependency level backfilled with `promtool tsdb create-blocks-from rules`: the
slow group's tiles and timestamps over the whole history at its interval, the
rest over the last 40 minutes), exported and imported into VictoriaMetrics. Then
each recording rule's expression runs as an instant query in both at the same
time, and the two answers must hold the same series with values within 1%.
Isolating each rule this way, a difference names the rule whose expression
MetricsQL reads differently.
"""

from __future__ import annotations

import json
import math
import shutil
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from aethervision import spec as spec_mod
from aethervision.clients import promtool
from aethervision.clients.prometheus import Client
from aethervision.live import procs
from aethervision.live.stack import binary, prometheus_binary
from aethervision.promql.parse import ranged_names
from aethervision.rules import files as rules

from support.repo import ROOT

pytestmark = [pytest.mark.live, pytest.mark.slow]
STEP = 60
DAY = 86400
RECENT = 40 * 60  # fast rules are compared at the end: they need this much of their own history
DIP = 3 * 3600  # the last hours run worse, so the windows disagree with each other


def _history(end: int) -> list[str]:
    """Prometheus text lines (timestamps in ms) for every input series of the fleet example."""
    start = end - 31 * DAY
    series: dict[str, list[str]] = {}
    totals: dict[str, float] = {}

    def add(name: str, t: int, increment: float | None = None, value: float | None = None) -> None:
        if increment is not None:
            totals[name] = totals.get(name, 0.0) + increment
            value = math.floor(totals[name])
        series.setdefault(name, []).append(f"{name} {value} {t * 1000}")

    for t in range(start, end + 1, STEP):
        dip = t > end - DIP
        add('crm_payments_total{status="success"}', t, 590.0 if not dip else 560.0)
        add('crm_payments_total{status="failed"}', t, 0.7 if not dip else 30.5)
        for cluster, bad in (("eu", 0.05), ("us", 0.05 if not dip else 6.3)):
            add(f'agent_requests_total{{cluster="{cluster}",code="200"}}', t, 300.0)
            add(f'agent_requests_total{{cluster="{cluster}",code="500"}}', t, bad)
        add('invoice_jobs_total{result="ok"}', t, 40.0)
        add('invoice_jobs_total{result="error"}', t, 0.11 if not dip else 2.4)
        fast = 880.0 if not dip else 700.0
        add('api_request_duration_seconds_count{job="api"}', t, 900.0)
        add('api_request_duration_seconds_bucket{job="api",le="0.25"}', t, fast)
        add('api_request_duration_seconds_bucket{job="api",le="+Inf"}', t, 900.0)
        failing = dip and (t // STEP) % 7 in (2, 3)
        add('probe_success{job="blackbox",module="http_2xx",target="https://checkout.example.com"}', t,
            value=0 if failing else 1)
    return [line for lines in series.values() for line in lines]


def _levels(doc: dict) -> list[list[tuple[dict, dict]]]:
    """(group, rule) of every recording rule, by dependency level (a level reads only lower ones)."""
    found = {r["record"]: (g, r) for g in doc["groups"] for r in g["rules"]}
    levels = rules.dependency_levels({name: rule for name, (_, rule) in found.items()})
    out: list[list[tuple[dict, dict]]] = [[] for _ in range(max(levels.values()) + 1)]
    for name, depth in levels.items():
        out[depth].append(found[name])
    return out


class Prometheus:
    def __init__(self, tmp: Path, data: Path):
        self.tmp, self.data = tmp, data
        (tmp / "prometheus.yml").write_text("global: {evaluation_interval: 1m}\n")

    def start(self) -> tuple[procs.Proc, Client]:
        port = procs.free_port()
        proc = procs.spawn("prometheus", [prometheus_binary(), f"--config.file={self.tmp / 'prometheus.yml'}",
                                          f"--storage.tsdb.path={self.data}", "--storage.tsdb.retention.time=60d",
                                          f"--web.listen-address=127.0.0.1:{port}"], self.tmp / "prometheus.log")
        procs.wait_http(f"http://127.0.0.1:{port}/-/ready", proc, timeout=120)
        return proc, Client(f"http://127.0.0.1:{port}", timeout=120)

    def backfill(self, rules_: list[dict], start: int, end: int, step: int, index: int) -> None:
        path = self.tmp / f"pass-{index}.yml"
        path.write_text(json.dumps({"groups": [{"name": f"pass-{index}", "rules": rules_}]}))
        blocks = self.tmp / f"blocks-{index}"
        proc, client = self.start()
        try:
            run = promtool.run("tsdb", "create-blocks-from", "rules", "--quiet", f"--start={start}",
                               f"--end={end + step // 2}", f"--url={client.url}", f"--eval-interval={step}s",
                               f"--output-dir={blocks}", str(path), timeout=900)
            assert run.returncode == 0, run.stderr
        finally:
            procs.stop(proc)
        for block in blocks.iterdir():
            block.rename(self.data / block.name)


def _vm_get(url: str, path: str, **params) -> dict:
    with urllib.request.urlopen(f"{url}{path}?{urllib.parse.urlencode(params)}", timeout=120) as answer:  # noqa: S310
        return json.load(answer)["data"]


def _post(url: str, body: bytes | None = None) -> None:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")  # noqa: S310
    urllib.request.urlopen(request, timeout=300).close()  # noqa: S310 - loopback


def _answer(samples) -> dict[frozenset, float]:
    return {frozenset((k, v) for k, v in s.labels.items() if k != "__name__"): s.value for s in samples}


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("engines")
    spec = spec_mod.load(ROOT / "examples" / "fleet.yaml")
    doc = rules.recording_rules(spec)
    slow = spec.rules.long_interval_seconds
    end = int(time.time()) // slow * slow - slow
    lines = _history(end)
    source = tmp / "history.om"
    source.write_text("\n".join(f"{a} {b} {int(c) // 1000}" for a, b, c in (ln.rsplit(" ", 2) for ln in lines))
                      + "\n# EOF\n")
    data = tmp / "data"
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", str(source), str(data), timeout=600)
    assert run.returncode == 0, run.stderr
    prom = Prometheus(tmp, data)
    long_read = {n for g in doc["groups"] for r in g["rules"] for n in ranged_names(r["expr"])
                 if not r["expr"].startswith("last_over_time")}
    spans: dict[str, tuple[int, int]] = {}
    for level in _levels(doc):
        batches: dict[tuple[int, bool], list[dict]] = {}
        for group, rule in level:
            step = slow if group["name"].endswith(".long") else STEP
            batches.setdefault((step, rule["record"] in long_read), []).append(rule)
        for (step, full), members in sorted(batches.items()):
            start = end - 31 * DAY + 2 * slow if full else end - RECENT
            prom.backfill(members, start, end, step, len(spans))
            for r in members:
                spans[r["record"]] = (start, step)
    proc, client = prom.start()
    vm_port = procs.free_port()
    vm = procs.spawn("victoria-metrics", [binary(("victoria-metrics",), "victoria-metrics"),
                                          f"-storageDataPath={tmp / 'vm'}", "-retentionPeriod=100y",
                                          f"-httpListenAddr=127.0.0.1:{vm_port}", "-search.latencyOffset=0s",
                                          "-search.disableCache"], tmp / "vm.log")
    vm_url = f"http://127.0.0.1:{vm_port}"
    try:
        procs.wait_http(f"{vm_url}/health", vm)
        _post(f"{vm_url}/api/v1/import/prometheus", "\n".join(lines).encode())
        recorded = []
        for name, (start, _) in spans.items():  # the raw samples (a range query would fill steps)
            answer = client.get("/api/v1/query", query=f"{name}[{end - start + 1}s]", time=str(end))
            for item in answer["result"]:
                text = ",".join(f'{k}="{v}"' for k, v in sorted(item["metric"].items()) if k != "__name__")
                recorded += [f"{name}{{{text}}} {v} {int(float(t) * 1000)}" for t, v in item["values"]]
        _post(f"{vm_url}/api/v1/import/prometheus", "\n".join(recorded).encode())
        _post(f"{vm_url}/internal/force_flush")
        yield {"doc": doc, "prometheus": client, "vm": Client(vm_url, timeout=120), "at": end}
    finally:
        procs.stop(proc)
        procs.stop(vm)
        shutil.rmtree(tmp / "vm", ignore_errors=True)


def test_every_recording_rule_agrees_within_one_percent(engines):
    at, problems, compared = engines["at"], [], 0
    for group in engines["doc"]["groups"]:
        for rule in group["rules"]:
            prom = _answer(engines["prometheus"].query(rule["expr"], at=at))
            vm = _answer(engines["vm"].query(rule["expr"], at=at))
            if set(prom) != set(vm):
                problems.append(f"{rule['record']}: series {sorted(map(sorted, prom))} vs {sorted(map(sorted, vm))}")
                continue
            for labels, value in prom.items():
                other = vm[labels]
                same = (math.isnan(value) and math.isnan(other)) or \
                    abs(value - other) <= 0.01 * max(abs(value), abs(other)) + 1e-12
                if not same:
                    problems.append(f"{rule['record']} {dict(labels)}: Prometheus {value} vs VictoriaMetrics {other}")
            compared += 1
    assert not problems, "\n".join(problems)
    assert compared == sum(len(g["rules"]) for g in engines["doc"]["groups"])
