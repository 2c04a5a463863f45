"""The spec's SLI kinds, groups, routing and optional sections: what they generate, and the bad
input each one refuses (exit 1, file and field named, nothing written)."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.promql import sli
from aethervision.rules import files as rules

from support.repo import ROOT, SPEC, tree_bytes

FLEET = ROOT / "examples" / "fleet.yaml"
MINIMAL = {"version": "aethervision/v1", "slos": [
    {"name": "checkout", "service": "shop", "objective": 0.999, "window": "28d",
     "sli": {"errors": 'http_requests_total{code=~"5.."}', "total": "http_requests_total"}}]}


def rules_by_name(spec) -> dict[str, dict]:
    return {name: rule for doc in (rules.recording_rules(spec), rules.alert_rules(spec))
            for _, name, rule in rules.walk_rules(doc)}


def test_the_minimal_spec_builds_without_optional_sections(cli, write_spec, tmp_path):
    path = write_spec(MINIMAL)
    out = tmp_path / "out"
    result = cli("build", "--spec", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "prometheus/prometheus.yml" not in files  # no prometheus section, no scrape config
    spec = spec_mod.load(path)
    assert (spec.probes, spec.autoheal, spec.prometheus) == (None, None, None)
    names = rules_by_name(spec)
    assert not any(n.startswith(("Autoheal", "Probes", "aethervision:probes", "aethervision:autoheal"))
                   for n in names)
    assert "slo:checkout:days_to_breach" in names and "CheckoutSLINoData" in names
    dashboard = (out / "dashboards" / "aethervision" / "aethervision.json").read_text()
    assert "Autoheal" not in dashboard and "Probes Up" not in dashboard
    assert cli("validate", "--spec", str(path), "--skip-promtool").exit_code == 0


def test_each_kind_reads_its_inputs_and_records_the_same_family():
    spec = spec_mod.load(FLEET)
    names = rules_by_name(spec)
    family = ["error_budget_remaining:ratio", "hours_to_breach_1h", "hours_to_breach_6h", "hours_to_breach",
              "days_to_breach", "burn_rate:rate1h", "budget_burn:rate1h"]
    for slo in spec.slos:
        assert all(f"slo:{slo.name}:{what}" in names for what in family), slo.name
    latency = names["slo:api_latency:errors:rate1h"]["expr"]
    # Exact increases (samples now and 1h ago), the bucket's spellings joined into one counter.
    assert 'max without (le) (api_request_duration_seconds_bucket{job="api", le=~"0\\\\.25"} offset 1h)' in latency
    assert 'api_request_duration_seconds_count{job="api"} offset 1h' in latency and "[" not in latency
    probe = names["slo:checkout_probe:requests:rate1h"]["expr"]
    assert probe.startswith("count(avg_over_time(probe_success{")
    grouped = names["slo:agent_availability:errors:rate1h"]["expr"]
    assert grouped.startswith("sum by (cluster) (rate(agent_requests_total")
    # No raw [30d] (or [28d]) reads: the window is built from the recorded 10m rates.
    window_reads = [m for rule in names.values()
                    for m in re.findall(r"([A-Za-z_:][\w:]*)(?:\{[^}]*\})?\[(?:30d|28d)\]", rule["expr"])]
    assert window_reads and all(name.startswith("slo:") for name in window_reads)


@pytest.mark.parametrize("below, spellings", [(0.25, ["0.25"]), (1, ["1", "1.0"]), (1e6, ["1000000", "1000000.0",
                                                                                          "1e+06"])])
def test_latency_bounds_match_every_client_spelling(below, spellings):
    assert sli.le_spellings(below) == sorted(spellings)


def test_routing_labels_tiers_and_alert_name():
    spec = spec_mod.load(FLEET)
    alerts = {r["alert"]: r for _, _, r in rules.walk_rules(rules.alert_rules(spec))}
    assert alerts["PaymentRateErrorBudgetFastBurn"]["labels"]["team"] == "payments"
    ticket = alerts["InvoiceErrorBudgetSlowBurn"]["labels"]
    assert (ticket["team"], ticket["queue"]) == ("billing", "billing-tickets")
    assert "InvoicePredictedBreachSoon" not in alerts  # warning tier disabled
    assert "InvoicePredictedBreachCritical" in alerts
    no_data = alerts["AgentAvailabilitySLINoData"]
    assert (no_data["for"], no_data["labels"]["severity"]) == ("15m", "critical")
    assert "$labels.cluster" in no_data["annotations"]["summary"]


def test_the_fleet_example_is_a_golden_pair():
    assert (ROOT / "tests" / "golden" / "fleet" / "aethervision.yaml").resolve() == FLEET.resolve()


def _slo(data: dict) -> dict:
    return data["slos"][0]


BAD = {
    "latency without below": (
        lambda s: _slo(s).update(sli={"latency": {"histogram": "h_seconds"}}),
        "slos[0].sli.latency.below", "required key is missing"),
    "two kinds": (
        lambda s: _slo(s)["sli"].update(probe="probe_success"),
        "slos[0].sli", "exactly one SLI kind"),
    "raw without $window": (
        lambda s: _slo(s).update(sli={"raw": "sum(rate(e[5m])) / sum(rate(t[5m]))"}),
        "slos[0].sli.raw", "must contain $window"),
    "group_by a pinned label": (
        lambda s: _slo(s).update(group_by=["status"]),
        "slos[0].group_by", "pinned to one value"),
    "disabled and labelled tier": (
        lambda s: _slo(s).update(alerting={"page": {"disable": True, "labels": {"route": "x"}}}),
        "slos[0].alerting.page", "disabled and also given labels"),
    "unknown key in latency": (
        lambda s: _slo(s).update(sli={"latency": {"histogram": "h", "below": 0.3, "bellow": 1}}),
        "slos[0].sli.latency", "bellow"),
    "unknown tier": (
        lambda s: _slo(s).update(alerting={"pager": {"disable": True}}),
        "slos[0].alerting", "pager"),
    "reserved routing label": (
        lambda s: _slo(s).update(labels={"slo": "other"}),
        "slos[0].labels.slo", "set by AetherVision"),
    "probe targets without an exporter": (
        lambda s: s["probes"].pop("exporter"),
        "probes.exporter", "required with probes.targets"),
    "disabled tier marked autoheal": (
        lambda s: _slo(s).update(alerting={"page": {"disable": True, "autoheal": True}}),
        "slos[0].alerting.page", "disabled and also given"),
    "autoheal label by hand": (
        lambda s: _slo(s).update(alerting={"page": {"labels": {"autoheal": "true"}}}),
        "slos[0].alerting.page.labels.autoheal", "`autoheal: true`"),
    "latency with both histogram kinds": (
        lambda s: _slo(s).update(sli={"latency": {"histogram": "h", "native_histogram": "h", "below": 0.3}}),
        "slos[0].sli.latency", "exactly one of histogram"),
    "latency with no histogram": (
        lambda s: _slo(s).update(sli={"latency": {"below": 0.3}}),
        "slos[0].sli.latency", "exactly one of histogram"),
    "UTF-8 name with a broken matcher": (
        lambda s: _slo(s)["sli"].update(errors='{"http.server.requests", code=="5xx"}'),
        "slos[0].sli.errors", "not a valid PromQL series selector"),
    "two metric names": (
        lambda s: _slo(s)["sli"].update(errors='http_requests{"http.server.requests"}'),
        "slos[0].sli.errors", "two metric names"),
    "raw PromQL that does not parse": (
        lambda s: _slo(s).update(sli={"raw": "sum(rate(e[$window])) / sum(rate(t[$window])"}),
        "slos[0].sli.raw", "PromQL does not parse: unclosed left parenthesis"),
    "raw group label not kept": (
        lambda s: _slo(s).update(sli={"raw": "sum(rate(e[$window])) / sum(rate(t[$window]))"}, group_by=["cluster"]),
        "slos[0].group_by", "does not appear in sli.raw"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_file_and_field_and_writes_nothing(case, cli, spec_data, write_spec, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "--spec", str(SPEC), "--out", str(out)).exit_code == 0
    before = tree_bytes(out)
    change, field, words = BAD[case]
    data = copy.deepcopy(spec_data)
    change(data)
    path = write_spec(data, "bad.yaml")
    result = cli("build", "--spec", str(path), "--out", str(out))
    assert result.exit_code == 1, result.output
    assert f"{path}: {field}" in result.stderr and words in result.stderr, result.stderr
    assert tree_bytes(out) == before


def test_the_fleet_example_round_trips_through_yaml():
    """The example stays plain YAML a user can copy: keys the schema knows, nothing else."""
    data = yaml.safe_load(FLEET.read_text())
    assert spec_mod.from_data(data, str(FLEET)).slos[1].group_by == ("cluster",)


@pytest.mark.promtool
def test_the_fleet_example_validates_against_grafana_schemas_and_promtool(cli, grafana_schema):
    result = cli("validate", "--spec", str(FLEET), "--grafana-schema", str(grafana_schema))
    assert result.exit_code == 0, result.output
    assert "checked  promtool check rules" in result.stdout
    assert f"checked  Grafana JSON Schemas ({grafana_schema})" in result.stdout


def test_the_detail_dashboard_says_what_each_kind_counts_as_bad():
    """Units and words fit the kind: the SLO picker and the error-ratio title name the bad events."""
    spec = spec_mod.load(FLEET)
    from aethervision.builder import outputs

    detail = outputs.dashboards(spec)[outputs.dashboard_path(spec, spec.grafana.detail_uid)]
    slo = next(v for v in detail["templating"]["list"] if v["name"] == "slo")
    texts = {o["value"]: o["text"] for o in slo["options"]}
    assert texts["api_latency"] == "api_latency · requests slower than 250 ms"
    assert texts["checkout_probe"] == "checkout_probe · failed probes"
    assert any(p.get("title") == "Error ratio · ${slo:text}" for p in detail["panels"])
