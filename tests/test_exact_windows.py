"""Long windows exact at every evaluation (rules/exact.py), on a real Prometheus: 31 days of
payments at 20 a second and 0.2% errors with a one-hour outage at 30% that starts between two
tiles. The generated rules and the real `sloth generate` output for the same SLO are recorded
over that history the way a live Prometheus evaluates them (each group at its interval, as range
queries; rule_backfill), and every 30 s evaluation from before the outage to after it is
compared with the exact ratio computed here from the counters' samples: errors over requests
between the last sample at or before t - W and the last at or before t."""

from __future__ import annotations

import bisect

import pytest

from aethervision import spec as spec_mod
from aethervision.backtest import replay, rule_backfill
from aethervision.clients import sloth
from aethervision.core import durations
from aethervision.promql import queries as q
from aethervision.rules import files as rule_files

from support.repo import REPO_SPEC, ROOT

pytestmark = [pytest.mark.live, pytest.mark.slow]
MINUTE, HOUR, DAY = 60, 3600, 86400
START = 1_790_000_000 - 1_790_000_000 % DAY
END = START + 31 * DAY + 6 * HOUR
OUTAGE = (END - 4 * HOUR + 130, END - 3 * HOUR + 130)  # 130 s: between two 5-minute tiles
CHECK = (OUTAGE[0] - 10 * MINUTE, OUTAGE[1] + 30 * MINUTE)
RPS, HEALTHY, BROKEN = 20, 0.002, 0.30
WINDOWS = ("6h", "1d", "3d", "30d")
STEP = 30


def ratio(t: int) -> float:
    return BROKEN if OUTAGE[0] < t <= OUTAGE[1] else HEALTHY


def samples() -> tuple[list[int], list[float], list[float]]:
    """Times and the two counters (failed, all) every minute; a minute's errors at its end's ratio."""
    times, bad, every = [START], [0.0], [0.0]
    for t in range(START + MINUTE, END + 1, MINUTE):
        times.append(t)
        bad.append(bad[-1] + RPS * MINUTE * ratio(t))
        every.append(every[-1] + RPS * MINUTE)
    return times, bad, every


def exact(times, bad, every, t: int, window: int) -> tuple[float, float]:
    """(errors, requests) between the last samples at or before t - window and t."""
    now, then = bisect.bisect_right(times, t) - 1, bisect.bisect_right(times, t - window) - 1
    return bad[now] - bad[then], every[now] - every[then]


def openmetrics(times, bad, every) -> str:
    lines = [f'crm_payments_total{{status="failed"}} {b:.1f} {t}' for t, b in zip(times, bad)]
    lines += [f'crm_payments_total{{status="success"}} {a - b:.1f} {t}' for t, a, b in zip(times, every, bad)]
    return "\n".join(lines) + "\n# EOF\n"


def sloth_rules() -> list[dict]:
    generated = sloth.generate((ROOT / "tests/fixtures/compare/payments-sloth.yml").read_text())
    groups = [{**g, "interval": "30s", "rules": [r for r in g["rules"] if "record" in r]} for g in generated["groups"]]
    return [g for g in groups if g["rules"]]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("exact-windows")
    spec = spec_mod.load(REPO_SPEC)
    slo = spec.slos[0]
    times, bad, every = samples()
    (tmp / "data").mkdir()
    (tmp / "history.om").write_text(openmetrics(times, bad, every))
    rule_backfill.import_file(tmp / "history.om", tmp / "data", tmp / "blocks")
    recording, _ = rule_files.slo_groups(spec, (slo.name,))
    ours = [q.errors_rate(slo, w) for w in WINDOWS] + [q.error_ratio(slo, "6h"), q.window_error_ratio(slo)]
    theirs = [f'slo:sli_error:ratio_rate{w}{{sloth_slo="requests-availability"}}' for w in WINDOWS]
    groups = [*recording, *sloth_rules()]
    rules = replay.Rules("exact", tuple(groups), (), {})
    passes = replay.passes(rules, START, CHECK[0], CHECK[1], extra=(*ours, *theirs))
    rule_backfill.run(passes, tmp / "data", tmp / "work", lambda _: None)
    got = {}
    with rule_backfill.serving(tmp / "data", tmp / "serve", "prometheus-exact") as client:
        for expr in ours + theirs:
            answer = client.query_range(expr, CHECK[0], CHECK[1], STEP)
            got[expr] = {int(t): v for _, values in answer for t, v in values}
    yield slo, (times, bad, every), got


def _worst(got: dict[int, float], want) -> tuple[float, int, int]:
    """(largest relative error, at which time, evaluations compared)."""
    errors = [(abs(v / want(t) - 1), t) for t, v in got.items()]
    worst = max(errors)
    return worst[0], worst[1], len(errors)


@pytest.mark.parametrize("window", WINDOWS)
def test_errors_over_each_long_window_are_exact_at_every_evaluation(recorded, window):
    slo, history, got = recorded
    seconds = durations.parse(window)
    series = got[q.errors_rate(slo, window)]
    assert len(series) == (CHECK[1] - CHECK[0]) // STEP + 1  # no evaluation missing
    worst, at, n = _worst(series, lambda t: exact(*history, t, seconds)[0] / seconds)
    assert worst <= 0.005, f"{window}: {worst:.3%} off the exact errors at {at - OUTAGE[0]}s into the outage ({n})"


@pytest.mark.parametrize("window", ["6h", "30d"])
def test_error_ratio_is_exact_at_every_evaluation_and_sloth_is_not(recorded, window):
    slo, history, got = recorded
    seconds = durations.parse(window)
    name = q.error_ratio(slo, "6h") if window == "6h" else q.window_error_ratio(slo)

    def want(t):
        errors, requests = exact(*history, t, seconds)
        return errors / requests

    worst, at, _ = _worst(got[name], want)
    assert worst <= 0.005, f"{window}: {worst:.3%} off the exact ratio at {at - OUTAGE[0]}s into the outage"
    theirs, _, _ = _worst(got[f'slo:sli_error:ratio_rate{window}{{sloth_slo="requests-availability"}}'], want)
    print(f"{window}: AetherVision {worst:.3%}, Sloth {theirs:.3%} off the exact ratio at worst")
    assert theirs > worst
