"""Scenario tests in the real `promtool test rules` against the generated rules.

Expected runway figures come from tests/support/scenarios.py, computed from
the scenario's counter increments (not from the rules). Tolerance: 1% relative
(promtool_run.TOLERANCE) for runway, budget and burn; exact for 0 and the cap.
"""

from __future__ import annotations

import pytest

from conftest import generated_rule_files
from support import promtool_run as pr
from support.scenarios import DAY, HOUR, MINUTE, Segment, expected, input_series

T0 = 31 * DAY  # end of the healthy history: the 30-day window is full
HEALTHY = Segment(T0, 10, 0.001)  # 0.1% errors: burn 0.1
SLO_LABELS = {"severity": "", "slo": "payment_rate", "service": "crm", "component": "slo"}
SOON, CRITICAL = "PaymentRatePredictedBreachSoon", "PaymentRatePredictedBreachCritical"
CAP = 8760.0


def s(name: str) -> str:
    return f"slo:payment_rate:{name}"


def labels(severity: str) -> dict:
    return dict(SLO_LABELS, severity=severity)


def runway_values(segments, at) -> list[tuple[str, int, float]]:
    """Runway (1h, 6h, conservative, days), budget remaining and 1h burn at `at`."""
    e = expected(segments, at)
    return [
        (s("hours_to_breach_1h"), at, e["hours_1h"]),
        (s("hours_to_breach_6h"), at, e["hours_6h"]),
        (s("hours_to_breach"), at, e["hours"]),
        (s("days_to_breach"), at, e["hours"] / 24),
        (s("error_budget_remaining:ratio"), at, e["ebr"]),
    ] + ([(s("burn_rate:rate1h"), at, e["burn_1h"])] if e["burn_1h"] else [])


def first_below(segments, start, end, hours) -> int:
    """First 10-minute evaluation at which the conservative runway is under `hours`."""
    for at in range(start, end, 10 * MINUTE):
        if expected(segments, at)["hours"] < hours:
            return at
    raise AssertionError("scenario never crosses the threshold")


