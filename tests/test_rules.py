"""Generated Prometheus rules: exact names, promtool check, operator alerts, several SLOs."""

from __future__ import annotations

import pytest
import yaml

from aethervision import promtool, spec as spec_mod
from aethervision.builder import outputs
from aethervision.rules import files as rules
from conftest import SPEC, add_slo, generated_rule_files
from support import promtool_run as pr

HOUR = 3600


@pytest.fixture(scope="module")
def spec():
    return spec_mod.load(SPEC)


def groups(doc):
    return {g["name"]: g["rules"] for g in doc["groups"]}


def test_recording_groups_have_the_exact_names(spec):
    rec = groups(rules.recording_rules(spec))
    predict = [r["record"] for r in rec["slo_payment_rate.predict.recording"]]
    for name in ("hours_to_breach_1h", "hours_to_breach_6h", "hours_to_breach", "days_to_breach",
                 "error_budget_remaining:ratio", "burn_rate:rate1h", "burn_rate:rate6h",
                 "error_ratio:rate1h", "error_ratio:rate6h", "error_ratio:rate30d"):
        assert f"slo:payment_rate:{name}" in predict
    # Dependencies are recorded before the rules that read them (sequential evaluation).
    assert predict.index("slo:payment_rate:hours_to_breach_1h") < predict.index("slo:payment_rate:hours_to_breach")
    assert [r["record"] for r in rec["aethervision.recording"]] == [
        "aethervision:alerts:count", "aethervision:alerts_critical:count",
        "aethervision:alerts_warning:count", "aethervision:probes_http_up",
        "aethervision:probes_tcp_up", "aethervision:days_to_breach",
        "aethervision:autoheal_enabled", "aethervision:autoheal_last_action_age"]
    labels = rec["slo_payment_rate.predict.recording"][0]["labels"]
    assert labels == {"component": "slo", "service": "crm", "slo": "payment_rate"}


def test_no_raw_rate_over_the_slo_window(spec):
    """The 30d ratio comes from recorded short rates, never rate(raw[30d])."""
    for rule in groups(rules.recording_rules(spec))["slo_payment_rate.predict.recording"]:
        assert "[30d]" not in rule["expr"] or "crm_payments_total" not in rule["expr"]


def test_alert_groups_names_thresholds_and_annotations(spec):
    alerts = groups(rules.alert_rules(spec))
    soon, critical = alerts["slo_payment_rate.alerts"]
    assert (soon["alert"], soon["expr"], soon["for"], soon["labels"]["severity"]) == (
        "PaymentRatePredictedBreachSoon", "slo:payment_rate:hours_to_breach < 24", "15m", "warning")
    assert (critical["alert"], critical["expr"], critical["for"], critical["labels"]["severity"]) == (
        "PaymentRatePredictedBreachCritical", "slo:payment_rate:hours_to_breach < 6", "10m", "critical")
    for alert in (soon, critical):
        assert set(alert["annotations"]) == {"summary", "description", "actions", "runbook_url", "dashboard"}
        assert "$value" in alert["annotations"]["summary"]
    assert [a["alert"] for a in alerts["aethervision.alerts"]] == [
        "AutohealDisabledInDev", "AutohealStaleActions", "ProbesCoverageLow"]
    severities = {a["alert"]: a["labels"]["severity"] for a in alerts["aethervision.alerts"]}
    assert severities == {"AutohealDisabledInDev": "info", "AutohealStaleActions": "warning",
                          "ProbesCoverageLow": "warning"}


def test_thresholds_and_for_come_from_the_spec(spec_data, write_spec):
    spec_data["runway"]["alerts"]["warning"] = {"below": "36h", "for": "30m"}
    spec_data["probes"]["min_healthy"] = 7
    spec = spec_mod.load(write_spec(spec_data))
    alerts = groups(rules.alert_rules(spec))
    assert alerts["slo_payment_rate.alerts"][0]["expr"] == "slo:payment_rate:hours_to_breach < 36"
    assert alerts["slo_payment_rate.alerts"][0]["for"] == "30m"
    assert alerts["aethervision.alerts"][2]["expr"].endswith("< 7")


def test_several_slos_each_get_their_family_and_alerts(spec_data, write_spec, tmp_path):
    path = write_spec(add_slo(spec_data, "invoice_latency", "invoice"))
    spec = spec_mod.load(path)
    rec = groups(rules.recording_rules(spec))
    assert "slo_invoice_latency.predict.recording" in rec
    records = {r["record"] for r in rec["slo_invoice_latency.predict.recording"]}
    assert "slo:invoice_latency:days_to_breach" in records
    worst = [r for r in rec["aethervision.recording"] if r["record"] == "aethervision:days_to_breach"][0]
    assert worst["expr"] == "min(slo:payment_rate:days_to_breach or slo:invoice_latency:days_to_breach)"
    names = [a["alert"] for a in groups(rules.alert_rules(spec))["slo_invoice_latency.alerts"]]
    assert names == ["InvoiceLatencyPredictedBreachSoon", "InvoiceLatencyPredictedBreachCritical"]
    assert promtool.check_rules(*generated_rule_files(tmp_path, path)) == []


