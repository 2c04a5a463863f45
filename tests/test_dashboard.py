"""The AetherVision dashboard: content from the spec, valid against Grafana's schemas."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from aethervision import spec as spec_mod
from aethervision.builder import checks, normalise, outputs, render
from aethervision.dashboards import aethervision as dashboard

from support.repo import SPEC, add_slo, generated


@pytest.fixture(scope="module")
def spec():
    return spec_mod.load(SPEC)


@pytest.fixture(scope="module")
def dash(spec):
    return json.loads(generated(spec).files[outputs.dashboard_path(spec)])


def by_title(dash, title):
    found = [p for _, p in checks.panels(dash) if p.get("title") == title]
    assert len(found) == 1, f"{title!r}: {len(found)} panels"
    return found[0]


def exprs(panel):
    return [(t["expr"], t["legendFormat"]) for t in panel["targets"]]


def test_validates_against_grafana_json_schemas_with_zero_errors(dash, grafana_schema):
    assert checks.schema_problems(dash, grafana_schema) == []
    assert dash["schemaVersion"] == normalise.SCHEMA_VERSION


def test_raw_grafanalib_output_does_not_validate(spec, grafana_schema):
    """The reason normalise exists: grafanalib's raw JSON fails the schemas."""
    raw = json.loads(json.dumps(dashboard.build(spec).to_json_data(), cls=render.GrafanalibEncoder))
    problems = checks.schema_problems(raw, grafana_schema)
    assert any("'rows'" in p and "'style'" in p for p in problems)  # legacy dashboard keys
    assert raw["schemaVersion"] == 12
    thresholds = raw["panels"][1]["fieldConfig"]["defaults"]["thresholds"]
    assert thresholds["steps"][0]["value"] == "null"
    doc = json.loads((grafana_schema / "dashboard.jsonschema.json").read_text())
    checker = jsonschema.Draft7Validator(
        {"$ref": "#/definitions/ThresholdsConfig", "definitions": doc["definitions"]})
    messages = [e.message for e in checker.iter_errors(thresholds)]
    assert "'null' is not valid under any of the given schemas" in messages
    assert any("'line', 'op', 'yaxis'" in m for m in messages)  # graph-panel keys


def test_rows_and_headline_panels(dash):
    rows = [p["title"] for p in dash["panels"] if p["type"] == "row"]
    assert rows == ["SLO runway", "Operations", "Autoheal"]
    stat = by_title(dash, "🧭 Days to Breach (Conservative)")
    assert stat["type"] == "stat" and exprs(stat) == [("aethervision:days_to_breach", "days to breach")]
    assert stat["fieldConfig"]["defaults"]["unit"] == "d"
    steps = stat["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps == [{"color": "red", "value": None}, {"color": "orange", "value": 5.0},
                     {"color": "yellow", "value": 10.0}, {"color": "green", "value": 20.0}]


def test_runway_timeseries_draws_the_worst_slos_and_the_alert_thresholds(dash):
    panel = by_title(dash, "Runway to Breach (hours) — 1h vs 6h")
    assert exprs(panel) == [
        ('bottomk(5, {__name__=~"slo:[a-z0-9_]+:hours_to_breach_1h"})', "{{slo}} 1h"),
        ('bottomk(5, {__name__=~"slo:[a-z0-9_]+:hours_to_breach_6h"})', "{{slo}} 6h"),
        # The seed's third series, the headline runway: the trend under the default policy.
        ('bottomk(5, {__name__=~"slo:[a-z0-9_]+:hours_to_breach"})', "{{slo}} trend"),
    ]
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["unit"] == "h"
    assert [s["value"] for s in defaults["thresholds"]["steps"]] == [None, 6.0, 24.0]
    assert defaults["custom"]["thresholdsStyle"]["mode"] != "off"


def test_the_slo_table_has_a_row_per_slo_sorted_by_runway_and_linking_to_the_detail(dash):
    table = by_title(dash, "SLOs by runway")
    assert table["type"] == "table"
    assert [t["expr"].splitlines()[0] for t in table["targets"]] == [
        'min by (slo, service) ({__name__=~"slo:[a-z0-9_]+:days_to_breach"})',
        '100 * min by (slo, service) ({__name__=~"slo:[a-z0-9_]+:error_budget_remaining:ratio"})',
        'min by (slo, service) ({__name__=~"slo:[a-z0-9_]+:budget_burn:rate1h"})',
        'min by (slo, service) ({__name__=~"slo:[a-z0-9_]+:budget_burn:rate6h"})',
        'count by (slo, service) (ALERTS{alertstate="firing", component="slo"})']
    assert all(t["format"] == "table" and t["instant"] for t in table["targets"])
    assert table["options"]["sortBy"] == [{"displayName": "Days to breach", "desc": False}]
    days = next(o for o in table["fieldConfig"]["overrides"] if o["matcher"]["options"]["names"] == ["Days to breach"])
    steps = next(p for p in days["properties"] if p["id"] == "thresholds")["value"]["steps"]
    assert steps == [{"color": "red", "value": None}, {"color": "orange", "value": 5.0},
                     {"color": "yellow", "value": 10.0}, {"color": "green", "value": 20.0}]  # the spec's
    link = table["fieldConfig"]["defaults"]["links"][0]["url"]
    assert link.startswith("/d/aethervision-slo/aethervision-slo-detail?var-slo=${__data.fields.slo}")


