"""`aethervision backtest` on a real Prometheus holding 45 days of history with known incidents.

The source Prometheus holds crm_payments_total at one sample a minute: a quiet
baseline (0.1% errors) and, in the 14 backtested days, a sharp outage (40% for
an hour), a slow burn (2.5% for four days), a blip (every request fails for two
minutes) and a quiet low-traffic night. The backtest copies that history into
its own TSDB, replays the generated rules and reports episodes. They are checked
against:
- episodes computed in this test from the counts (support/incidents.py), within
  one tile plus two samples: the long windows move a tile at a time and the
  rates see the counters one sample a minute;
- the foresight engine (`promtool test rules`, 5-minute evaluations of the same
  counts every 2 minutes) on the same counts, per class, within one of its
  evaluation intervals plus its sampling interval.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.backtest import rule_backfill
from aethervision.clients import promtool
from aethervision.runtime.procs import free_port
from bench.foresight import engine, policies, scenarios

from support import fleet_history, history_server
from support.incidents import DAY, MINUTE, Expected, Policy, counts, incidents, openmetrics
from support.repo import ROOT, SPEC

pytestmark = [pytest.mark.live, pytest.mark.slow]
# Two weeks hold the four incidents; the 31 days before them fill the 30-day window. Every
# day costs the replay and the foresight engine's promtool run alike.
HISTORY_DAYS, DAYS = 45, 14
TOLERANCE = 300 + 2 * MINUTE  # a tile, and a sample on either side


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("backtest-source")
    end = int(time.time()) // 3600 * 3600 - 2 * 3600
    start = end - HISTORY_DAYS * DAY
    offset = (HISTORY_DAYS - DAYS) * DAY
    requests, errors = counts(HISTORY_DAYS * 1440, offset)
    with history_server.serving(tmp, openmetrics(start, requests, errors), "prometheus-source") as client:
        yield {"url": client.url, "start": start, "end": end, "from": start + offset, "requests": requests,
               "errors": errors, "tmp": tmp}


def _backtest(source, spec: Path, *extra: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "aethervision", "backtest", "--spec", str(spec),
                           "--prometheus-url", source["url"], "--to", str(source["end"]), "--days", str(DAYS),
                           "--format", "json", *extra], capture_output=True, text=True, timeout=900,
                          cwd=spec.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def head(source):
    return _backtest(source, SPEC)


def _reported(doc: dict) -> list[dict]:
    (slo,) = doc["slos"]
    return slo["episodes"]


def _matches(expected: list[Expected], reported: list[dict], prefix: str) -> list[str]:
    problems, left = [], list(reported)
    for e in expected:
        hit = next((r for r in left if r["alert"] == prefix + e.alert and abs(r["start"] - e.start) <= TOLERANCE
                    and (r["end"] is None) == (e.end is None)
                    and (e.end is None or abs(r["end"] - e.end) <= TOLERANCE)), None)
        if hit is None:
            problems.append(f"expected {e} not reported")
        else:
            left.remove(hit)
    problems += [f"reported {r['alert']} {r['start']}..{r['end']} not expected" for r in left]
    return problems


def test_every_episode_is_one_the_counts_predict(source, head):
    spec = spec_mod.load(SPEC)
    policy = Policy(spec, source["start"], source["requests"], source["errors"])
    expected = policy.episodes(source["from"], source["end"], spec.rules.interval_seconds)
    kinds = {e.alert for e in expected}
    # the history is built to page, to ticket and to stay quiet through the blip and the quiet night
    assert {"ErrorBudgetFastBurn", "ErrorBudgetSlowBurn", "PredictedBreachSoon"} <= kinds
    assert _matches(expected, _reported(head["head"]), spec.slos[0].alert_prefix) == []
    blip, night = incidents((HISTORY_DAYS - DAYS) * DAY)[2:]
    for quiet in (blip, night):
        lo = source["start"] + quiet.start * MINUTE
        assert not [r for r in _reported(head["head"]) if lo <= r["start"] <= lo + quiet.minutes * MINUTE + 3600]


def test_counts_and_incident_figures(source, head):
    (slo,) = head["head"]["slos"]
    pages = [e for e in slo["episodes"] if e["class"] == "page"]
    assert slo["pages"] == len(pages) >= 1
    assert slo["tickets"] == len([e for e in slo["episodes"] if e["class"] == "ticket"])
    assert slo["paging_seconds"] == sum(e["end"] - e["start"] for e in pages)  # they do not overlap here
    weeks = DAYS / 7
    assert slo["pages_per_week"] == round(slo["pages"] / weeks, 3)
    spec = spec_mod.load(SPEC)
    for incident in slo["incidents"]:
        t = incident["start"]
        m = (t - source["start"]) // MINUTE
        window = spec.slos[0].window_seconds // MINUTE
        spent = sum(source["errors"][m - window:m]) / sum(source["requests"][m - window:m]) / 0.01
        assert incident["spent_at_first"] == pytest.approx(spent, abs=0.01), incident
        assert incident["exhausted"] is None  # the history never spends the whole budget
    # The runway forecast is scored at every fast evaluation of the range; with no exhaustion in it,
    # none is before one, and a forecast can only be a phantom.
    forecast = slo["forecast"]
    evaluations = (source["end"] - (source["end"] - DAYS * DAY)) // spec.rules.interval_seconds + 1
    assert forecast["before_exhaustion"] == 0
    assert abs(forecast["without_exhaustion"] - evaluations) <= 1
    assert 0 <= forecast["phantom"] <= forecast["without_exhaustion"]


def _runs(minutes: list[int], step: int) -> list[tuple[int, int]]:
    runs: list[list[int]] = []
    for m in sorted(minutes):
        if runs and m - runs[-1][1] <= step:
            runs[-1][1] = m
        else:
            runs.append([m, m])
    return [tuple(r) for r in runs]


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [tuple(r) for r in out]


def test_the_foresight_engine_sees_the_same_episodes(source, head, tmp_path):
    scenario = scenarios.Scenario("backtest", "the backtest's history", tuple(source["requests"]),
                                  tuple(source["errors"]), (scenarios.T0, scenarios.T0 + 1))
    assert scenarios.T0 * MINUTE == (HISTORY_DAYS - DAYS) * DAY + 0  # both start the comparison at day 31
    run = engine.run(scenario, [policies.aethervision(SPEC)], tmp_path)
    firing = run.firing["aethervision"]
    start = source["start"]
    for cls in ("page", "ticket"):
        theirs = [(start + a * MINUTE, start + (b + engine.STEP) * MINUTE)
                  for a, b in _runs([m for m, sev in firing.items() if cls in {policies.CLASS.get(s) for s in sev}],
                                    engine.STEP)]
        ours = _union([(e["start"], e["end"] or source["end"]) for e in _reported(head["head"]) if e["class"] == cls])
        tolerance = (engine.STEP + engine.SAMPLE) * MINUTE
        assert len(ours) == len(theirs), (cls, ours, theirs)
        for (a, b), (c, d) in zip(ours, theirs):
            assert abs(a - c) <= tolerance and abs(b - d) <= tolerance, (cls, (a, b), (c, d))


def test_a_threshold_change_against_a_base_ref(source, tmp_path):
    """Base: the slow ticket at 1x over 3d; head: 3x. The slow burn (2.5x) tickets only in base."""
    repo = tmp_path / "repo"
    repo.mkdir()
    data = yaml.safe_load(SPEC.read_text())
    (repo / "aethervision.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    for args in (["init", "-q"], ["add", "aethervision.yaml"], ["commit", "-q", "-m", "base"]):
        subprocess.run(git + args, cwd=repo, check=True, capture_output=True)
    data["runway"]["burn_alerts"]["ticket"][1]["factor"] = 3
    (repo / "aethervision.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    doc = _backtest(source, repo / "aethervision.yaml", "--base", "HEAD")
    specs = {"base": spec_mod.load(SPEC), "head": spec_mod.load(repo / "aethervision.yaml")}
    tickets, slow_burn = {}, {}
    for side, spec in specs.items():
        policy = Policy(spec, source["start"], source["requests"], source["errors"])
        expected = policy.episodes(source["from"], source["end"], spec.rules.interval_seconds)
        assert _matches(expected, _reported(doc[side]), spec.slos[0].alert_prefix) == [], side
        tickets[side] = sum(1 for e in expected if e.severity == "warning")
        slow_burn[side] = [e.start for e in expected if e.alert == "ErrorBudgetSlowBurn"]
    assert tickets["base"] > tickets["head"]
    line = doc["difference"]["payment_rate"]
    assert slow_burn["base"] and not slow_burn["head"]
    day = time.strftime("%d %b", time.gmtime(slow_burn["base"][0]))
    assert f"tickets {tickets['base']} -> {tickets['head']}" in line, line
    assert f"lost: {day}" in line and "(ticket)" in line, line
    assert "pages" in line and "new:" not in line, line


def test_a_missing_history_is_refused_naming_what_the_server_holds(source, tmp_path):
    done = subprocess.run([sys.executable, "-m", "aethervision", "backtest", "--spec", str(SPEC),
                           "--prometheus-url", source["url"], "--to", str(source["end"]), "--days", "90"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 1
    # the first sample is a minute after the start: the hour after it is the first the server is known to hold
    held = math.floor((source["end"] - source["start"] - 3600) / DAY * 10) / 10
    assert f"holds {held:g} days of history" in done.stderr and f"--days {held:g} or fewer" in done.stderr, \
        done.stderr


@pytest.fixture(scope="module")
def fleet_source(tmp_path_factory):
    """Four days of every SLI kind of examples/fleet.yaml, worse in the last three hours."""
    tmp = tmp_path_factory.mktemp("backtest-fleet")
    end = int(time.time()) // 3600 * 3600 - 3600
    text = fleet_history.openmetrics(fleet_history.history(end, days=4))
    with history_server.serving(tmp, text, "prometheus-fleet-source") as client:
        yield {"url": client.url, "end": end}


def test_every_sli_kind_and_group_is_backtested(fleet_source):
    """Ratio, grouped ratio, latency and probe SLOs each get a report, the grouped one per cluster;
    exactly the SLOs (and cluster) whose dip burns the budget over 14.4x page (burns from the rates)."""
    done = subprocess.run([sys.executable, "-m", "aethervision", "backtest", "--spec", "examples/fleet.yaml",
                           "--prometheus-url", fleet_source["url"], "--to", str(fleet_source["end"]), "--days", "2",
                           "--format", "json"], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    reports = {(s["slo"], tuple(sorted(s["group"].items()))): s for s in doc["head"]["slos"]}
    assert set(reports) == {("payment_rate", ()), ("agent_availability", (("cluster", "eu"),)),
                            ("agent_availability", (("cluster", "us"),)), ("invoice_success", ()),
                            ("api_latency", ()), ("checkout_probe", ())}
    burn = fleet_history.DIP_BURN
    for (slo, group), report in reports.items():
        key = f"{slo}/{dict(group)['cluster']}" if group else slo
        pages = [e for e in report["episodes"] if e["class"] == "page"]
        if burn[key] > 14.4:  # the fast page's 1h and 10m windows are all dip by the end
            assert pages and all(e["start"] >= fleet_source["end"] - fleet_history.DIP for e in pages), \
                (key, report["episodes"])
            assert all(dict(e["labels"]).get("cluster", "us") == "us" for e in pages)
        elif burn[key] < 6:  # under both page tiers' factors at any window
            assert not pages, (key, pages)


def test_an_sli_without_series_is_refused_naming_the_selector_and_slo(source, tmp_path):
    data = yaml.safe_load(SPEC.read_text())
    data["slos"][0]["sli"] = {"errors": 'nope_total{code="500"}', "total": "nope_total"}
    (tmp_path / "aethervision.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    done = subprocess.run([sys.executable, "-m", "aethervision", "backtest", "--spec", "aethervision.yaml",
                           "--prometheus-url", source["url"], "--to", str(source["end"])],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "no series for nope_total (SLO payment_rate)" in done.stderr, done.stderr


def test_an_unreachable_prometheus_is_a_network_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "aethervision", "backtest", "--spec", str(SPEC),
                           "--prometheus-url", f"http://127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 2 and "not reachable" in done.stderr, done.stderr


@pytest.mark.parametrize("lookback, seen_after_stop", [(None, True), (59, False)])
def test_a_recorded_series_that_stops_is_gone_within_a_minute_with_the_short_lookback(
        tmp_path, lookback, seen_after_stop):
    """Backfilled series have no staleness markers: with Prometheus's 5m lookback a stopped series is
    still read a minute later; with the backtest's lookback (just under its 60s copy) it is gone."""
    stop = int(time.time()) // 3600 * 3600 - 3600
    lines = [f'c_total{{job="x"}} {m * 60} {stop - 7200 + m * 60}' for m in range(121)]  # ends at `stop`
    (tmp_path / "h.om").write_text("\n".join(lines) + "\n# EOF\n")
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", str(tmp_path / "h.om"),
                       str(tmp_path / "data"), timeout=120)
    assert run.returncode == 0, run.stderr
    rule = {"record": "x:rate5m", "expr": "sum(rate(c_total[5m]))"}
    job = rule_backfill.Pass((rule,), stop - 3600, stop + 600, 30)
    rule_backfill.run([[job]], tmp_path / "data", tmp_path, lambda line: None, lookback=lookback)
    with rule_backfill.serving(tmp_path / "data", tmp_path, "prometheus-stale", lookback=lookback) as client:
        (raw,) = client.get("/api/v1/query", query="x:rate5m[2h]", time=str(stop + 600))["result"]
        last = int(max(float(t) for t, _ in raw["values"]))  # the last recorded sample
        assert stop < last <= stop + 300  # rate[5m] holds samples until 5m after the counter stops
        assert bool(client.query("x:rate5m", at=last + 60)) is seen_after_stop


