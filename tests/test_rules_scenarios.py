"""Scenario tests in the real `promtool test rules` against the generated rules.

Expected runway figures come from tests/support/scenarios.py, computed from
the scenario's counter increments (not from the rules). Tolerance: 1% relative
(promtool_run.TOLERANCE) for runway, budget and burn; exact for 0 and the cap.
`build_cases` run the seed policy (the original alerts, as the seed wrote
them); `aethervision_cases` run the default policy from the repository spec.
Cases about the full 30-day window (a steady budget, old errors leaving it) run 31
days; those about a spent budget 7 (T2), the others 4 (T1): promtool evaluates every
rule from time 0, so a case costs its length.
docs/foresight.md compares the two at scale (bench/foresight).
"""

from __future__ import annotations

import pytest
import yaml

from support import promtool_run as pr
from support.repo import SPEC, generated_rule_files
from support.scenarios import DAY, HOUR, MINUTE, Segment, expected, input_series, trend_hours

T0 = 31 * DAY  # end of the healthy history: the 30-day window is full
HEALTHY = Segment(T0, 10, 0.001)  # 0.1% errors: burn 0.1
# Cases about the short windows start after 4 days, not 31: promtool evaluates every rule
# from time 0, so a case costs its length. 4 days of data (coverage 4/30) is past the
# longest alert window (3d), so every burn reads its steady-state form; the model counts
# the budget against the coverage as the rules do (the partial_window case checks that).
T1 = 4 * DAY
WARM = Segment(T1, 10, 0.001)
# Cases about a spent budget spend it in a week (coverage 7/30), at a burn the alerts tell apart.
T2 = 7 * DAY
SLO_LABELS = {"severity": "", "slo": "payment_rate", "service": "crm", "component": "slo"}
SOON, CRITICAL = "PaymentRatePredictedBreachSoon", "PaymentRatePredictedBreachCritical"
NO_DATA = "PaymentRateSLINoData"
CAP = 8760.0

