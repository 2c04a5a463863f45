"""Right figures from a series' first minute, in the real promtool (Prometheus 3 and 2.42).

Two scenarios: a new SLI on a fresh server, and a new group (`cluster="b"`) appearing
beside one with four days of history (past the longest alert window; a month would cost
promtool 8 times as many evaluations and tell the same: any figure of b's that borrowed
a's history, coverage or traffic would be off by far more than the 1% tolerance).
In both the new traffic burns at 5x (0.5% failing on a 99.9% SLO over 30 days). The
expected burn, budget and runway at several instants in the first hour are computed
here from the counters' per-minute increments: the error ratio of everything seen so
far, the share of the window seen (`age / 30d`), and the runway the budget left gives
at that burn. Before the fix the errors tile was recorded as 0 where the requests tile
could not be computed yet and the 1h errors rate was divided by the whole hour: the
runway read up to 2x long (12.0 days at 7 minutes for a true 5.99).
"""

from __future__ import annotations

import pytest
import yaml

from support import promtool_run as pr
from support.repo import generated_rule_files

pytestmark = [pytest.mark.promtool, pytest.mark.slow]
MINUTE, HOUR, DAY = 60, 3600, 86400
BUDGET, WINDOW = 0.001, 30 * DAY
RPM, BURN = 1000, 5.0  # requests a minute; 0.5% failing is a burn of 5


def expected(age: int, ratio: float) -> dict[str, float]:
    """Figures the rules should record `age` seconds after the group's first sample, at a
    constant error ratio: the 30d ratio covers `age` of the window, the rest counts as clean."""
    burn = ratio / BUDGET
    remaining = 1 - ratio * (age / WINDOW) / BUDGET
    return {"burn_rate:rate1h": burn, "budget_burn:rate1h": burn, "budget_burn:rate10m": burn,
            "error_budget_remaining:ratio": remaining, "hours_to_breach_1h": remaining * WINDOW / HOUR / burn}


def counter(per_step: float, steps: int, start: int = 0) -> str:
    return " ".join("_" if i < start else repr(round((i - start) * per_step, 6)) for i in range(steps + 1))


def _checks(name: str, labels: str, at: int, age: int, ratio: float) -> list[dict]:
    out = []
    for what, value in expected(age, ratio).items():
        series = f"slo:{name}:{what}"
        out.append({"expr": f"abs({series}{{{labels}}} - {value!r}) <= bool {abs(value) * 0.01!r}",
                    "eval_time": f"{at}s", "exp_samples": [{"labels": "{" + labels + "}", "value": 1}]})
    return out


def _spec(tmp_path, slo: dict) -> list:
    path = tmp_path / "aethervision.yaml"
    slo = {"service": "api", "objective": 1 - BUDGET, "window": "30d", **slo}
    path.write_text(yaml.safe_dump({"version": "aethervision/v1", "slos": [slo]}, sort_keys=False))
    return generated_rule_files(tmp_path, path)


def fresh_case() -> tuple[dict, pr.Case]:
    """Every series starts at minute 0 of a fresh server; rules evaluate each minute."""
    steps = 65
    series = [{"series": 'req_total{code="200"}', "values": counter(RPM * (1 - BURN * BUDGET), steps)},
              {"series": 'req_total{code="500"}', "values": counter(RPM * BURN * BUDGET, steps)}]
    labels = 'component="slo", service="api", slo="fresh"'
    exprs = [c for minute in (7, 19, 39, 59)
             for c in _checks("fresh", labels, minute * MINUTE, minute * MINUTE, BURN * BUDGET)]
    # Data flows from the first minute: no SLINoData, not even pending.
    exprs += [{"expr": 'ALERTS{alertname="FreshSLINoData"}', "eval_time": f"{m * MINUTE}s", "exp_samples": []}
              for m in (3, 6, 9, 12, 30)]
    slo = {"name": "fresh", "sli": {"errors": 'req_total{code=~"5.."}', "total": "req_total"}}
    return slo, pr.Case("fresh", series, interval="1m", series_interval="1m", exprs=exprs)


def new_group_case() -> tuple[dict, pr.Case]:
    """Cluster a: four days at 0.01% errors. Cluster b appears at T0 burning at 5x. Samples and
    evaluations every 5 minutes, as a server with a long history would record them."""
    step, t0 = 5 * MINUTE, 4 * DAY
    steps, start = (t0 + HOUR + 10 * MINUTE) // step, t0 // step
    per_step = RPM * step / MINUTE
    series = [{"series": 'req_total{cluster="a", code="200"}', "values": counter(per_step * 0.9999, steps)},
              {"series": 'req_total{cluster="a", code="500"}', "values": counter(per_step * 0.0001, steps)},
              {"series": 'req_total{cluster="b", code="200"}',
               "values": counter(per_step * (1 - BURN * BUDGET), steps, start)},
              {"series": 'req_total{cluster="b", code="500"}',
               "values": counter(per_step * BURN * BUDGET, steps, start)}]
    labels_b = 'cluster="b", component="slo", service="api", slo="grouped"'
    exprs = [c for minute in (10, 20, 40, 60)
             for c in _checks("grouped", labels_b, t0 + minute * MINUTE, minute * MINUTE, BURN * BUDGET)]
    # Cluster a goes on as before: burn 0.1 over the hour.
    labels_a = 'cluster="a", component="slo", service="api", slo="grouped"'
    exprs.append({"expr": f"abs(slo:grouped:burn_rate:rate1h{{{labels_a}}} - 0.1) <= bool 0.001",
                  "eval_time": f"{t0 + 20 * MINUTE}s", "exp_samples": [{"labels": "{" + labels_a + "}", "value": 1}]})
    slo = {"name": "grouped", "group_by": ["cluster"],
           "sli": {"errors": 'req_total{code=~"5.."}', "total": "req_total"}}
    return slo, pr.Case("grouped", series, interval="5m", series_interval="5m", exprs=exprs)


@pytest.mark.parametrize("engine", pr.ENGINES)
@pytest.mark.parametrize("build", [fresh_case, new_group_case], ids=["fresh_sli", "new_group"])
def test_first_hour_figures(build, engine, tmp_path):
    binary = pr.engine_promtool(engine)
    slo, case = build()
    files = _spec(tmp_path, slo)
    result = pr.run([case], files, tmp_path, binary)[case.name]
    if result.returncode != 0:
        pytest.fail(pr.explain(case, files, tmp_path, result, binary))


def test_the_model_gives_the_trial_figures():
    """The issue's trial: true runway 5.99 days at 7 minutes."""
    assert expected(7 * MINUTE, BURN * BUDGET)["hours_to_breach_1h"] / 24 == pytest.approx(5.99, abs=0.01)
