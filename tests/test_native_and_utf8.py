"""What Prometheus 3 brings, in the real promtool: the `le` spelling change of the upgrade,
native histograms, and OpenTelemetry (UTF-8) metric names.

Expected burns are computed here from the per-minute increments the input series are
written from, not from the rules. Every series is sampled once a minute and the rules
run every minute, so windows hold whole minutes of increments.
"""

from __future__ import annotations

import pytest
import yaml

from aethervision.clients import servers

from support import promtool_run as pr
from support.repo import generated_rule_files

pytestmark = [pytest.mark.promtool, pytest.mark.slow]
MINUTE = 60
OBJECTIVE = 0.999
SWITCH = 1500  # minute of the Prometheus 3 upgrade: no sample for two minutes, then `le="1.0"`
GAP = 2
END = SWITCH + 60


def _spec(tmp_path, slo: dict) -> list:
    folder = tmp_path / slo["name"]
    folder.mkdir()
    path = folder / "aethervision.yaml"
    slo = {"service": "api", "objective": OBJECTIVE, "window": "7d", **slo}
    path.write_text(yaml.safe_dump({"version": "aethervision/v1", "slos": [slo]}, sort_keys=False))
    return generated_rule_files(folder, path)


def counter(per_minute: float, minutes: range, missing: range = range(0)) -> str:
    """promtool values of a counter growing `per_minute`, sampled each minute in `minutes`
    (`_` before them and in `missing`); its value at minute m is m * per_minute."""
    tokens = []
    for m in range(minutes.stop):
        tokens.append("_" if m not in minutes or m in missing else repr(round(m * per_minute, 6)))
    return " ".join(tokens)


def burn(slow_per_minute: float, all_per_minute: float) -> float:
    return slow_per_minute / all_per_minute / (1 - OBJECTIVE)


def _labels(name: str) -> str:
    return f'component="slo", service="api", slo="{name}"'


def le_switch_case() -> pr.Case:
    """600 requests a minute, 0.3 slower than 1s (burn 0.5). At SWITCH Prometheus 3 takes over:
    two minutes without samples, then the bucket reads `le="1.0"`; `_count` goes on."""
    total, good = 600.0, 599.7
    every = range(END + 1)
    series = [
        {"series": 'api_request_duration_seconds_count{job="api"}',
         "values": counter(total, every, range(SWITCH + 1, SWITCH + 1 + GAP))},
        {"series": 'api_request_duration_seconds_bucket{job="api", le="1"}',
         "values": counter(good, range(SWITCH + 1))},
        {"series": 'api_request_duration_seconds_bucket{job="api", le="1.0"}',
         "values": counter(good, range(SWITCH + 1 + GAP, END + 1))},
    ]
    expected = burn(total - good, total)
    at = (SWITCH + 30) * MINUTE
    name = "le_switch"
    values = [(f"slo:{name}:burn_rate:{w}", at, expected) for w in ("rate10m", "rate1h", "rate6h")]
    values += [(f"slo:{name}:burn_rate:rate10m", (SWITCH + 5) * MINUTE, expected)]
    # The scenario is sharp: plain rate() of the two bucket series (the rules before this
    # fix) reads the gap's requests as slow, a 1h burn above 10, enough to page.
    naive = ('(sum(rate(api_request_duration_seconds_count[1h])) - sum(rate(api_request_duration_seconds_bucket'
             '{le=~"1|1\\\\.0"}[1h]))) / sum(rate(api_request_duration_seconds_count[1h])) / 0.001 > bool 10')
    return pr.Case(name, series, values=values, labels=_labels(name), interval="1m", series_interval="1m",
                   silent=[m * MINUTE for m in range(SWITCH, END + 1, 5)],
                   exprs=[{"expr": naive, "eval_time": f"{at}s", "exp_samples": [{"labels": "{}", "value": 1}]}])


