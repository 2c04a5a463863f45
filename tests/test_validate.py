"""`aethervision validate` and the checks behind it, each shown to catch its fault."""

from __future__ import annotations

import copy
import json

import pytest

from aethervision import spec as spec_mod
from aethervision.builder import checks, outputs
from aethervision.promql.parse import metric_names

from support.repo import SPEC, generated


def known(spec) -> set[str]:
    return generated(spec).known_metrics


@pytest.fixture(scope="module")
def spec():
    return spec_mod.load(SPEC)


@pytest.fixture
def dash(spec):
    return copy.deepcopy(outputs.dashboards(spec)[outputs.dashboard_path(spec)])


@pytest.mark.promtool
def test_validate_command_passes_with_schemas_and_promtool(cli, grafana_schema):
    result = cli("validate", "--spec", str(SPEC), "--grafana-schema", str(grafana_schema))
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_duplicate_ids_overlap_and_grid_overflow_are_found(dash):
    dash["panels"][2]["id"] = dash["panels"][1]["id"]
    dash["panels"][3]["gridPos"] = dict(dash["panels"][1]["gridPos"])
    dash["panels"][4]["gridPos"]["x"] = 20
    problems = "\n".join(checks.structure_problems(dash))
    assert "id 2 is also used by" in problems
    assert "overlaps panels[1]" in problems
    assert "leaves the 24-column grid" in problems


def test_threshold_order_base_and_refids_are_checked(dash):
    panel = dash["panels"][1]
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    steps[0]["value"], steps[2]["value"] = 0, 1
    panel["targets"].append(dict(panel["targets"][0]))
    del dash["panels"][2]["targets"][0]["refId"]
    problems = "\n".join(checks.structure_problems(dash))
    assert "first step must be the base" in problems
    assert "ascending order, got [5.0, 1, 20.0]" in problems
    assert "refId 'A' is not unique" in problems
    assert "targets[0]: missing refId" in problems


def test_schema_violation_is_located(dash, grafana_schema):
    dash["panels"][1]["options"]["colorMode"] = "rainbow"
    dash["panels"][2]["gridPos"]["w"] = 30
    problems = checks.schema_problems(dash, grafana_schema)
    assert any(p.startswith("panels[1] '🧭 Days to Breach (Conservative)'.options.colorMode") for p in problems)
    assert any("dashboard.panels[2].gridPos.w" in p for p in problems)


def test_unknown_metric_in_a_query_is_reported(spec, dash):
    dash["panels"][1]["targets"][0]["expr"] = "slo:payment_rate:days_to_breech"
    problems = checks.metric_problems(known(spec), checks.dashboard_queries(dash, "d.json"))
    assert len(problems) == 1
    assert "reads 'slo:payment_rate:days_to_breech'" in problems[0]
    assert "refId A" in problems[0]


def test_every_dashboard_query_reads_only_recorded_or_input_metrics(spec, dash):
    queries = checks.dashboard_queries(dash, "d.json")
    assert len(queries) >= 15
    assert checks.metric_problems(known(spec), queries) == []


@pytest.mark.promtool
def test_promql_that_does_not_parse_is_reported_by_promtool():
    from aethervision.clients import promtool
    problems = promtool.check_expressions({
        "ok": "sum(rate(x[5m]))", "broken": "sum(rate(x[5m])", "macro": "rate(x[$__rate_interval])"})
    assert len(problems) == 1 and problems[0].startswith("broken: PromQL does not parse")


@pytest.mark.promtool
def test_validate_fails_with_exit_1_for_a_bad_query(cli, spec_data, write_spec, monkeypatch):
    """A spec selector that is not PromQL is refused at load time, naming the field, promtool or not."""
    spec_data["probes"]["http"] = 'probe_success{probe_kind=~"http}'
    path = write_spec(spec_data)
    for extra in (["--skip-promtool"], []):
        result = cli("validate", "--spec", str(path), *extra)
        assert result.exit_code == 1
        assert f"{path}: probes.http: not a valid PromQL series selector" in result.stderr


def test_missing_promtool_is_a_clear_error(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PROMTOOL", raising=False)
    monkeypatch.setenv("AETHERVISION_SERVERS", str(tmp_path))  # nor a pinned build
    result = cli("validate", "--spec", str(SPEC))
    assert result.exit_code == 1
    assert "promtool not found" in result.stderr and "apt-get install prometheus" in result.stderr


@pytest.mark.parametrize("expr, names", [
    ("aethervision:probes_http_up + aethervision:probes_tcp_up",
     {"aethervision:probes_http_up", "aethervision:probes_tcp_up"}),
    ('sum by (alert, result) (increase(autoheal_actions_total{job="autoheal"}[$__rate_interval]))',
     {"autoheal_actions_total"}),
    ('count(ALERTS{alertstate="firing", severity="critical"}) or vector(0)', {"ALERTS"}),
    ("min by (slo) (a:b or c:d) / on (slo) group_left (x) e", {"a:b", "c:d", "e"}),
    ('sum(rate(crm_payments_total{status=~"success|failed"}[1h])) without (instance)',
     {"crm_payments_total"}),
    ("time() - max(autoheal_last_action_epoch > 0) or vector(-1)", {"autoheal_last_action_epoch"}),
    ('x offset 5m and y{le="0.5"} unless bool z', {"x", "y", "z"}),
])
def test_metric_names(expr, names):
    assert metric_names(expr) == names


def test_validate_json_output_is_the_file_on_disk(spec):
    files = generated(spec).files
    data = json.loads(files[outputs.dashboard_path(spec)])
    assert data == outputs.dashboards(spec)[outputs.dashboard_path(spec)]
