"""A spec with calendar SLOs, maintenance windows, corrections and budget-consumed alerts
builds, and `validate` passes on it: Grafana schemas (classic and v2), promtool, amtool;
and the build is byte-identical when repeated."""

from __future__ import annotations

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.builder import outputs

from support.repo import SPEC, tree_bytes

pytestmark = pytest.mark.promtool


def _data() -> dict:
    data = yaml.safe_load(SPEC.read_text())
    first = data["slos"][0]
    data["slos"] = [{**first, "window": {"calendar": "month", "timezone": "Europe/Berlin"}},
                    {**first, "name": "pay_q", "alert_name": "PayQ", "window": {"calendar": "quarter"}},
                    {**first, "name": "pay_rolling", "alert_name": "PayRolling"}]
    data["maintenance"] = [
        {"name": "upgrade", "slos": [first["name"]], "start": "2026-12-06T02:00:00+01:00",
         "end": "2026-12-07T01:30:00+01:00", "exclude_from_budget": True},
        {"name": "sunday", "weekdays": ["sunday"], "from": "02:00", "to": "04:00", "timezone": "Europe/Berlin"}]
    data["corrections"] = [{"slo": "pay_q", "start": "2026-11-14T10:00:00Z", "end": "2026-11-14T12:00:00Z",
                            "reason": "probe misconfigured"}]
    return data


@pytest.mark.parametrize("fmt", ["classic", "v2"])
@pytest.mark.parametrize("mixed", [True, False])
def test_a_calendar_spec_validates_everywhere(fmt, mixed, cli, write_spec, grafana_schema):
    data = _data()
    if not mixed:  # every SLO a calendar one: the SLO detail gains the calendar period row
        data["slos"] = data["slos"][:2]
    data.setdefault("grafana", {})["format"] = fmt
    spec = write_spec(data)
    result = cli("validate", "--spec", str(spec), "--grafana-schema", str(grafana_schema))
    assert result.exit_code == 0, result.output + result.stderr
    loaded = spec_mod.load(spec)
    detail = outputs.dashboards(loaded)[outputs.dashboard_path(loaded, loaded.grafana.detail_uid)]
    assert ("Calendar period" in [p["title"] for p in detail["panels"]]) is not mixed


def test_the_calendar_build_is_deterministic_and_mutes_by_route(cli, write_spec, tmp_path):
    spec = write_spec(_data())
    trees = []
    for n in range(2):
        out = tmp_path / f"out{n}"
        assert cli("build", "--spec", str(spec), "--out", str(out)).exit_code == 0
        trees.append(tree_bytes(out))
    assert trees[0] == trees[1]
    am = yaml.safe_load((tmp_path / "out0" / "alertmanager" / "alertmanager.yml").read_text())
    names = [i["name"] for i in am["time_intervals"]]
    assert names == ["upgrade", "sunday"]
    upgrade = am["time_intervals"][0]["time_intervals"]  # 01:00 UTC on the 6th to 00:30 UTC on the 7th
    assert [(d["days_of_month"], d["times"]) for d in upgrade] == [
        (["6"], [{"start_time": "01:00", "end_time": "24:00"}]),
        (["7"], [{"start_time": "00:00", "end_time": "00:30"}])]
    muted = [r for r in am["route"]["routes"] if "routes" in r and r["matchers"][0].startswith("slo=~")]
    assert [r["matchers"] for r in muted] == [['slo=~"pay_q|pay_rolling"'], ['slo=~"payment_rate"']]
    assert {tuple(c["mute_time_intervals"]) for r in muted for c in r["routes"]} == {("upgrade", "sunday"),
                                                                                    ("sunday",)}


def test_breach_shows_the_period_so_far_for_calendar_slos(write_spec):
    from aethervision.ops import breach
    spec = spec_mod.load(write_spec(_data()))
    common = dict(service="crm", group={}, hours=30.0, hours_1h=30.0, hours_6h=40.0, days=1.25, budget_remaining=0.5,
                  burn_1h=2.0, burn_6h=1.5, budget_burn_1h=2.0, budget_burn_6h=1.5, requests_per_second=10.0,
                  reason="")
    runways = [breach.Runway(slo=spec.slos[0].name, period_budget_spent=0.62, period_error_ratio=0.0062,
                             period_end_seconds=1798758000, period_hours_to_breach=30.0, period_hours_left=100.0,
                             **common),
               breach.Runway(slo="pay_rolling", **common)]
    text = breach.render(runways, spec, "test")
    assert ("month (Europe/Berlin) spent 62.0% of its budget, ends 2026-12-31 23:00 UTC (100 h left): the budget "
            "runs out in 30.0 h, before the period ends") in text
    assert text.count("spent") == 1  # the rolling SLO has no period line