def native_case() -> pr.Case:
    """A native histogram (schema 0: buckets (0.125, 0.25], (0.25, 0.5], (0.5, 1]) with 2000
    requests a minute: 1 slower than 0.25 s (burn 0.5), then 20 for the last 30 minutes (burn 10)."""
    def h(count: int, slow: int) -> str:
        return (f"{{{{schema:0 sum:{count // 4} count:{count} offset:-2 "
                f"buckets:[{count - slow} {slow} 0]}}}}")
    calm, dip = SWITCH - 30, 30
    values = f"{h(0, 0)}+{h(2000, 1)}x{calm} {h(2000 * (calm + 1), calm + 20)}+{h(2000, 20)}x{dip - 1}"
    series = [{"series": '{"http.server.request.duration", job="api"}', "values": values}]
    name = "native_latency"
    at = SWITCH * MINUTE
    vals = [(f"slo:{name}:burn_rate:rate10m", at, burn(20, 2000)),
            (f"slo:{name}:burn_rate:rate1h", at, burn(30 * 20 + 30 * 1, 60 * 2000)),
            (f"slo:{name}:burn_rate:rate10m", (calm - 5) * MINUTE, burn(1, 2000))]
    return pr.Case(name, series, values=vals, labels=_labels(name), interval="1m", series_interval="1m")


def utf8_case() -> pr.Case:
    """OpenTelemetry names: 1000 requests a minute on `http.server.requests`, 5 failing (burn 5)."""
    every = range(SWITCH + 1)
    series = [{"series": '{"http.server.requests", "http.route"="/pay", code="200"}', "values": counter(995, every)},
              {"series": '{"http.server.requests", "http.route"="/pay", code="500"}', "values": counter(5, every)}]
    name = "otel_ratio"
    at = SWITCH * MINUTE
    return pr.Case(name, series, labels=_labels(name), interval="1m", series_interval="1m",
                   values=[(f"slo:{name}:burn_rate:{w}", at, burn(5, 1000)) for w in ("rate10m", "rate1h", "rate6h")])


SLOS = {
    "le_switch": ({"name": "le_switch", "sli": {"latency": {"histogram": "api_request_duration_seconds",
                                                            "selector": '{job="api"}', "below": 1}}},
                  le_switch_case, pr.ENGINES),
    "native_latency": ({"name": "native_latency", "sli": {"latency": {
        "native_histogram": "http.server.request.duration", "selector": '{job="api"}', "below": 0.25}}},
        native_case, ("prometheus-3",)),
    "otel_ratio": ({"name": "otel_ratio", "sli": {"errors": '{"http.server.requests", code=~"5.."}',
                                                  "total": '{"http.server.requests"}'}},
                   utf8_case, ("prometheus-3",)),
}
CASES = [(name, engine) for name, (_, _, engines) in SLOS.items() for engine in engines]


@pytest.mark.parametrize("name, engine", CASES, ids=[f"{e}-{n}" for n, e in CASES])
def test_scenario(name, engine, tmp_path):
    slo, build, _ = SLOS[name]
    binary = pr.engine_promtool(engine)
    files = _spec(tmp_path, slo)
    case = build()
    result = pr.run([case], files, tmp_path, binary)[case.name]
    if result.returncode != 0:
        pytest.fail(pr.explain(case, files, tmp_path, result, binary))


def test_prometheus_2_refuses_what_it_cannot_read(cli, tmp_path, monkeypatch):
    """Native histograms and UTF-8 names on Prometheus 2's promtool: refused by spec field."""
    old = servers.locate("promtool", "prometheus-2")
    if old is None:
        pytest.fail("Debian's promtool 2.42 is missing: `make promtool` installs it")
    monkeypatch.setenv("PROMTOOL", old)
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump({"version": "aethervision/v1", "slos": [
        {"service": "api", "objective": OBJECTIVE, "window": "7d", **slo} for slo, _, _ in SLOS.values()]}))
    result = cli("build", "--spec", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{path}: slos[1].sli.latency.native_histogram: 'http.server.request.duration': native histograms " \
           "need Prometheus 3, and promtool 2.42.0" in result.stderr
    assert f"{path}: slos[2].sli.errors: 'http.server.requests': UTF-8 metric names need Prometheus 3" in result.stderr
    assert "slos[0]" not in result.stderr  # a classic histogram with a legacy name is fine on 2.42
    assert not (tmp_path / "out").exists()
