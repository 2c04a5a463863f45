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
UTC = dt.timezone.utc
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


def check(name: str, at: int, expected: float, tolerance: float = 0.0) -> dict:
    at_s = at - epoch(START)
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
