"""The foresight benchmark (bench/foresight): its arithmetic, and a smoke run in the real promtool.

The smoke run evaluates one scenario for all three policies and must give the
exact figures committed in docs/foresight.json: the report is reproducible, and
a rule change that moves a figure without regenerating the report fails here.
"""

from __future__ import annotations

import json
from itertools import accumulate

import pytest

from bench.foresight import engine, metrics, scenarios
from bench.foresight.__main__ import run_suite
from bench.foresight.scenarios import BUDGET, HOUR, T0, WINDOW

from support.repo import ROOT, SPEC

SMOKE = "sharp_outage"


def test_counter_notation_expands_to_the_running_totals():
    increments = (3, 3, 3, 0, 0, 7, 3, 3)
    tokens = engine.counter_values(increments).split()
    values = []
    for token in tokens:
        if "+" in token:
            start, rest = token.split("+")
            step, count = rest.split("x")
            values += [int(start) + int(step) * i for i in range(int(count) + 1)]
        else:
            values.append(int(token))
    assert values == [0, *accumulate(increments)]


def test_exhaustion_is_where_the_window_spends_the_whole_budget():
    outage = scenarios.by_name(["outage_exhausts"])[0]
    at = outage.exhausted_at
    assert outage.consumed(at) >= 1 > outage.consumed(at - 1)
    # By hand: 30 days at 0.1% then 100% errors. Each outage minute adds
    # 10,000 errors and pushes out a healthy minute (10 errors).
    history_errors = 10 * WINDOW
    minutes = -(-(BUDGET * 10_000 * WINDOW - history_errors) // (10_000 - 10))
    assert at - T0 == minutes


def test_ground_truth_of_the_suite():
    worthy = {s.name: s.worthy for s in scenarios.all_scenarios()}
    assert worthy == {"blip": False, "sharp_outage": True, "outage_exhausts": True, "fast_burn": True,
                      "slow_burn": True, "spent_then_mild": True, "recovery_after_exhaustion": True,
                      "flapping": True, "low_traffic": False, "low_traffic_outage": True, "diurnal": False,
                      "creeping_burn": True,
                      # Poisson noise alone, a week of it, is worth nothing; each incident in it is.
                      **{f"noisy_{level}{quiet}": not quiet for level in ("low", "medium", "high", "diurnal")
                         for quiet in ("_quiet", "")}}


def scenario_with(incident: tuple[int, int], minutes: int = T0 + 10 * HOUR) -> scenarios.Scenario:
    return scenarios.Scenario("synthetic", "", (10_000,) * minutes, (10,) * minutes, incident)


def test_evaluate_counts_episodes_delays_and_reset():
    s = scenario_with((T0, T0 + HOUR))  # not worthy: no errors beyond the healthy ones
    firing = {m: {"critical"} for m in range(T0 + 10, T0 + 30, 5)}
    firing.update({m: {"warning"} for m in range(T0 + 60, T0 + 80, 5)})
    firing.update({m: {"critical"} for m in range(T0 + 200, T0 + 210, 5)})
    firing[T0 + 300] = {"info"}  # the exhausted state is neither page nor ticket
    r = metrics.evaluate("p", s, firing)
    assert (r.first_alert, r.first_page, r.pages, r.tickets) == (10, 10, 2, 1)
    assert (r.false_pages, r.false_tickets, r.detected) == (2, 1, None)
    assert r.reset == 205 + 5 - 60 and not r.reset_open


def test_relapse_after_the_incident_is_false_even_in_a_worthy_scenario():
    s = scenario_with((T0, T0 + HOUR))
    s = scenarios.Scenario(s.name, "", s.requests, tuple(10_000 if T0 <= m < T0 + HOUR else 10
                                                          for m in range(len(s.requests))), s.incident)
    assert s.worthy
    firing = {T0 + 20: {"critical"}, T0 + HOUR + metrics.RELAPSE + 30: {"critical"}}
    r = metrics.evaluate("p", s, firing)
    assert (r.detected, r.pages, r.false_pages) == (True, 2, 1)
    open_ended = metrics.evaluate("p", s, {s.minutes: {"warning"}})
    assert open_ended.reset_open


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads((ROOT / "docs" / "foresight.json").read_text())


@pytest.mark.slow
@pytest.mark.bench
@pytest.mark.promtool
def test_smoke_run_reproduces_the_committed_figures(committed, tmp_path):
    """One scenario, three policies, real promtool: the same figures as docs/foresight.json."""
    chosen = scenarios.by_name([SMOKE])
    results = run_suite(SPEC, chosen, jobs=2, workdir=tmp_path, say=lambda _msg: None)
    got = [r.as_dict() for r in results]
    want = [r for r in committed["results"] if r["scenario"] == SMOKE]
    assert got == want
    by_policy = {r.policy: r for r in results}
    # What the scenario is for: all three notice a one-hour full outage.
    assert all(r.detected for r in results)
    assert by_policy["aethervision"].first_alert <= by_policy["multiwindow"].first_alert


def test_the_report_says_what_the_json_holds(committed):
    text = (ROOT / "docs" / "foresight.md").read_text()
    assert committed["settings"]["promtool"] in text
    for scenario in committed["scenarios"]:
        assert f"| {scenario['name']} | {scenario['what']} |" in text
    for s in committed["summary"]:
        assert f"**{s['policy']}**: detected {s['detected']} of {s['worthy']}" in text