def test_promtool_check_rules_passes_on_every_generated_file(tmp_path):
    paths = generated_rule_files(tmp_path)
    result = promtool.run("check", "rules", *map(str, paths))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 28 rules found" in result.stdout  # recording
    assert "SUCCESS: 5 rules found" in result.stdout  # alerting


def test_promtool_check_rules_catches_a_broken_file(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n- name: x\n  rules:\n  - record: a:b\n    expr: sum(rate(x[5m])\n")
    problems = promtool.check_rules(bad)
    assert problems and any("parse error" in p or "unclosed" in p for p in problems)


def test_prometheus_config_loads_rules_and_scrapes_autoheal(spec, tmp_path):
    files = outputs.generate(spec)
    config = yaml.safe_load(files["prometheus/prometheus.yml"])
    assert config["rule_files"] == [rules.RECORDING_FILE, rules.ALERTS_FILE]
    jobs = {j["job_name"]: j["static_configs"][0]["targets"] for j in config["scrape_configs"]}
    assert jobs["autoheal"] == ["localhost:9009"] and "crm" in jobs
    for rel, content in files.items():
        if rel.startswith("prometheus/"):
            (tmp_path / rel.split("/")[-1]).write_text(content)
    result = promtool.run("check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def _ops_case() -> pr.Case:
    """26 hours of autoheal and probe data at 1-minute steps."""
    n = 26 * 60
    series = [
        {"series": 'autoheal_enabled{job="autoheal"}', "values": f"1x{n}"},
        {"series": 'autoheal_last_action_epoch{job="autoheal"}', "values": f"0x{n}"},
        {"series": 'ALERTS{alertname="Injected", alertstate="firing", severity="critical"}', "values": f"1x{n}"},
    ]
    for i, up in enumerate((1, 1, 0)):
        series.append({"series": f'probe_success{{probe_kind="http", instance="h{i}"}}', "values": f"{up}x{n}"})
    for i in range(2):
        series.append({"series": f'probe_success{{probe_kind="tcp", instance="t{i}"}}', "values": f"1x{n}"})
    at = 30 * 60
    values = [("aethervision:probes_http_up", at, 2), ("aethervision:probes_tcp_up", at, 2),
              ("aethervision:alerts_critical:count", at, 1), ("aethervision:alerts_warning:count", at, 1),
              ("aethervision:alerts:count", at, 2), ("aethervision:autoheal_enabled", at, 1),
              ("aethervision:autoheal_last_action_age", at, -1)]
    probes_low = {"exp_labels": {"severity": "warning", "component": "aethervision"},
                  "exp_annotations": {
                      "summary": "Fewer than 5 healthy probes",
                      "description": "Only 4 HTTP and TCP probes are healthy (minimum 5): "
                                     "observability coverage is degraded."}}
    return pr.Case(
        "ops", series, values=values, interval="1m", series_interval="1m",
        empty=[("aethervision:days_to_breach", at)],  # no SLI data: empty, never a fake 0
        alerts=[
            {"eval_time": "5m", "alertname": "ProbesCoverageLow", "exp_alerts": []},  # for: 10m
            {"eval_time": "30m", "alertname": "ProbesCoverageLow", "exp_alerts": [probes_low]},
            {"eval_time": "12h", "alertname": "AutohealStaleActions", "exp_alerts": []},
            {"eval_time": "25h", "alertname": "AutohealStaleActions", "exp_alerts": [
                {"exp_labels": {"severity": "warning", "component": "aethervision"},
                 "exp_annotations": {
                     "summary": "Autoheal is enabled but took no action in 24h",
                     "description": "Check the autoheal mappings, the `autoheal: \"true\"` alert labels "
                                    "and the Alertmanager route to the autoheal webhook."}}]},
            {"eval_time": "25h", "alertname": "AutohealDisabledInDev", "exp_alerts": []},
        ],
    )


def _disabled_case() -> pr.Case:
    """Autoheal disabled, one action at epoch 600: disabled alert and action age."""
    n = 60
    series = [{"series": 'autoheal_enabled{job="autoheal"}', "values": f"0x{n}"},
              {"series": 'autoheal_last_action_epoch{job="autoheal"}', "values": f"0x10 600x{n - 10}"}]
    return pr.Case(
        "autoheal_disabled", series, interval="1m", series_interval="1m",
        values=[("aethervision:autoheal_last_action_age", 30 * 60, 30 * 60 - 600),
                ("aethervision:autoheal_enabled", 30 * 60, 0)],
        alerts=[{"eval_time": "20m", "alertname": "AutohealDisabledInDev", "exp_alerts": [
            {"exp_labels": {"severity": "info", "component": "aethervision", "job": "autoheal"},
             "exp_annotations": {"summary": "Autoheal is disabled",
                                 "description": "Autoheal has been disabled for 10m: expected in "
                                                "production, a reminder in development."}}]},
            {"eval_time": "20m", "alertname": "AutohealStaleActions", "exp_alerts": []}],
    )


@pytest.mark.parametrize("make_case", [_ops_case, _disabled_case])
def test_operator_rules_in_promtool(make_case, tmp_path):
    case = make_case()
    paths = generated_rule_files(tmp_path)
    result = pr.run([case], paths, tmp_path)[case.name]
    if result.returncode != 0:
        pytest.fail(pr.explain(case, paths, tmp_path, result))