pytestmark = [pytest.mark.promtool, pytest.mark.slow]


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
    dip = [WARM, Segment(3 * HOUR, 10, 0.3)]
    start = first_below(dip, T1, T1 + 3 * HOUR, 24)
    cases.append(pr.Case(
        "dip", input_series(dip),
        values=runway_values(dip, T1 + 2 * HOUR),
        silent=[T1 + 20 * MINUTE, start + 10 * MINUTE],  # `for: 15m` not yet elapsed
        firing=[(SOON, start + 20 * MINUTE, labels("warning")), (SOON, T1 + 3 * HOUR, labels("warning"))],
        alerts=[{"eval_time": f"{T1 + 2 * HOUR}s", "alertname": CRITICAL, "exp_alerts": []}],
    ))

    # Severe: most of the budget already spent (burn 3.4 for a week: 79%), then 50% errors.
    severe = [Segment(T2, 10, 0.034), Segment(2 * HOUR, 10, 0.5)]
    cases.append(pr.Case(
        "severe", input_series(severe), values=runway_values(severe, T2 + 90 * MINUTE),
        firing=[(CRITICAL, T2 + 90 * MINUTE, labels("critical")),
                (SOON, T2 + 90 * MINUTE, labels("warning"))],
    ))

    # Recovery: 2h dip at burn 30, then healthy again; alerts resolve.
    recovery = [WARM, Segment(2 * HOUR, 10, 0.3), Segment(6 * HOUR, 10, 0.001)]
    cases.append(pr.Case(
        "recovery", input_series(recovery), values=runway_values(recovery, T1 + 4 * HOUR),
        firing=[(SOON, T1 + 2 * HOUR, labels("warning"))], silent=[T1 + 4 * HOUR, T1 + 8 * HOUR],
    ))

    # Budget exhausted: 5% errors for a week (7/6 of its budget). Runway 0, both alerts,
    # full annotations.
    exhausted = [Segment(T2, 10, 0.05)]
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
        values=[(s("hours_to_breach"), T2, 0.0), (s("days_to_breach"), T2, 0.0),
                (s("error_budget_remaining:ratio"), T2, 0.0)],
        firing=[(SOON, T2, labels("warning"))],
        alerts=[{"eval_time": f"{T2}s", "alertname": CRITICAL, "exp_alerts": [
            {"exp_labels": labels("critical"), "exp_annotations": annotations}]}],
    ))

    # Exhausted earlier (8% errors for 5 days spend 4/3 of the budget of the 6 days seen),
    # no errors now: runway stays 0, not "no burn".
    spent = [Segment(5 * DAY, 10, 0.08), Segment(DAY, 10, 0.0)]
    cases.append(pr.Case("exhausted_no_burn", input_series(spent),
                         values=[(s("hours_to_breach_1h"), 6 * DAY, 0.0), (s("hours_to_breach"), 6 * DAY, 0.0)]))

    # Zero traffic: counters never move. No runway, no burn, no NaN; the only
    # alert says so (SLINoData: the total is not growing).
    idle = [Segment(T1, 0, 0.0)]
    cases.append(pr.Case(
        "zero_traffic", input_series(idle),
        empty=[(s(n), T1) for n in ("error_ratio:rate1h", "burn_rate:rate1h", "error_budget_remaining:ratio",
                                    "hours_to_breach", "days_to_breach")] + [("aethervision:days_to_breach", T1)],
        silent=[T1], silent_except=(NO_DATA,), firing=[(NO_DATA, T1, labels("warning"))],
    ))

    # Traffic stopped 3h ago: the 1h window sees no traffic, so "no burn" (the cap);
    # only SLINoData fires.
    stopped = [WARM, Segment(3 * HOUR, 0, 0.0)]
    cases.append(pr.Case("traffic_stopped", input_series(stopped),
                         values=[(s("hours_to_breach_1h"), T1 + 3 * HOUR, CAP)],
                         empty=[(s("burn_rate:rate1h"), T1 + 3 * HOUR)], silent=[T1 + 3 * HOUR],
                         silent_except=(NO_DATA,), firing=[(NO_DATA, T1 + 3 * HOUR, labels("warning"))]))

    # No errors ever: the failed counter does not exist. Burn 0, runway = cap.
    clean = [Segment(T1, 10, 0.0)]
    cases.append(pr.Case(
        "no_errors", input_series(clean, with_failed=False),
        values=[(s("burn_rate:rate1h"), T1, 0.0), (s("error_budget_remaining:ratio"), T1, 1.0),
                (s("hours_to_breach"), T1, CAP), (s("days_to_breach"), T1, CAP / 24),
                ("aethervision:days_to_breach", T1, CAP / 24)],
        silent=[T1],
    ))

    # Fresh Prometheus: 2 days of data at burn 2. Over the data seen, 2% errors
    # would mean the budget is gone (runway 0, page); counted against the full
    # 30-day window it is 87% left, ~312h of runway, no page.
    fresh = [Segment(2 * DAY, 10, 0.02)]
    cases.append(pr.Case("partial_window", input_series(fresh),
                         values=runway_values(fresh, 2 * DAY), silent=[DAY, 2 * DAY]))
    return cases


