"""Calendar periods on the real promtool (Prometheus 3, whose unit tests take a start time):
period start and end across a month end and Europe/Berlin's daylight-saving change, and
the period-to-date sums with a correction. Expected values come from Python's zoneinfo
and the scenario's constant rates, not from the rules."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import yaml

from aethervision.clients import promtool

from support import promtool_run as pr
from support.repo import SPEC, generated_rule_files

pytestmark = [pytest.mark.promtool, pytest.mark.slow]
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC
START = dt.datetime(2026, 10, 24, tzinfo=UTC)  # a Saturday; DST ends Sunday 25 Oct 01:00 UTC
STEP = 300
RPS, BASE = 10, 0.001
OUTAGES = [(dt.datetime(2026, 10, 26, 10, tzinfo=UTC), 0.2, "corrected"),
           (dt.datetime(2026, 10, 28, 10, tzinfo=UTC), 0.2, "counted")]


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def local_midnight(year: int, month: int, day: int) -> int:
    return epoch(dt.datetime(year, month, day, tzinfo=BERLIN))


def ratio_at(t: int) -> float:
    """The error ratio of the step ending at t: each outage lasts two hours."""
    for begin, ratio, _ in OUTAGES:
        if epoch(begin) < t <= epoch(begin) + 7200:
            return ratio
    return BASE


def counters(until: int) -> tuple[str, str]:
    """promtool values for success and failed counters, one sample per STEP from START."""
    ok, bad, oks, bads = 0.0, 0.0, ["0"], ["0"]
    for t in range(epoch(START) + STEP, until + 1, STEP):
        ok += RPS * STEP * (1 - ratio_at(t))
        bad += RPS * STEP * ratio_at(t)
        oks.append(repr(round(ok, 6)))
        bads.append(repr(round(bad, 6)))
    return " ".join(oks), " ".join(bads)


def errors_between(a: int, b: int, skip: tuple[int, int] | None) -> tuple[float, float]:
    """(failed, all) events in (a, b], leaving out the corrected span."""
    bad = total = 0.0
    for t in range(a + STEP, b + 1, STEP):
        if skip and skip[0] < t <= skip[1]:
            continue
        bad += RPS * STEP * ratio_at(t)
        total += RPS * STEP
    return bad, total


def spec_file(tmp_path) -> tuple:
    data = yaml.safe_load(SPEC.read_text())
    base = data["slos"][0]
    data["slos"] = [{**base, "name": f"pay_{p}", "alert_name": f"Pay{p.title()}",
                     "window": {"calendar": p, "timezone": "Europe/Berlin"}} for p in ("month", "week", "quarter")]
    begin = OUTAGES[0][0]
    data["corrections"] = [{"slo": "pay_month", "start": begin.isoformat(),
                            "end": (begin + dt.timedelta(hours=2)).isoformat(), "reason": "probe bug"}]
    data["rules"] = {"interval": "10m", "long_windows": {"interval": "1h"}}
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path, epoch(begin), epoch(begin) + 7200


def check(name: str, at: int, expected: float, tolerance: float = 0.0, start: dt.datetime = START) -> dict:
    at_s = at - epoch(start)
    test = f"abs({name} - {expected!r}) <= bool {abs(expected) * tolerance + 1e-6!r}"
    return {"expr": test, "eval_time": f"{at_s}s", "exp_samples": [{"labels": "{" + _labels(name) + "}", "value": 1}]}


def _labels(name: str) -> str:
    slo = name.split(":")[1]
    return f'component="slo", service="crm", slo="{slo}"'


def test_period_bounds_and_period_to_date_sums_across_a_month_end_and_a_dst_change(tmp_path):
    path, c0, c1 = spec_file(tmp_path)
    (tmp_path / "rules").mkdir()
    files = generated_rule_files(tmp_path / "rules", path)
    before_monday = epoch(dt.datetime(2026, 10, 25, 22, tzinfo=UTC))  # 23:00 local (CET): still Sunday
    monday = epoch(dt.datetime(2026, 10, 25, 23, tzinfo=UTC))  # 00:00 CET: the week turns
    month_end = epoch(dt.datetime(2026, 10, 31, 23, tzinfo=UTC))  # 00:00 CET on 1 November
    before_end, after_end = month_end - 3600, month_end + 2 * 3600
    end = after_end + 600
    ok, bad = counters(end)
    october = (local_midnight(2026, 10, 1), local_midnight(2026, 11, 1))
    assert october[1] == month_end and october[0] == epoch(dt.datetime(2026, 9, 30, 22, tzinfo=UTC))
    tests = [
        check("slo:pay_month:period_start_seconds", before_end, october[0]),
        check("slo:pay_month:period_end_seconds", before_end, october[1]),
        check("slo:pay_month:period_start_seconds", after_end, month_end),
        check("slo:pay_month:period_end_seconds", after_end, local_midnight(2026, 12, 1)),
        check("slo:pay_week:period_start_seconds", before_monday + 600, local_midnight(2026, 10, 19)),
        check("slo:pay_week:period_start_seconds", monday + 600, monday),
        check("slo:pay_week:period_end_seconds", monday + 600, local_midnight(2026, 11, 2)),
        check("slo:pay_quarter:period_start_seconds", after_end, october[0]),
        check("slo:pay_quarter:period_end_seconds", after_end, local_midnight(2027, 1, 1)),
    ]
    # Period-to-date counts: the month's with the corrected outage left out, the quarter's with it.
    for slo, at, start, skip in (("pay_month", before_end, epoch(START), (c0, c1)),
                                 ("pay_month", after_end, month_end, None),
                                 ("pay_quarter", before_end, epoch(START), None),
                                 ("pay_week", before_end, monday, None)):
        failed, total = errors_between(start, at, skip)
        tests += [check(f"slo:{slo}:period_errors:slow", at, failed, 0.01),
                  check(f"slo:{slo}:period_requests:slow", at, total, 0.01),
                  check(f"slo:{slo}:period_error_ratio", at + 600, failed / total, 0.01)]
    doc = promtool.unit_test_document(files, "10m", [{
        "interval": "5m", "start_timestamp": START.isoformat().replace("+00:00", "Z"),
        "input_series": [{"series": 'crm_payments_total{status="success"}', "values": ok},
                         {"series": 'crm_payments_total{status="failed"}', "values": bad}],
        "promql_expr_test": tests}])
    test_file = tmp_path / "calendar.test.yml"
    test_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = promtool.run("test", "rules", str(test_file), timeout=600,
                          binary=pr.engine_promtool("prometheus-3"))
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def _run(tmp_path, data: dict, start: dt.datetime, series: list[dict], tests: list[dict], interval: str = "5m"):
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "rules").mkdir()
    files = generated_rule_files(tmp_path / "rules", path)
    doc = promtool.unit_test_document(files, "10m", [{
        "interval": interval, "start_timestamp": start.isoformat().replace("+00:00", "Z"),
        "input_series": series, "promql_expr_test": tests}])
    test_file = tmp_path / "scenario.test.yml"
    test_file.write_text(yaml.safe_dump(doc, sort_keys=False))
    result = promtool.run("test", "rules", str(test_file), timeout=900, binary=pr.engine_promtool("prometheus-3"))
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def _firing(name: str, at: int, start: dt.datetime, slo: str, extra: dict | None, firing: bool = True) -> dict:
    matcher = ", ".join(f'{k}="{v}"' for k, v in sorted({"slo": slo, **(extra or {})}.items()))
    expr = f'count(ALERTS{{alertname="{name}", alertstate="firing", {matcher}}})'
    return {"expr": expr, "eval_time": f"{at - epoch(start)}s", "exp_samples": [{"labels": "{}", "value": 1}]
            if firing else []}


def _counter_values(rates: list[tuple[int, float, float]], start: int, end: int, step: int) -> tuple[str, str]:
    """Counters from (from epoch, rps, error ratio) pieces, one sample per `step`."""
    ok = bad = 0.0
    oks, bads = ["0"], ["0"]
    for t in range(start + step, end + 1, step):
        rps, ratio = next((r, e) for at, r, e in reversed(rates) if at < t)
        ok, bad = ok + rps * step * (1 - ratio), bad + rps * step * ratio
        oks.append(repr(round(ok, 6)))
        bads.append(repr(round(bad, 6)))
    return " ".join(oks), " ".join(bads)


def test_budget_consumed_alerts_fire_once_per_threshold_in_a_month_that_spends_95_percent(tmp_path):
    """November 2026 (UTC), 10 req/s, objective 99%: the month's budget is 1% of 25.92M
    requests. Two outages at 50% errors spend 60% and then 35% of it; each threshold's alert
    fires when the running count crosses it and holds, unbroken, until the month ends."""
    data = yaml.safe_load(SPEC.read_text())
    data["slos"] = [{**data["slos"][0], "name": "pay", "alert_name": "Pay", "objective": 0.99,
                     "window": {"calendar": "month", "timezone": "UTC"}}]
    data["rules"] = {"interval": "10m", "long_windows": {"interval": "1h"}}
    begin, nov, dec = (dt.datetime(2026, 10, 31, 12, tzinfo=UTC), dt.datetime(2026, 11, 1, tzinfo=UTC),
                       dt.datetime(2026, 12, 1, tzinfo=UTC))
    budget = 0.01 * 10 * (epoch(dec) - epoch(nov))
    first, second = epoch(dt.datetime(2026, 11, 5, tzinfo=UTC)), epoch(dt.datetime(2026, 11, 20, tzinfo=UTC))
    # 5 errors a second at 50%, whole 10-minute samples: 60.2% and 34.7%, 94.9% in all
    lengths = tuple(round(share * budget / 5 / 600) * 600 for share in (0.60, 0.35))
    rates = [(0, 10, 0.0), (first, 10, 0.5), (first + lengths[0], 10, 0.0), (second, 10, 0.5),
             (second + lengths[1], 10, 0.0)]
    end = epoch(dec) + 3 * 3600
    ok, bad = _counter_values(rates, epoch(begin), end, 600)
    spent = [5 * n / budget for n in lengths]
    cross50 = first + 0.5 * budget / 5
    cross90 = second + (0.9 - spent[0]) * budget / 5
    assert 0.94 < sum(spent) < 0.96 and cross90 < second + lengths[1]
    name, tests = "PayErrorBudgetConsumed", []
    hour = 3600
    for at in (cross50 - 2 * hour, cross90 - 2 * hour):  # not yet: the figures just before each crossing
        tests.append(_firing(name, int(at // 600 * 600), begin, "pay", {"consumed": "50%" if at < second else "90%"},
                             firing=False))
    for at in range(int(cross50 // 3600 * 3600 + 3 * hour), epoch(dec) - hour, 12 * hour):
        tests.append(_firing(name, at, begin, "pay", {"consumed": "50%", "severity": "warning"}))
    for at in range(int(cross90 // 3600 * 3600 + 3 * hour), epoch(dec) - hour, 12 * hour):
        tests.append(_firing(name, at, begin, "pay", {"consumed": "90%", "severity": "critical"}))
    for share in ("50%", "90%"):  # a new month: both resolved
        tests.append(_firing(name, epoch(dec) + 2 * hour, begin, "pay", {"consumed": share}, firing=False))
    tests.append(check("slo:pay:period_budget_spent", epoch(dec) - hour, sum(spent), 0.001, begin))
    _run(tmp_path, data, begin, [{"series": 'crm_payments_total{status="success"}', "values": ok},
                                 {"series": 'crm_payments_total{status="failed"}', "values": bad}], tests, "10m")


def test_a_full_outage_in_a_maintenance_window_excluded_from_the_budget_leaves_it_unchanged(tmp_path):
    """Two SLOs read the same counters; one has a 2-hour maintenance window with
    exclude_from_budget. A total outage inside it: the alert still fires in Prometheus for
    both (muting is Alertmanager's), the excluded SLO's budget stays where it was, the other's
    drops by the outage's share of its 30-day window."""
    data = yaml.safe_load(SPEC.read_text())
    base = data["slos"][0]
    data["slos"] = [{**base, "name": "pay_kept", "alert_name": "PayKept"},
                    {**base, "name": "pay_all", "alert_name": "PayAll"}]
    data["rules"] = {"interval": "10m", "long_windows": {"interval": "1h"}}
    begin = dt.datetime(2026, 11, 1, tzinfo=UTC)
    w0 = epoch(dt.datetime(2026, 11, 3, 10, tzinfo=UTC))
    data["maintenance"] = [{"name": "db_upgrade", "slos": ["pay_kept"], "start": f"{w0}", "end": f"{w0 + 7200}",
                            "exclude_from_budget": True}]
    data["maintenance"][0]["start"] = dt.datetime.fromtimestamp(w0, UTC).isoformat()
    data["maintenance"][0]["end"] = dt.datetime.fromtimestamp(w0 + 7200, UTC).isoformat()
    outage = (w0 + 1800, w0 + 5400)  # 1 hour of 100% errors inside the window
    rates = [(0, 10, 0.001), (outage[0], 10, 1.0), (outage[1], 10, 0.001)]
    end = w0 + 4 * 3600
    ok, bad = _counter_values(rates, epoch(begin), end, 300)
    budget = 1 - float(base["objective"])
    after = w0 + 3 * 3600  # window over; the rolling window is 30 days, the data 2.5 days old

    def remaining(excluded: bool) -> float:
        span = after - epoch(begin)
        bad_events = 10 * 0.001 * (span - (outage[1] - outage[0]))
        total = 10 * span
        if excluded:  # the window's 2 hours (and the tile after its end) are out of the SLI
            total -= 10 * 7200
            bad_events -= 10 * 0.001 * (7200 - (outage[1] - outage[0]))
        else:
            bad_events += 10 * (outage[1] - outage[0])
        coverage = span / (30 * 86400)
        return max(0.0, 1 - bad_events / total * coverage / budget)

    tests = [check("slo:pay_kept:error_budget_remaining:ratio", after, remaining(True), 0.01, begin),
             check("slo:pay_all:error_budget_remaining:ratio", after, remaining(False), 0.01, begin),
             _firing("PayKeptErrorBudgetFastBurn", outage[1], begin, "pay_kept", None),
             _firing("PayAllErrorBudgetFastBurn", outage[1], begin, "pay_all", None)]
    assert remaining(True) > 0.98 and remaining(False) < remaining(True) - 0.1
    _run(tmp_path, data, begin, [{"series": 'crm_payments_total{status="success"}', "values": ok},
                                 {"series": 'crm_payments_total{status="failed"}', "values": bad}], tests)
