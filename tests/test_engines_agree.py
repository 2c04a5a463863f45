"""Every generated recording rule gives the same answer in Prometheus and in VictoriaMetrics.

Both engines get the same data: 31 days of every SLI input of examples/fleet.yaml
(ratio, grouped ratio, latency histogram, blackbox probe; a dip in the last hours),
one sample a minute, and every recorded series as Prometheus computes it (each
dependency level recorded by aethervision.live.rule_backfill, range queries at each
rule's interval as promtool's rule backfill does: the slow group's tiles and
timestamps over the whole history at its interval, the rest over the last 40
minutes), exported and imported into VictoriaMetrics. Then
each recording rule's expression runs as an instant query in both at the same
time, and the two answers must hold the same series with values within 1%.
Isolating each rule this way, a difference names the rule whose expression
MetricsQL reads differently.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import time
import urllib.parse
import urllib.request

import pytest

from aethervision import spec as spec_mod
from aethervision.clients import promtool
from aethervision.clients.prometheus import Client
from aethervision.live import procs, rule_backfill
from aethervision.live.stack import binary
from aethervision.rules import files as rules

from support.fleet_history import DAY, STEP, history, openmetrics
from support.repo import ROOT

pytestmark = [pytest.mark.live, pytest.mark.slow]
RECENT = 40 * 60  # fast rules are compared at the end: they need this much of their own history


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
    lines = history(end)
    source = tmp / "history.om"
    source.write_text(openmetrics(lines))
    data = tmp / "data"
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", str(source), str(data), timeout=600)
    assert run.returncode == 0, run.stderr
    group_of = {r["record"]: g for g in doc["groups"] for r in g["rules"]}
    long_read = rule_backfill.read_over_windows([r for g in doc["groups"] for r in g["rules"]])
    spans: dict[str, tuple[int, int]] = {}
    passes = []
    for level in rule_backfill.levels([r for g in doc["groups"] for r in g["rules"]]):
        batches: dict[tuple[int, bool], list[dict]] = {}
        for rule in level:
            step = slow if group_of[rule["record"]]["name"].endswith(".long") else STEP
            batches.setdefault((step, rule["record"] in long_read), []).append(rule)
        passes.append([])
        for (step, full), members in sorted(batches.items()):
            start = end - 31 * DAY + 2 * slow if full else end - RECENT
            passes[-1].append(rule_backfill.Pass(tuple(members), start - start % step, end, step))
            spans.update((r["record"], (start - start % step, step)) for r in members)
    rule_backfill.run(passes, data, tmp, lambda line: None)
    stack = contextlib.ExitStack()
    client = stack.enter_context(rule_backfill.serving(data, tmp, "prometheus-engines"))
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
        stack.close()
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