def test_ops_and_autoheal_rows(dash):
    assert exprs(by_title(dash, "Ops Snapshot")) == [
        ("aethervision:alerts_critical:count", "Critical Alerts"),
        ("aethervision:probes_http_up + aethervision:probes_tcp_up", "Probes Up"),
        ("aethervision:autoheal_enabled", "Autoheal (1 = on)"),
    ]
    assert [e for e, _ in exprs(by_title(dash, "Firing alerts"))] == [
        "aethervision:alerts:count", "aethervision:alerts_critical:count",
        "aethervision:alerts_warning:count"]
    enabled = by_title(dash, "Autoheal state")["fieldConfig"]["defaults"]["mappings"][0]["options"]
    assert enabled["0"]["text"] == "Disabled" and enabled["1"]["text"] == "Enabled"
    age = by_title(dash, "Last autoheal action")["fieldConfig"]["defaults"]
    assert age["unit"] == "s" and age["mappings"][0]["options"]["-1"]["text"] == "Never"
    assert "autoheal_actions_total" in by_title(dash, "Autoheal actions")["targets"][0]["expr"]


def test_datasource_is_a_variable_and_no_data_reads_clearly(dash):
    variable = dash["templating"]["list"][0]
    assert variable["type"] == "datasource" and variable["query"] == "prometheus"
    for _, panel in checks.panels(dash):
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
    stat = by_title(dash, "🧭 Days to Breach (Conservative)")["fieldConfig"]["defaults"]
    assert stat["noValue"] == "No SLI data yet"
    no_burn = stat["mappings"][0]
    assert no_burn["type"] == "range" and no_burn["options"]["from"] == 365
    assert "No burn" in no_burn["options"]["result"]["text"]
    assert dash["refresh"] == "1m" and dash["time"] == {"from": "now-24h", "to": "now"}


def test_thresholds_and_titles_come_from_the_spec(spec_data, write_spec):
    spec_data["runway"]["alerts"]["warning"]["below"] = "36h"
    spec_data["runway"]["days_to_breach_thresholds"][1]["value"] = 3
    spec_data["grafana"]["dashboard"]["title"] = "Payments runway"
    spec = spec_mod.load(write_spec(spec_data))
    dash = outputs.dashboards(spec)[outputs.dashboard_path(spec)]
    assert dash["title"] == "Payments runway"
    runway = by_title(dash, "Runway to Breach (hours) — 1h vs 6h")
    assert [s["value"] for s in runway["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [None, 6.0, 36.0]
    stat = by_title(dash, "🧭 Days to Breach (Conservative)")
    assert stat["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] == 3.0


def _fleet_spec(spec_data: dict, write_spec, count: int):
    """`count` SLOs, every third grouped by cluster, like a team's fleet."""
    data = copy.deepcopy(spec_data)
    for i in range(1, count):
        add_slo(data, f"svc{i}_availability", f"svc{i}")
        if i % 3 == 0:
            data["slos"][-1]["group_by"] = ["cluster"]
    return spec_mod.load(write_spec(data, f"fleet-{count}.yaml"))


def test_every_dashboard_has_the_same_panels_for_1_10_and_200_slos(spec_data, write_spec, grafana_schema):
    shapes = {}
    for count in (1, 10, 200):
        spec = _fleet_spec(spec_data, write_spec, count)
        built = outputs.dashboards(spec)
        assert len(built) == 2  # AetherVision and the SLO detail
        for path, dash in built.items():
            assert checks.schema_problems(dash, grafana_schema) == [], (count, path)
            assert checks.structure_problems(dash) == []
        shapes[count] = {path.rsplit("/", 1)[-1]: [(p["type"], p["title"]) for _, p in checks.panels(dash)]
                         for path, dash in built.items()}
    assert shapes[1] == shapes[10] == shapes[200]
    assert sum(len(panels) for panels in shapes[200].values()) < 25


def test_the_detail_dashboard_interpolates_the_slo_and_group_variables(spec_data, write_spec):
    spec = _fleet_spec(spec_data, write_spec, 4)
    detail = outputs.dashboards(spec)[outputs.dashboard_path(spec, spec.grafana.detail_uid)]
    variables = {v["name"]: v for v in detail["templating"]["list"]}
    assert variables["slo"]["query"] == (
        "payment_rate · failed events : payment_rate,svc1_availability · failed events : svc1_availability,"
        "svc2_availability · failed events : svc2_availability,svc3_availability · failed events : svc3_availability")
    assert variables["slo"]["current"] == {"selected": True, "text": "payment_rate · failed events",
                                           "value": "payment_rate"}
    assert variables["cluster"]["query"] == "label_values(slo:${slo}:hours_to_breach, cluster)"
    assert variables["cluster"]["includeAll"] and variables["cluster"]["allValue"] == ".*"
    runway = by_title(detail, "Runway to breach (hours) — 1h, 6h, trend")
    assert runway["targets"][0]["expr"] == 'slo:${slo}:hours_to_breach_1h{cluster=~"$cluster"}'
    titles = [p["title"] for _, p in checks.panels(detail) if p["type"] != "row"]
    assert titles == ["Runway to breach (hours) — 1h, 6h, trend", "Error budget remaining over the SLO window",
                      "Budget burn against the page and ticket factors", "Error ratio · ${slo:text}",
                      "Traffic (events per second)", "Firing alerts of this SLO"]


def test_panel_ids_and_grid_are_stable_and_dense(dash):
    ids = [p["id"] for _, p in checks.panels(dash)]
    assert ids == list(range(1, len(ids) + 1))
    assert checks.structure_problems(dash) == []
    for panel in dash["panels"]:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


def test_panel_functions_are_pure(spec):
    """Same spec, same objects: no clock, env or randomness in panels/dashboards."""
    a = render.dashboard_dict(dashboard.build(spec))
    b = render.dashboard_dict(dashboard.build(spec))
    assert a == b
