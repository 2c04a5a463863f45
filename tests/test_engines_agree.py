"""Every generated recording rule gives the same answer on every engine: the pinned
Prometheus 3 (the reference), Debian's Prometheus 2.42, the pinned VictoriaMetrics and
Debian's VictoriaMetrics 1.79.

Every engine gets the same data: 31 days of every SLI input of examples/fleet.yaml
(ratio, grouped ratio, latency histogram, blackbox probe; a dip in the last hours),
one sample a minute, and every recorded series as Prometheus computes it (each
dependency level recorded by aethervision.backtest.rule_backfill, range queries at each
rule's interval as promtool's rule backfill does: the slow group's tiles and
timestamps over the whole history at its interval, the rest over the last 40
minutes), copied as blocks to the other Prometheus and imported into VictoriaMetrics. Then
each recording rule's expression runs as an instant query in the reference and in the
other engine at the same time, and the two answers must hold the same series with
values within 1%.
Isolating each rule this way, a difference names the rule whose expression
MetricsQL reads differently.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import shutil
import time
import urllib.parse
import urllib.request

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.backtest import rule_backfill
from aethervision.clients import promtool, servers
from aethervision.clients.prometheus import Client
from aethervision.rules import files as rules
from aethervision.rules.graph import Graph
from aethervision.runtime import procs

from support.fleet_history import DAY, STEP, history, openmetrics
from support.repo import ROOT

pytestmark = [pytest.mark.live, pytest.mark.slow]
RECENT = 40 * 60  # fast rules are compared at the end: they need this much of their own history
REFERENCE = "prometheus-3"  # records the series; every other engine is compared with it
OTHERS = ("prometheus-2", "victoriametrics", "victoriametrics-debian")


def _vm_get(url: str, path: str, **params) -> dict:
    with urllib.request.urlopen(f"{url}{path}?{urllib.parse.urlencode(params)}", timeout=120) as answer:  # noqa: S310
        return json.load(answer)["data"]


def _post(url: str, body: bytes | None = None) -> None:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")  # noqa: S310
    urllib.request.urlopen(request, timeout=300).close()  # noqa: S310 - loopback


def _answer(samples) -> dict[frozenset, float]:
    return {frozenset((k, v) for k, v in s.labels.items() if k != "__name__"): s.value for s in samples}


def _fleet_with_a_calendar_slo():
    """examples/fleet.yaml with its first SLO once more over a calendar month in Berlin: the
    period-to-date rules (`@ end()` subqueries over the tiles, the zone's offsets) are compared on
    every engine too."""
    path = ROOT / "examples" / "fleet.yaml"
    data = yaml.safe_load(path.read_text())
    first = data["slos"][0]
    data["slos"].append({**first, "name": f"{first['name']}_month", "alert_name": "PaymentRateMonth",
                         "window": {"calendar": "month", "timezone": "Europe/Berlin"}})
    return spec_mod.parse(yaml.safe_dump(data), str(path))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The history and every recorded series in the pinned Prometheus 3 (the reference engine)."""
    tmp = tmp_path_factory.mktemp("engines")
    spec = _fleet_with_a_calendar_slo()
    doc = rules.recording_rules(spec)
    slow = spec.rules.long_interval_seconds
    end = int(time.time()) // slow * slow - slow
    lines = history(end)
    source = tmp / "history.om"
    source.write_text(openmetrics(lines))
    data = tmp / "data"
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", str(source), str(data), timeout=600)
    assert run.returncode == 0, run.stderr
    # Every rule from as far back as its readers look before the compared stretch (rules/graph.py).
    graph = Graph(doc["groups"])
    passes = rule_backfill.from_batches(graph.passes(graph.recorded, end - 31 * DAY + 2 * slow, end - RECENT,
                                                     min_step=STEP), end)
    spans = {r["record"]: (p.start, p.step) for level in passes for p in level for r in p.rules}
    rule_backfill.run(passes, data, tmp, lambda line: None)
    with rule_backfill.serving(data, tmp, "prometheus-3-engines",
                               binary=servers.locate("prometheus", REFERENCE)) as client:
        recorded = []
        for name, (start, _) in spans.items():  # the raw samples (a range query would fill steps)
            answer = client.get("/api/v1/query", query=f"{name}[{end - start + 1}s]", time=str(end))
            for item in answer["result"]:
                text = ",".join(f'{k}="{v}"' for k, v in sorted(item["metric"].items()) if k != "__name__")
                recorded += [f"{name}{{{text}}} {v} {int(float(t) * 1000)}" for t, v in item["values"]]
        vm_spec = dataclasses.replace(spec, rules=dataclasses.replace(spec.rules, engine="victoriametrics"))
        yield {"doc": doc, "vm_doc": rules.recording_rules(vm_spec), "prometheus": client, "at": end,
               "data": data, "tmp": tmp, "lines": lines, "recorded": recorded}


def _binary(command: str, engine: str) -> str:
    path = servers.locate(command, engine)
    if path is None:
        pytest.fail(f"{command} of {engine} not found: `make servers` and `make promtool` provide every engine")
    return path


@contextlib.contextmanager
def _victoria(reference, engine: str):
    tmp, port = reference["tmp"], procs.free_port()
    vm = procs.spawn(engine, [_binary("victoria-metrics", engine), f"-storageDataPath={tmp / engine}",
                              "-retentionPeriod=100y", f"-httpListenAddr=127.0.0.1:{port}",
                              "-search.latencyOffset=0s", "-search.disableCache"], tmp / f"{engine}.log")
    url = f"http://127.0.0.1:{port}"
    try:
        procs.wait_http(f"{url}/health", vm)
        _post(f"{url}/api/v1/import/prometheus", "\n".join(reference["lines"]).encode())
        _post(f"{url}/api/v1/import/prometheus", "\n".join(reference["recorded"]).encode())
        _post(f"{url}/internal/force_flush")
        yield Client(url, timeout=120)
    finally:
        procs.stop(vm)
        shutil.rmtree(tmp / engine, ignore_errors=True)


@contextlib.contextmanager
def _prometheus(reference, engine: str):
    """The same blocks (raw history and recorded series) in another Prometheus build."""
    copy = reference["tmp"] / f"data-{engine}"
    shutil.copytree(reference["data"], copy, ignore=shutil.ignore_patterns("lock", "wal", "chunks_head"))
    try:
        with rule_backfill.serving(copy, reference["tmp"], engine,
                                   binary=_binary("prometheus", engine)) as client:
            yield client
    finally:
        shutil.rmtree(copy, ignore_errors=True)


@pytest.mark.parametrize("engine", OTHERS)
def test_every_recording_rule_agrees_within_one_percent(reference, engine):
    """Each rule's expression, as an instant query at the same time, in `engine` and in the
    pinned Prometheus 3: the same series, values within 1%. VictoriaMetrics runs the rules
    generated for it (`rules.engine: victoriametrics`: counter ranges without the extra second)."""
    at, problems, compared = reference["at"], [], 0
    vm = engine.startswith("victoriametrics")
    theirs_doc = reference["vm_doc"] if vm else reference["doc"]
    theirs_expr = {r["record"]: r["expr"] for g in theirs_doc["groups"] for r in g["rules"]}
    with (_victoria if vm else _prometheus)(reference, engine) as other:
        for group in reference["doc"]["groups"]:
            for rule in group["rules"]:
                prom = _answer(reference["prometheus"].query(rule["expr"], at=at))
                them = _answer(other.query(theirs_expr[rule["record"]], at=at))
                if set(prom) != set(them):
                    problems.append(f"{rule['record']}: series {sorted(map(sorted, prom))} vs "
                                    f"{sorted(map(sorted, them))}")
                    continue
                for labels, value in prom.items():
                    theirs = them[labels]
                    same = (math.isnan(value) and math.isnan(theirs)) or \
                        abs(value - theirs) <= 0.01 * max(abs(value), abs(theirs)) + 1e-12
                    if not same:
                        problems.append(f"{rule['record']} {dict(labels)}: Prometheus 3 {value} vs {engine} {theirs}")
                compared += 1
    assert not problems, "\n".join(problems)
    assert compared == sum(len(g["rules"]) for g in reference["doc"]["groups"])
