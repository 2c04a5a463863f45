"""`aethervision compare`: Sloth's alerts (from the real `sloth generate`) and the imported
spec's, replayed over one real Prometheus's history with known incidents.

The source holds crm_payments_total at one sample a minute for 36 days: 0.1% errors,
and in the 4 compared days a sharp outage (40% for an hour) and a slow burn (2.5% for
40 hours). Expected alerts are computed here from the per-minute counts:
- Sloth's, from its documented multiwindow conditions (sloth.dev, "Alerts"): page when
  the 1h and 5m error ratios exceed 14.4 x the budget or the 6h and 30m exceed 6 x;
  ticket when the 1d and 2h exceed 3 x or the 3d and 6h exceed 1 x; no `for`;
- AetherVision's, from the default policy's documented conditions (support/incidents.py).
Both within a few minutes: windows here are exact minute sums, the rules' read rates
at one sample a minute (and ours move a tile at a time).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from itertools import accumulate

import pytest

from aethervision import spec as spec_mod
from aethervision.backtest import peer

from support import history_server
from support.incidents import DAY, MINUTE, Policy, openmetrics
from support.repo import ROOT

pytestmark = [pytest.mark.live, pytest.mark.slow]
FIXTURES = ROOT / "tests" / "fixtures" / "compare"
HISTORY_DAYS, DAYS = 36, 4
RPM = 1000
SLOTH_TOLERANCE = 3 * MINUTE
OURS_TOLERANCE = 300 + 2 * MINUTE  # a tile, and a sample on either side (as test_backtest)
SLOTH_TIERS = {"page": [("5m", "1h", 14.4), ("30m", "6h", 6)], "ticket": [("2h", "1d", 3), ("6h", "3d", 1)]}


def _counts() -> tuple[list[int], list[int], int]:
    minutes = HISTORY_DAYS * 1440
    start = (HISTORY_DAYS - DAYS) * 1440  # the compared range's first minute
    requests, errors = [RPM] * minutes, [1] * minutes
    for first, length, share in ((start + 720, 60, 0.40), (start + 36 * 60, 40 * 60, 0.025)):
        for m in range(first, first + length):
            errors[m] = round(RPM * share)
    return requests, errors, start


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare-source")
    end = int(time.time()) // 3600 * 3600 - 2 * 3600
    start = end - HISTORY_DAYS * DAY
    requests, errors, offset = _counts()
    with history_server.serving(tmp, openmetrics(start, requests, errors), "prometheus-compare-source") as client:
        yield {"url": client.url, "start": start, "end": end, "from": start + offset * MINUTE,
               "requests": requests, "errors": errors, "tmp": tmp}


@pytest.fixture(scope="module")
def report(source):
    done = subprocess.run([sys.executable, "-m", "aethervision", "compare", str(FIXTURES / "payments-sloth.yml"),
                           "--prometheus-url", source["url"], "--to", str(source["end"]), "--days", str(DAYS),
                           "--format", "json"], capture_output=True, text=True, timeout=1200, cwd=source["tmp"])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _sloth_expected(source) -> list[tuple[str, int, int | None]]:
    """(class, start, end) of Sloth's alerts at every minute of the range, from the counts."""
    req, err = [0, *accumulate(source["requests"])], [0, *accumulate(source["errors"])]
    budget = 0.01

    def ratio(t: int, window: str) -> float:
        m, w = (t - source["start"]) // MINUTE, {"5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360,
                                                  "1d": 1440, "3d": 4320}[window]
        return (err[m] - err[m - w]) / (req[m] - req[m - w])

    found, firing = [], {}
    for t in range(source["from"], source["end"] + 1, MINUTE):
        for cls, tiers in SLOTH_TIERS.items():
            holds = any(ratio(t, short) > f * budget and ratio(t, long) > f * budget for short, long, f in tiers)
            if holds and cls not in firing:
                firing[cls] = t
            elif not holds and cls in firing:
                found.append((cls, firing.pop(cls), t))
    found += [(cls, t, None) for cls, t in firing.items()]
    return sorted(found, key=lambda x: x[1])


def _close(a: int | None, b: int | None, tolerance: int) -> bool:
    return (a is None) == (b is None) and (a is None or abs(a - b) <= tolerance)


def _classes(episodes: list[dict]) -> list[tuple[str, int, int | None]]:
    """Episodes as (class, start, end), overlapping ones of a class (several tiers) joined."""
    out: list[list] = []
    for e in sorted(episodes, key=lambda e: e["start"]):
        cls = "page" if e["severity"] in ("page", "critical") else "ticket"
        same = [x for x in out if x[0] == cls and (x[2] is None or e["start"] <= x[2])]
        if same:
            same[-1][2] = None if e["end"] is None or same[-1][2] is None else max(same[-1][2], e["end"])
        else:
            out.append([cls, e["start"], e["end"]])
    return [tuple(x) for x in out]


