"""`aethervision report` on a real Prometheus holding a synthetic November 2026: 10 requests
a second at 0.1% errors, two incidents whose alerts are in `ALERTS`, an outage a correction
takes out, and a recorded days-to-breach series over October and November. Every figure
is computed here from the per-minute counts, not by the report's code."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from support import history_server
from support.repo import SPEC

pytestmark = [pytest.mark.live, pytest.mark.slow]
UTC = dt.UTC
MINUTE, TILE = 60, 300
NOV, DEC = int(dt.datetime(2026, 11, 1, tzinfo=UTC).timestamp()), int(dt.datetime(2026, 12, 1, tzinfo=UTC).timestamp())
OCT = int(dt.datetime(2026, 10, 1, tzinfo=UTC).timestamp())


def at(day: int, hour: int, minute: int = 0) -> int:
    return int(dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC).timestamp())


# (from, to, error ratio) at 10 req/s; the first two page, the third is a probe bug corrected away.
OUTAGES = [(at(10, 14), at(10, 15), 0.30), (at(20, 2), at(20, 6), 0.05), (at(25, 10), at(25, 11), 0.5)]
EPISODES = [("PaymentRateErrorBudgetFastBurn", "critical", at(10, 14, 5), at(10, 15, 10)),
            ("PaymentRateErrorBudgetSlowBurn", "warning", at(20, 3), at(20, 6, 30))]
CORRECTION = (at(25, 10), at(25, 11), "probe misconfigured")
REGIONS = {"eu": 0.001, "us": 0.02}


def ratio(minute_end: int) -> float:
    return next((r for a, b, r in OUTAGES if a < minute_end <= b), 0.001)


def minutes() -> list[tuple[int, float, float]]:
    """(minute end, bad, all) for every minute of November."""
    return [(t, 600 * ratio(t), 600.0) for t in range(NOV + MINUTE, DEC + 1, MINUTE)]


def runway_value(t: int) -> float:
    """The recorded days to breach: a slow slide over the two months, a dip on each incident."""
    base = 40 - (t - OCT) / 86400 * 0.3
    return base / 8 if any(a <= t < b for _, _, a, b in EPISODES) else base


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report-source")
    lines, ok, bad = [], 0.0, 0.0
    oks, bads = [f'crm_payments_total{{status="success"}} 0 {NOV}'], [f'crm_payments_total{{status="failed"}} 0 {NOV}']
    for t, b, a in minutes():
        ok, bad = ok + a - b, bad + b
        oks.append(f'crm_payments_total{{status="success"}} {ok:.3f} {t}')
        bads.append(f'crm_payments_total{{status="failed"}} {bad:.3f} {t}')
    lines += oks + bads
    for region, share in REGIONS.items():  # a grouped SLO: 2 req/s per region, constant error ratios
        for s, part in (("failed", share), ("success", 1 - share)):
            lines += [f'shop_orders_total{{region="{region}",status="{s}"}} {n * 120 * part:.3f} {NOV + n * 60}'
                      for n in range(0, 43201)]
    labels = 'component="slo",service="crm",slo="payment_rate"'
    lines += [f"slo:payment_rate:days_to_breach{{{labels}}} {runway_value(t):.6f} {t}"
              for t in range(OCT, DEC + 1, 600)]
    for name, severity, a, b in EPISODES:
        lines += [f'ALERTS{{alertname="{name}",alertstate="firing",{labels},severity="{severity}"}} 1 {t}'
                  for t in range(a, b, 60)]
    with history_server.serving(tmp, "\n".join(lines) + "\n# EOF\n", "prometheus-report") as client:
        yield {"url": client.url, "tmp": tmp}


def _spec(tmp_path):
    data = yaml.safe_load(SPEC.read_text())
    data["corrections"] = [{"slo": "payment_rate", "start": dt.datetime.fromtimestamp(CORRECTION[0], UTC).isoformat(),
                            "end": dt.datetime.fromtimestamp(CORRECTION[1], UTC).isoformat(),
                            "reason": CORRECTION[2]}]
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_grouped_slo_reports_each_group(source, cli, tmp_path):
    data = yaml.safe_load(SPEC.read_text())
    data["slos"].append({**data["slos"][0], "name": "orders", "alert_name": "Orders", "group_by": ["region"],
                         "sli": {"errors": 'shop_orders_total{status="failed"}', "total": "shop_orders_total"}})
    spec = tmp_path / "aethervision.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    result = cli("report", "--spec", str(spec), "--prometheus-url", source["url"], "--period", "2026-11",
                 "--slo", "orders", "--format", "json", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output + result.stderr
    [got] = json.loads((tmp_path / "out" / "report.json").read_text())["slos"]
    assert [g["labels"] for g in got["groups"]] == [{"region": r} for r in REGIONS]
    for group, share in zip(got["groups"], REGIONS.values()):
        assert group["attained"] == pytest.approx(1 - share, rel=1e-9)
    assert got["attained"] == pytest.approx(1 - sum(REGIONS.values()) / len(REGIONS), rel=1e-9)


def _tile_overlaps(minute_end: int, start: int, end: int) -> bool:
    tile_end = -(-minute_end // TILE) * TILE  # the tile holding this minute
    return tile_end > start and tile_end - TILE < end


def test_the_report_s_figures_match_the_counts(source, cli, tmp_path):
    out = tmp_path / "out"
    result = cli("report", "--spec", str(_spec(tmp_path)), "--prometheus-url", source["url"], "--period", "2026-11",
                 "--slo", "payment_rate", "--format", "json", "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    got = json.loads((out / "report.json").read_text())["slos"][0]
    kept = [(t, b, a) for t, b, a in minutes() if not _tile_overlaps(t, CORRECTION[0], CORRECTION[1])]
    bad, total = sum(b for _, b, _ in kept), sum(a for _, _, a in kept)
    budget = 0.01 * total
    assert got["events"] == pytest.approx(total, rel=1e-6) and got["bad_events"] == pytest.approx(bad, rel=1e-6)
    assert got["attained"] == pytest.approx(1 - bad / total, rel=1e-9)
    assert got["budget_spent"] == pytest.approx(bad / budget, rel=1e-6)
    assert [i["alerts"] for i in got["incidents"]] == [[e[0]] for e in EPISODES]
    for incident, (_, _, a, b) in zip(got["incidents"], EPISODES):
        assert (incident["start"], incident["end"]) == (a, b)
        cost = sum(x for t, x, _ in kept if _tile_overlaps(t, a, b))
        assert incident["budget_share"] == pytest.approx(cost / budget, rel=1e-6)
    [correction] = got["corrections"]
    left_out = sum(b for t, b, _ in minutes() if _tile_overlaps(t, CORRECTION[0], CORRECTION[1]))
    assert correction["reason"] == CORRECTION[2] and correction["bad_events"] == pytest.approx(left_out, rel=1e-6)
    periods = {p["period"]: p["days"] for p in got["runway_daily_min_days"]}
    assert list(periods) == ["2026-09", "2026-10", "2026-11"]
    assert sum(d["min"] is None for d in periods["2026-09"]) == 29  # data from 1 Oct 00:00, the 30th's end
    for label, days in periods.items():
        for day in days:
            end = day["day_end"]  # [1d] ranges are left-open on Prometheus 3: samples in (end - 1d, end]
            values = [runway_value(t) for t in range(OCT, DEC + 1, 600) if end - 86400 < t <= end]
            assert day["min"] == (pytest.approx(min(values), rel=1e-6) if values else None), (label, end)
    assert "spent" in result.stderr or "payment_rate" in result.stderr  # progress on stderr


def test_markdown_and_html_carry_their_charts_and_are_byte_identical_on_a_rerun(source, cli, tmp_path):
    spec = _spec(tmp_path)
    outputs = []
    for n, fmt in enumerate(("markdown", "markdown", "html")):
        out = tmp_path / f"out{n}"
        result = cli("report", "--spec", str(spec), "--prometheus-url", source["url"], "--period", "2026-11",
                     "--format", fmt, "--out", str(out))
        assert result.exit_code == 0, result.output + result.stderr
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]
    md = outputs[0]["report.md"].decode()
    assert "![budget](charts/payment_rate-budget.png)" in md and "| PaymentRateErrorBudgetFastBurn |" in md
    assert outputs[0]["charts/payment_rate-budget.png"].startswith(b"\x89PNG")
    assert "probe misconfigured" in md
    assert '<img src="charts/payment_rate-runway.png"' in outputs[2]["report.html"].decode()


def test_bad_periods_are_user_errors(cli, tmp_path):
    result = cli("report", "--spec", str(SPEC), "--period", "2026-13", "--prometheus-url", "http://127.0.0.1:9")
    assert result.exit_code == 1 and "give a month (2026-11)" in result.output + result.stderr
    result = cli("report", "--spec", str(SPEC), "--prometheus-url", "http://127.0.0.1:9")
    assert result.exit_code != 0 and "give --period, or --from and --to" in result.output + result.stderr


def test_every_period_of_the_runway_trend_gets_a_line_colour_the_current_one_red():
    from aethervision.report import charts
    assert charts.colours(3) == list(charts.LINES[-3:])  # up to four periods: the colours as before
    many = charts.colours(7)  # --previous 6: no period dropped, the current still red
    assert len(many) == 7 and many[-1] == charts.LINES[-1] and charts.LINES[-1] not in many[:-1]