@pytest.mark.parametrize("minutes, asked, words", [
    (30, [], "minutes of history for these SLIs"),
    (130, ["--days", "2"], "hours of history for these SLIs"),  # under 2.4h held: under a tenth of a day
])
def test_a_short_history_is_refused_with_a_range_that_fits(tmp_path, minutes, asked, words):
    """Not "ask for --days 0 or fewer" nor "needs at least one": the span the server holds, and
    a --from that fits when less than a tenth of a day is held."""
    end = int(time.time()) // 60 * 60 - 120
    start = end - minutes * MINUTE
    (tmp_path / "history.om").write_text(openmetrics(start, [600] * minutes, [1] * minutes))
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", str(tmp_path / "history.om"),
                       str(tmp_path / "data"), timeout=300)
    assert run.returncode == 0, run.stderr
    with rule_backfill.serving(tmp_path / "data", tmp_path, "prometheus-short") as client:
        done = subprocess.run([sys.executable, "-m", "aethervision", "backtest", "--spec", str(SPEC),
                               "--prometheus-url", client.url, *asked],
                              capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 1, done.stderr
    assert words in done.stderr, done.stderr
    assert "--days 0 or fewer" not in done.stderr and "at least one" not in done.stderr
    if minutes < 60:
        assert "a backtest needs at least an hour of it" in done.stderr
    else:
        assert "ask for --from " in done.stderr and "or later" in done.stderr


def test_a_history_that_starts_inside_the_range_reports_no_no_data_at_its_start(tmp_path):
    """Three healthy hours: the default range shrinks to them, and the SLI's first minutes (no
    10m rate yet) are not reported as an SLINoData episode."""
    end = int(time.time()) // 60 * 60 - 120
    minutes = 180
    (tmp_path / "history.om").write_text(openmetrics(end - minutes * MINUTE, [600] * minutes, [0] * minutes))
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", str(tmp_path / "history.om"),
                       str(tmp_path / "data"), timeout=300)
    assert run.returncode == 0, run.stderr
    with rule_backfill.serving(tmp_path / "data", tmp_path, "prometheus-start") as client:
        done = subprocess.run([sys.executable, "-m", "aethervision", "backtest", "--spec", str(SPEC),
                               "--prometheus-url", client.url, "--format", "json"],
                              capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    alerts = [e["alert"] for slo in doc["head"]["slos"] for e in slo["episodes"]]
    assert not [a for a in alerts if a.endswith("SLINoData")], alerts
    assert "inside the range" in doc["head"]["facts"]["history_note"]