def test_sloth_s_alerts_are_the_ones_its_documented_conditions_predict(source, report):
    (slo,) = report["slos"]
    expected = _sloth_expected(source)
    assert {cls for cls, _, _ in expected} == {"page", "ticket"}  # the history is built to page and to ticket
    reported = _classes(slo["episodes"]["peer"])
    assert len(reported) == len(expected), (reported, expected)
    for (cls, start, end), (got_cls, got_start, got_end) in zip(expected, reported):
        assert got_cls == cls and _close(got_start, start, SLOTH_TOLERANCE) and _close(got_end, end, SLOTH_TOLERANCE), \
            ((cls, start, end), (got_cls, got_start, got_end))
    assert slo["peer"]["pages"] == sum(1 for e in slo["episodes"]["peer"] if e["severity"] == "page")


def test_the_imported_spec_s_alerts_are_the_ones_the_policy_predicts(source, report):
    imported = spec_mod.parse(subprocess.run(
        [sys.executable, "-m", "aethervision", "import", str(FIXTURES / "payments-sloth.yml")],
        capture_output=True, text=True, check=True).stdout, "imported")
    policy = Policy(imported, source["start"], source["requests"], source["errors"])
    expected = policy.episodes(source["from"], source["end"], imported.rules.interval_seconds)
    (slo,) = report["slos"]
    reported = list(slo["episodes"]["ours"])
    prefix = imported.slos[0].alert_prefix
    for e in expected:
        hit = next((r for r in reported if r["alert"] == prefix + e.alert
                    and _close(r["start"], e.start, OURS_TOLERANCE) and _close(r["end"], e.end, OURS_TOLERANCE)), None)
        assert hit is not None, (e, reported)
        reported.remove(hit)
    assert reported == []


def test_incidents_budget_and_the_line_agree_with_the_episodes(source, report):
    (slo,) = report["slos"]
    pairs = slo["incidents"]
    caught_peer, caught_ours = sum(1 for p in pairs if p["peer"]), sum(1 for p in pairs if p["ours"])
    assert len(pairs) == 2 and caught_peer == 2 and caught_ours == 2  # the outage and the slow burn, both
    window = 30 * 1440
    for pair in pairs:
        for side in ("peer", "ours"):
            t = pair[side]["start"]
            m = (t - source["start"]) // MINUTE
            spent = sum(source["errors"][m - window:m]) / sum(source["requests"][m - window:m]) / 0.01
            assert pair[side]["spent_at_first"] == pytest.approx(spent, abs=0.01), pair
    shifts = sorted(p["ours"]["start"] - p["peer"]["start"] for p in pairs)
    assert slo["first_notification_shift_seconds"] == sum(shifts) / 2
    line = slo["line"]
    assert line.startswith(f"requests_availability: Sloth {slo['peer']['pages']} page")
    assert f"/ AetherVision {slo['ours']['pages']} page" in line and "incidents caught 2/2 both" in line
    share = slo["cost"]["ours"] / slo["cost"]["peer"]
    assert 0 < share < 0.5 and slo["cost"]["share"] == round(share, 4)
    assert f"cost {share:.1%} of Sloth's" in line


def test_a_pyrra_rule_file_is_read_with_its_classes_intervals_and_inputs():
    rules = peer.load(FIXTURES / "pyrra-rules.yml")
    assert rules.tool == "Pyrra"
    assert [g["interval"] for g in rules.recording] == ["2m30s", "1m"]
    assert [g["rules"][0]["labels"]["severity"] for g in rules.alerting] == ["critical"]
    assert sorted(i.selector for i in peer.inputs(rules)) == [
        "crm_payments_total", 'crm_payments_total{status="failed"}']
    assert peer.slo_of({"slo": "payments"}, {"payments"}) == "payments"
    assert peer.slo_of({"sloth_slo": "requests-availability", "sloth_service": "x"},
                       {"requests_availability"}) == "requests_availability"
    assert peer.slo_of({"slo": "other"}, {"payments"}) is None


@pytest.mark.parametrize("text, words", [
    ("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: a}\nspec: {}\n",
     ["document 1", "Pyrra object", "403"]),
    ("groups:\n- name: g\n  rules:\n  - record: a\n    expr: b\n", ["no alerting rules"]),
    ("just: text\n", ["document 1", "neither a Prometheus rule file"]),
    ("groups: [\n", ["not YAML"]),
])
def test_a_peer_file_compare_cannot_use_is_refused_naming_it(tmp_path, text, words):
    path = tmp_path / "peer.yml"
    path.write_text(text)
    done = subprocess.run([sys.executable, "-m", "aethervision", "compare", str(path),
                           "--prometheus-url", "http://127.0.0.1:9"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert str(path) in done.stderr and all(w in done.stderr for w in words), done.stderr
    assert path.read_text() == text  # left as it was