def aethervision_cases() -> list[pr.Case]:
    cases = []
    page, ticket = "PaymentRateErrorBudgetFastBurn", "PaymentRateErrorBudgetSlowBurn"
    exhausted = "PaymentRateErrorBudgetExhausted"
    predictive = (SOON, CRITICAL, page, ticket)

    def quiet(at: int, names=predictive) -> list[dict]:
        return [{"eval_time": f"{at}s", "alertname": n, "exp_alerts": []} for n in names]

    # Full outage: the fast-burn page as soon as the 1h budget burn passes 14.4
    # (no `for`), long before a 6h runway; it resets once the 10m window is clean.
    outage = [WARM, Segment(HOUR, 10, 1.0), Segment(3 * HOUR, 10, 0.001)]
    first = next(at for at in range(T1, T1 + HOUR, 10 * MINUTE) if expected(outage, at)["burn_1h"] > 14.4)
    cases.append(pr.Case(
        "av_outage", input_series(outage),
        # The repository spec marks the page `autoheal: true`: Alertmanager routes it to autoheal.
        firing=[(page, first, dict(labels("critical"), autoheal="true")),
                (page, T1 + HOUR, dict(labels("critical"), autoheal="true"))],
        alerts=quiet(T1) + quiet(first - 10 * MINUTE) + quiet(T1 + 2 * HOUR)))

    # Exhausted (a week at burn 5: under the 6h page's 6, over the 1d ticket's 3), then
    # healthy: the predictions stop at once (no budget left is not "will run out"); the
    # state stays as its own info alert; while the errors still came faster than the
    # budget allows, the slow burn ticketed.
    spent = [Segment(T2, 10, 0.05), Segment(3 * HOUR, 10, 0.001)]
    cases.append(pr.Case(
        "av_exhausted_recovers", input_series(spent),
        values=[(s("error_budget_remaining:ratio"), T2 + 3 * HOUR, 0.0)],
        firing=[(ticket, T2, labels("warning")), (exhausted, T2, labels("info")),
                (exhausted, T2 + 3 * HOUR, labels("info"))],
        alerts=quiet(T2, (SOON, CRITICAL, page)) + quiet(T2 + HOUR) + quiet(T2 + 3 * HOUR)))

    # Low traffic (12 requests an hour): two failures in ten minutes are a 1h
    # burn of ~16, above the page threshold, but fewer than min_errors (3).
    low = [Segment(T1, 1 / 300, 0.002), Segment(10 * MINUTE, 1 / 300, 1.0), Segment(HOUR, 1 / 300, 0.0)]
    at = T1 + 10 * MINUTE
    cases.append(pr.Case(
        "av_low_traffic_pair", input_series(low),
        values=[(s("burn_rate:rate1h"), at, expected(low, at)["burn_1h"])],
        alerts=quiet(at) + quiet(at + 20 * MINUTE)))

    # The headline runway follows the budget left along its slope: after a month at burn 0.8,
    # burn 2 spends the budget 1.2 budgets a window faster than the old errors give it back,
    # so it lasts 5/3 of what burn 2 alone says (the 1h runway, still the alerts' input).
    creeping = [Segment(T0, 10, 0.008), Segment(2 * HOUR, 10, 0.02)]
    at = T0 + 2 * HOUR
    trend = trend_hours(creeping, at)
    cases.append(pr.Case(
        "av_trend_counts_what_leaves", input_series(creeping),
        values=[(s("hours_to_breach"), at, trend), (s("days_to_breach"), at, trend / 24),
                (s("hours_to_breach_1h"), at, expected(creeping, at)["hours_1h"]),
                (s("error_budget_remaining:ratio"), at, expected(creeping, at)["ebr"])]))
    # A flat budget (as much error leaves the window as comes in): no fall, "no burn".
    steady = [HEALTHY, Segment(2 * HOUR, 10, 0.001)]
    cases.append(pr.Case("av_trend_steady", input_series(steady),
                         values=[(s("hours_to_breach"), T0 + 2 * HOUR, trend_hours(steady, T0 + 2 * HOUR))]))

    # Quiet nights: 0.1 failures a second all day, 20 requests a second by day and
    # 0.5 by night. At night the ratio burn is 20, the budget burn under 1.
    day, night = Segment(12 * HOUR, 20, 0.005), Segment(12 * HOUR, 0.5, 0.2)
    diurnal = [day, night] * 4
    at = T1 - HOUR  # late in the 4th night
    e = expected(diurnal, at)
    cases.append(pr.Case(
        "av_quiet_night", input_series(diurnal),
        values=[(s("burn_rate:rate1h"), at, e["burn_1h"]), (s("budget_burn:rate1h"), at, e["budget_burn_1h"])],
        alerts=quiet(at)))
    return cases


SEED_CASES = {case.name: case for case in build_cases()}
DEFAULT_CASES = {case.name: case for case in aethervision_cases()}
CASES = {**SEED_CASES, **DEFAULT_CASES}