def build_cases() -> list[pr.Case]:
    cases = []
    healthy = [HEALTHY]
    cases.append(pr.Case("healthy", input_series(healthy), values=runway_values(healthy, T0),
                         silent=[T0 - 12 * HOUR, T0]))

    # Sustained dip at burn 30: under 24h of runway, never under 6h within 3h.
    dip = [HEALTHY, Segment(3 * HOUR, 10, 0.3)]
    start = first_below(dip, T0, T0 + 3 * HOUR, 24)
    cases.append(pr.Case(
        "dip", input_series(dip),
        values=runway_values(dip, T0 + 2 * HOUR),
        silent=[T0 + 20 * MINUTE, start + 10 * MINUTE],  # `for: 15m` not yet elapsed
        firing=[(SOON, start + 20 * MINUTE, labels("warning")), (SOON, T0 + 3 * HOUR, labels("warning"))],
        alerts=[{"eval_time": f"{T0 + 2 * HOUR}s", "alertname": CRITICAL, "exp_alerts": []}],
    ))

    # Severe: most of the budget already spent (burn 0.8 for 30 days), then 50% errors.
    severe = [Segment(T0, 10, 0.008), Segment(2 * HOUR, 10, 0.5)]
    cases.append(pr.Case(
        "severe", input_series(severe), values=runway_values(severe, T0 + 90 * MINUTE),
        firing=[(CRITICAL, T0 + 90 * MINUTE, labels("critical")),
                (SOON, T0 + 90 * MINUTE, labels("warning"))],
    ))

    # Recovery: 2h dip at burn 30, then healthy again; alerts resolve.
    recovery = [HEALTHY, Segment(2 * HOUR, 10, 0.3), Segment(6 * HOUR, 10, 0.001)]
    cases.append(pr.Case(
        "recovery", input_series(recovery), values=runway_values(recovery, T0 + 4 * HOUR),
        firing=[(SOON, T0 + 2 * HOUR, labels("warning"))], silent=[T0 + 4 * HOUR, T0 + 8 * HOUR],
    ))

    # Budget exhausted: 1.5% errors for 31 days. Runway 0, both alerts, full annotations.
    exhausted = [Segment(T0, 10, 0.015)]
    annotations = {
        "summary": "Payment success rate: SLO error budget runs out in ~0.0 hours",
        "description": "Runway ~0.0 hours (threshold 6h): the 30d error budget of payment_rate "
                       "(objective 0.99) will be exhausted soon at the current burn; 0% of it is left.",
        "actions": "Declare an incident and page the on-call SRE; roll back the last deployment; "
                   "throttle risky flows (disable non-essential background jobs); consider enabling "
                   "autoheal; track recovery with `make show-breach` every 5 minutes.",
        "dashboard": "http://localhost:3000/d/aethervision/aethervision",
        "runbook_url": "https://runbooks.example.com/aethervision/payment-rate",
    }
    cases.append(pr.Case(
        "exhausted", input_series(exhausted),
        values=[(s("hours_to_breach"), T0, 0.0), (s("days_to_breach"), T0, 0.0),
                (s("error_budget_remaining:ratio"), T0, 0.0)],
        firing=[(SOON, T0, labels("warning"))],
        alerts=[{"eval_time": f"{T0}s", "alertname": CRITICAL, "exp_alerts": [
            {"exp_labels": labels("critical"), "exp_annotations": annotations}]}],
    ))

    # Exhausted earlier, no errors now: runway stays 0, not "no burn".
    spent = [Segment(10 * DAY, 10, 0.04), Segment(T0 - 10 * DAY, 10, 0.0)]
    cases.append(pr.Case("exhausted_no_burn", input_series(spent),
                         values=[(s("hours_to_breach_1h"), T0, 0.0), (s("hours_to_breach"), T0, 0.0)]))

    # Zero traffic: counters never move. No runway, no burn, no NaN, no alert.
    idle = [Segment(T0, 0, 0.0)]
    cases.append(pr.Case(
        "zero_traffic", input_series(idle),
        empty=[(s(n), T0) for n in ("error_ratio:rate1h", "burn_rate:rate1h", "error_budget_remaining:ratio",
                                    "hours_to_breach", "days_to_breach")] + [("aethervision:days_to_breach", T0)],
        silent=[T0],
    ))

    # Traffic stopped 3h ago: the 1h window sees no traffic, so "no burn" (the cap).
    stopped = [HEALTHY, Segment(3 * HOUR, 0, 0.0)]
    cases.append(pr.Case("traffic_stopped", input_series(stopped),
                         values=[(s("hours_to_breach_1h"), T0 + 3 * HOUR, CAP)],
                         empty=[(s("burn_rate:rate1h"), T0 + 3 * HOUR)], silent=[T0 + 3 * HOUR]))

    # No errors ever: the failed counter does not exist. Burn 0, runway = cap.
    clean = [Segment(T0, 10, 0.0)]
    cases.append(pr.Case(
        "no_errors", input_series(clean, with_failed=False),
        values=[(s("burn_rate:rate1h"), T0, 0.0), (s("error_budget_remaining:ratio"), T0, 1.0),
                (s("hours_to_breach"), T0, CAP), (s("days_to_breach"), T0, CAP / 24),
                ("aethervision:days_to_breach", T0, CAP / 24)],
        silent=[T0],
    ))

    # Fresh Prometheus: 2 days of data at burn 2. Over the data seen, 2% errors
    # would mean the budget is gone (runway 0, page); counted against the full
    # 30-day window it is 87% left, ~312h of runway, no page.
    fresh = [Segment(2 * DAY, 10, 0.02)]
    cases.append(pr.Case("partial_window", input_series(fresh),
                         values=runway_values(fresh, 2 * DAY), silent=[DAY, 2 * DAY]))
    return cases


CASES = {case.name: case for case in build_cases()}


@pytest.fixture(scope="module")
def rule_files(tmp_path_factory):
    return generated_rule_files(tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="module")
def results(rule_files, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("promtool")
    return workdir, pr.run(list(CASES.values()), rule_files, workdir)


@pytest.mark.parametrize("name", sorted(CASES))
def test_scenario(name, results, rule_files):
    workdir, done = results
    result = done[name]
    if result.returncode != 0:
        pytest.fail(pr.explain(CASES[name], rule_files, workdir, result))


def test_the_scenarios_expect_what_their_names_say():
    """Guard the independent model itself: the figures the cases rely on."""
    healthy = expected([HEALTHY], T0)
    assert healthy["ebr"] == pytest.approx(0.9) and healthy["hours"] == pytest.approx(6480)
    dip = expected([HEALTHY, Segment(3 * HOUR, 10, 0.3)], T0 + 2 * HOUR)
    assert 6 < dip["hours"] < 24
    severe = expected([Segment(T0, 10, 0.008), Segment(2 * HOUR, 10, 0.5)], T0 + 90 * MINUTE)
    assert severe["hours"] < 6
    fresh = expected([Segment(2 * DAY, 10, 0.02)], 2 * DAY)
    assert fresh["ebr"] == pytest.approx(1 - 2 * 2 / 30) and fresh["hours"] > 24
