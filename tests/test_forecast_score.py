"""The forecast score (bench/foresight/forecast.py) on a scenario whose exhaustion time is known in
closed form: 31 days without a single error, then 10% of requests failing (burn 10 against a 99%
objective). The 30-day window then holds 10 x t / W of its budget at t after the start, so the budget
runs out at exactly t = W / 10 = 3 days, and the remaining budget at t is 1 - 10 t / W: a forecaster
that divides it by the burn is right at every evaluation once its window has filled."""

from __future__ import annotations

import pytest

from aethervision import spec as spec_mod
from aethervision.core import forecast as core
from bench.foresight import engine, forecast, policies, scenarios
from bench.foresight.scenarios import DAY, HOUR, T0, WINDOW

from support.repo import REPO_SPEC

BURN = 10


def closed_form() -> scenarios.Scenario:
    requests, errors = scenarios.join(scenarios.steady(T0, 0.0), scenarios.steady(4 * DAY, BURN * scenarios.BUDGET))
    return scenarios.Scenario("closed_form", "burn 10 after a spotless month", requests, errors, (T0, T0 + 4 * DAY))


def test_the_scenario_runs_out_when_the_closed_form_says():
    assert closed_form().exhausted_at == T0 + WINDOW // BURN  # 3 days, in minutes


def test_the_score_measures_distance_to_the_true_exhaustion():
    s = closed_form()
    exhausted = T0 + WINDOW // BURN
    times = range(T0, exhausted + 60, 5)
    perfect = {t: (exhausted - t) / 60 for t in times}
    late = {t: (exhausted - t) / 60 + 1 for t in times}  # an hour late every time
    silent = {t: 8760.0 for t in times}  # the cap: "no burn"
    cap = 8760
    assert all(e == 0 for v in forecast.score("p", [(s, perfect)], cap).errors.values() for e, _ in v)
    got = forecast.score("l", [(s, late)], cap)
    assert {e for v in got.errors.values() for e, _ in v} == {3600}  # seconds
    # Evaluations up to the exhaustion only; each in the bucket of its true horizon.
    assert sum(map(len, got.errors.values())) == len(range(T0 + 5, exhausted, 5))  # at T0 nothing failed yet
    assert len(got.errors["under 6h"]) == 6 * HOUR // 5 - 1  # 5, 10, ... 355 minutes before it
    none = forecast.score("n", [(s, silent)], cap)
    assert (none.no_burn, none.before_exhaustion) == (len(range(T0 + 5, exhausted, 5)),) * 2
    assert forecast.summary(got)["relative"] > forecast.summary(forecast.score("p", [(s, perfect)], cap))["relative"]


@pytest.mark.slow
@pytest.mark.promtool
def test_the_burn_runways_hit_the_closed_form_exhaustion_in_promtool(tmp_path):
    """The real rules in promtool: once the 6h window is full of the burn, the 6h runway and the one
    the default was before (the smaller of 1h and 6h) predict the exhaustion within two evaluations.
    The default (the budget left along its 1h slope) is within 1% of the time left, or two
    evaluations when little is left: it fits a slope
    to the recorded budget, which the harness's counters (every 2 minutes, read every 5) jitter by
    one sample from one evaluation to the next (17 minutes off at 2.5 days, alternating)."""
    s = closed_form()
    run = engine.run(s, [policies.aethervision(REPO_SPEC)], tmp_path)
    spec = spec_mod.load(REPO_SPEC)
    rows = {r["forecaster"]: r for r in forecast.scores(spec, spec.slos[0], [(s, run.forecasts)], engine.STEP)}
    settled = [t for t in run.forecasts if T0 + 6 * HOUR + 2 * engine.STEP <= t < s.exhausted_at]
    assert len(settled) > 700
    for name in ("burn_6h", "burn_min"):
        worst = max(abs(t + run.forecasts[t][name] * 60 - s.exhausted_at) for t in settled)
        assert worst <= 2 * engine.STEP, (name, worst)
    for t in settled:
        error, left = abs(t + run.forecasts[t]["default"] * 60 - s.exhausted_at), s.exhausted_at - t
        assert error <= max(0.01 * left, 2 * engine.STEP), (t - T0, error, left)
    assert all(rows[name]["no_burn"] == 0 for name in ("burn_6h", "burn_min", "default"))


def test_a_recorded_runway_is_scored_against_the_next_exhaustion():
    """`backtest`'s scoring: a history where the budget runs out at 1000 s, recovers, and runs out
    again at 3000 s; each forecast is held against the next exhaustion after it."""
    remaining = [(t, 0.0 if t in (1000, 1100, 3000) else 0.5) for t in range(0, 4000, 100)]
    runway = [(0, 1000.0), (1100, 50.0), (2000, 500.0), (3500, 100.0), (3600, 1e9)]
    got = core.score_series(runway, remaining, end=4000, cap_seconds=1e9)
    # 0 -> 1000 exactly; 1100 is itself exhausted (not scored); 2000 -> 3000, 500 s early.
    assert got.errors["under 6h"] == [(0, 1000), (500, 1000)]
    assert (got.before_exhaustion, got.no_burn) == (2, 0)
    # After the last exhaustion: 3500 says 3600, before the end at 4000 (phantom); 3600 says no burn.
    assert (got.phantom, got.without_exhaustion) == (1, 2)