@pytest.fixture(scope="module")
def rule_files(tmp_path_factory):
    """Rule files per policy: the seed as written (15m/10m), and the repository spec."""
    data = yaml.safe_load(SPEC.read_text())
    data["runway"]["policy"] = "seed"
    data["runway"]["alerts"] = {"warning": {"below": "24h", "for": "15m"}, "critical": {"below": "6h", "for": "10m"}}
    seed_spec = tmp_path_factory.mktemp("seed-spec") / "aethervision.yaml"
    seed_spec.write_text(yaml.safe_dump(data, sort_keys=False))
    return {"seed": generated_rule_files(tmp_path_factory.mktemp("seed"), seed_spec),
            "aethervision": generated_rule_files(tmp_path_factory.mktemp("aethervision"))}


def policy_of(name: str) -> str:
    return "seed" if name in SEED_CASES else "aethervision"


@pytest.fixture(scope="module", params=pr.ENGINES)
def results(request, rule_files, tmp_path_factory):
    """Every case on one engine's promtool: the same expectations on Prometheus 3 and 2.42."""
    binary = pr.engine_promtool(request.param)
    workdir = tmp_path_factory.mktemp(f"promtool-{request.param}")
    # The longest first, so the two cores finish together.
    jobs = sorted(((case, rule_files[policy_of(case.name)]) for case in CASES.values()),
                  key=lambda job: -len(str(job[0].series)))
    return workdir, pr.run_jobs(jobs, workdir, binary), binary


@pytest.mark.parametrize("name", sorted(CASES))
def test_scenario(name, results, rule_files):
    workdir, done, binary = results
    result = done[name]
    if result.returncode != 0:
        pytest.fail(pr.explain(CASES[name], rule_files[policy_of(name)], workdir, result, binary))


def test_the_scenarios_expect_what_their_names_say():
    """Guard the independent model itself: the figures the cases rely on."""
    healthy = expected([HEALTHY], T0)
    assert healthy["ebr"] == pytest.approx(0.9) and healthy["hours"] == pytest.approx(6480)
    dip = expected([WARM, Segment(3 * HOUR, 10, 0.3)], T1 + 2 * HOUR)
    assert 6 < dip["hours"] < 24
    severe = expected([Segment(T2, 10, 0.034), Segment(2 * HOUR, 10, 0.5)], T2 + 90 * MINUTE)
    assert severe["hours"] < 6 and expected([Segment(T2, 10, 0.034)], T2)["ebr"] == pytest.approx(1 - 3.4 * 7 / 30)
    assert expected([Segment(T2, 10, 0.05)], T2)["ebr"] == 0  # the exhausted cases: none left after a week
    fresh = expected([Segment(2 * DAY, 10, 0.02)], 2 * DAY)
    assert fresh["ebr"] == pytest.approx(1 - 2 * 2 / 30) and fresh["hours"] > 24
    low = expected([Segment(T1, 1 / 300, 0.002), Segment(10 * MINUTE, 1 / 300, 1.0)], T1 + 10 * MINUTE)
    assert low["burn_1h"] > 14.4
    spent = expected([Segment(5 * DAY, 10, 0.08), Segment(DAY, 10, 0.0)], 6 * DAY)
    assert spent["ebr"] == 0 and spent["burn_1h"] == 0
    creeping = [Segment(T0, 10, 0.008), Segment(2 * HOUR, 10, 0.02)]
    e = expected(creeping, T0 + 2 * HOUR)
    assert trend_hours(creeping, T0 + 2 * HOUR) == pytest.approx(e["ebr"] * 720 / 1.2)
    assert e["hours_1h"] == pytest.approx(e["ebr"] * 720 / 2)
    assert trend_hours([HEALTHY], T0) == CAP
    night = expected([Segment(12 * HOUR, 20, 0.005), Segment(12 * HOUR, 0.5, 0.2)] * 4, T1 - HOUR)
    assert night["burn_1h"] == pytest.approx(20) and night["budget_burn_1h"] < 1
