"""Generated Prometheus rules: exact names, promtool check, operator alerts, several SLOs."""

from __future__ import annotations

import re

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.clients import promtool
from aethervision.core import durations
from aethervision.core.errors import SpecError
from aethervision.rules import files as rules

from support import promtool_run as pr
from support.repo import SPEC, add_slo, generated, generated_rule_files

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


def _raw_ranges(expr: str) -> list[str]:
    """Ranges over which an expression reads the raw SLI counters."""
    return re.findall(r"crm_payments_total\{[^}]*\}\[(\w+)\]", expr)


def test_long_windows_read_tiles_from_the_slow_group_never_raw_counters(spec):
    """Two tiers: the slow group reads each counter now and 5m ago (a tile: the exact increase,
    no range) every 5m and averages tiles for 6h, 1d, 3d and 30d; the fast group reads raw
    counters over ranges only up to 1h."""
    doc = rules.recording_rules(spec)
    intervals = {g["name"]: g.get("interval") for g in doc["groups"] + rules.alert_rules(spec)["groups"]}
    assert intervals.pop("slo_payment_rate.predict.long") == "5m"
    assert set(intervals.values()) == {"30s"}  # every other group states the fast interval
    by_group = groups(doc)
    slow = {r["record"]: r["expr"] for r in by_group["slo_payment_rate.predict.long"]}
    fast = {r["record"]: r["expr"] for r in by_group["slo_payment_rate.predict.recording"]}
    assert {rng for e in slow.values() for rng in _raw_ranges(e)} == set()
    assert slow["slo:payment_rate:requests:rate:tile"] == (
        'sum((crm_payments_total{status=~"success|failed"} - crm_payments_total{status=~"success|failed"} '
        'offset 5m >= 0 or crm_payments_total{status=~"success|failed"} < crm_payments_total{status=~"success|failed"}'
        ' offset 5m)) / 300')
    # One second past the window, so the window's first sample is read on Prometheus 2 and 3 alike.
    assert {rng for e in fast.values() for rng in _raw_ranges(e)} == {"10m1s", "30m1s", "1h1s"}
    # Half a tile short, so each range holds exactly window / 5m tiles (both ends are included).
    spans = {"6h": "5h57m30s", "1d": "23h57m30s", "3d": "2d23h57m30s", "30d": "29d23h57m30s"}
    for window, span in spans.items():
        assert slow[f"slo:payment_rate:errors:rate{window}:slow"] == \
            f"avg_over_time(slo:payment_rate:errors:rate:tile[{span}])"
        # The tiles' mean at the newest tile, plus the head since it, minus the tail that left
        # the window since (rules/exact.py): instant reads of the raw counters, no range.
        exact = fast[f"slo:payment_rate:errors:rate{window}"]
        seconds = durations.parse(window)
        assert exact.startswith(f"(last_over_time(slo:payment_rate:errors:rate{window}:slow[10m]) * {seconds}"
                                " + on() (slo:payment_rate:errors:since_tile or on() 0 * ")
        assert f'sum(crm_payments_total{{status="failed"}} offset {window})' in exact
        assert f"last_over_time(slo:payment_rate:errors:counted[10m] offset {window})" in exact
    assert fast["slo:payment_rate:errors:since_tile"].startswith(
        'clamp_min(sum(crm_payments_total{status="failed"}) - on() '
        'last_over_time(slo:payment_rate:errors:counted[10m]), 0)')
    assert "slo:payment_rate:requests:rate3d" not in fast  # long windows: only the ratio windows need them
    # Against the window's traffic once the data is an hour old; the burn rate before (first hour).
    assert fast["slo:payment_rate:budget_burn:rate1h"] == (
        "slo:payment_rate:errors:rate1h / (slo:payment_rate:requests:rate30d > 0) / 0.01 and on() "
        "slo:payment_rate:window_coverage:ratio >= 0.001388888889\n"
        "  or slo:payment_rate:errors:rate1h / (slo:payment_rate:requests:rate1h > 0) / 0.01")


def test_the_spec_sets_each_tier(spec_data, write_spec):
    spec_data["rules"] = {"interval": "1m", "long_windows": {"from": "1d", "interval": "10m"}}
    doc = groups(rules.recording_rules(spec_mod.load(write_spec(spec_data))))
    fast = {r["record"]: r["expr"] for r in doc["slo_payment_rate.predict.recording"]}
    assert _raw_ranges(fast["slo:payment_rate:errors:rate6h"]) == ["6h1s"]  # 6h is short now
    assert fast["slo:payment_rate:errors:rate1d"].startswith(
        "(last_over_time(slo:payment_rate:errors:rate1d:slow[20m]) * 86400")
    tile = next(r["expr"] for r in doc["slo_payment_rate.predict.long"] if r["record"].endswith("requests:rate:tile"))
    assert "offset 10m" in tile and tile.endswith("/ 600")


def test_rules_for_victoriametrics_read_the_window_itself(spec_data, write_spec):
    """MetricsQL's rate() reads the sample before its range: the window is exact there as it is."""
    spec_data["rules"] = {"engine": "victoriametrics"}
    fast = {r["record"]: r["expr"] for r in groups(rules.recording_rules(spec_mod.load(write_spec(spec_data))))[
        "slo_payment_rate.predict.recording"]}
    assert {rng for e in fast.values() for rng in _raw_ranges(e)} == {"10m", "30m", "1h"}


def test_victoriametrics_refuses_native_histograms_and_utf8_names(spec_data, write_spec):
    spec_data["rules"] = {"engine": "victoriametrics"}
    spec_data["slos"][0]["sli"] = {"latency": {"native_histogram": "http.server.request.duration", "below": 0.25}}
    with pytest.raises(SpecError) as raised:
        spec_mod.load(write_spec(spec_data))
    assert "slos[0].sli.latency.native_histogram: 'http.server.request.duration': native histograms need " \
           "Prometheus 3, and rules.engine is victoriametrics" in str(raised.value)


@pytest.mark.parametrize("rules_section, field, message", [
    ({"long_windows": {"interval": "15s"}}, "rules.long_windows.interval", "shorter than rules.interval"),
    ({"long_windows": {"interval": "20s"}, "interval": "10s"}, "rules.long_windows.interval", "twice the scrape"),
    ({"long_windows": {"from": "5m"}}, "rules.long_windows.from", "at least twice"),
    ({"interval": "soon"}, "rules.interval", "soon"),
])
def test_bad_rule_intervals_are_refused_by_field(spec_data, write_spec, rules_section, field, message):
    spec_data["rules"] = rules_section
    with pytest.raises(SpecError) as err:
        spec_mod.load(write_spec(spec_data))
    assert field in str(err.value) and message in str(err.value)


def seed_spec(spec_data, write_spec, **alerts):
    spec_data["runway"]["policy"] = "seed"
    for level, values in alerts.items():
        spec_data["runway"]["alerts"][level] = values
    return spec_mod.load(write_spec(spec_data))


def test_seed_policy_alerts_are_the_original_runway_alerts(spec_data, write_spec):
    spec = seed_spec(spec_data, write_spec, warning={"below": "24h", "for": "15m"},
                     critical={"below": "6h", "for": "10m"})
    alerts = groups(rules.alert_rules(spec))
    soon, critical, no_data = alerts["slo_payment_rate.alerts"]
    assert no_data["alert"] == "PaymentRateSLINoData"
    assert (soon["alert"], soon["expr"], soon["for"], soon["labels"]["severity"]) == (
        "PaymentRatePredictedBreachSoon", "slo:payment_rate:hours_to_breach < 24", "15m", "warning")
    assert (critical["alert"], critical["expr"], critical["for"], critical["labels"]["severity"]) == (
        "PaymentRatePredictedBreachCritical", "slo:payment_rate:hours_to_breach < 6", "10m", "critical")
    for alert in (soon, critical):
        assert set(alert["annotations"]) == {"summary", "description", "actions", "runbook_url", "dashboard"}
        assert "$value" in alert["annotations"]["summary"]
    runway = {r["record"]: r["expr"] for r in groups(rules.recording_rules(spec))["slo_payment_rate.predict.recording"]}
    assert "slo:payment_rate:burn_rate:rate1h > 0" in runway["slo:payment_rate:hours_to_breach_1h"]
    assert "slo:payment_rate:hours_to_breach_10m" not in runway


def test_default_policy_alerts(spec):
    alerts = groups(rules.alert_rules(spec))
    by_name = {a["alert"]: a for a in alerts["slo_payment_rate.alerts"]}
    assert {n: (a["labels"]["severity"], a.get("for")) for n, a in by_name.items()} == {
        "PaymentRatePredictedBreachSoon": ("warning", "5m"),
        "PaymentRatePredictedBreachCritical": ("critical", "5m"),
        "PaymentRateErrorBudgetFastBurn": ("critical", None),
        "PaymentRateErrorBudgetSlowBurn": ("warning", None),
        "PaymentRateErrorBudgetExhausted": ("info", None),
        "PaymentRateSLINoData": ("warning", "10m")}
    soon = by_name["PaymentRatePredictedBreachSoon"]["expr"]
    # A short window remembers the 30m hold (runway.hold): the 10m one at its lowest (highest) over
    # the last 20m; the 30m one already does. A flapping burn is one page.
    for part in ("slo:payment_rate:hours_to_breach_1h < 24 and "
                 "min_over_time(slo:payment_rate:hours_to_breach_10m[20m]) < 24",
                 "slo:payment_rate:hours_to_breach_6h < 24 and slo:payment_rate:hours_to_breach_30m < 24",
                 "max_over_time(slo:payment_rate:budget_burn:rate10m[20m]) > 1",
                 "slo:payment_rate:errors:rate1h * 3600 >= 3",
                 # two failures in the short window: one lone failure confirms no burn
                 "slo:payment_rate:errors:rate10m * 600 >= 1.5",
                 "and slo:payment_rate:error_budget_remaining:ratio > 0"):
        assert part in soon
    fast = by_name["PaymentRateErrorBudgetFastBurn"]["expr"]
    assert ("slo:payment_rate:budget_burn:rate1h > 14.4 and "
            "max_over_time(slo:payment_rate:budget_burn:rate10m[20m]) > 14.4") in fast
    assert "slo:payment_rate:budget_burn:rate6h > 6 and slo:payment_rate:budget_burn:rate30m > 6" in fast
    slow = by_name["PaymentRateErrorBudgetSlowBurn"]["expr"]
    assert "slo:payment_rate:budget_burn:rate3d > 1 and slo:payment_rate:budget_burn:rate30m > 1" in slow
    assert by_name["PaymentRateErrorBudgetExhausted"]["expr"] == "slo:payment_rate:error_budget_remaining:ratio == 0"
    for name, alert in by_name.items():
        marked = name == "PaymentRateErrorBudgetFastBurn"  # alerting.page.autoheal: true in the spec
        assert set(alert["annotations"]) == {"summary", "description", "actions", "runbook_url", "dashboard",
                                             *(["autoheal"] if marked else [])}
        assert alert["labels"].get("autoheal") == ("true" if marked else None)
    assert [a["alert"] for a in alerts["aethervision.alerts"]] == [
        "AutohealDisabledInDev", "AutohealStaleActions", "HttpEndpointDownFast", "TcpEndpointDownFast",
        "ProbesCoverageLow"]
    severities = {a["alert"]: a["labels"]["severity"] for a in alerts["aethervision.alerts"]}
    assert severities == {"AutohealDisabledInDev": "info", "AutohealStaleActions": "warning",
                          "HttpEndpointDownFast": "critical", "TcpEndpointDownFast": "critical",
                          "ProbesCoverageLow": "warning"}


def test_thresholds_and_for_come_from_the_spec(spec_data, write_spec):
    spec_data["runway"]["alerts"]["warning"] = {"below": "36h", "for": "30m"}
    spec_data["runway"]["min_errors"] = 0
    spec_data["runway"]["hold"] = "0s"  # no hold: the short window as it is now
    spec_data["runway"]["burn_alerts"]["page"] = [{"long": "2h", "short": "15m", "factor": 10}]
    spec_data["probes"]["min_healthy"] = 7
    spec = spec_mod.load(write_spec(spec_data))
    alerts = {a["alert"]: a for a in groups(rules.alert_rules(spec))["slo_payment_rate.alerts"]}
    soon = alerts["PaymentRatePredictedBreachSoon"]
    assert soon["expr"].count("< 36") == 4 and soon["for"] == "30m" and ">= " not in soon["expr"]
    assert alerts["PaymentRateErrorBudgetFastBurn"]["expr"] == (
        "slo:payment_rate:budget_burn:rate2h > 10 and slo:payment_rate:budget_burn:rate15m > 10")
    records = {r["record"] for r in groups(rules.recording_rules(spec))["slo_payment_rate.predict.recording"]}
    assert {"slo:payment_rate:errors:rate2h", "slo:payment_rate:budget_burn:rate15m"} <= records
    operator = {a["alert"]: a for a in groups(rules.alert_rules(spec))["aethervision.alerts"]}
    assert operator["ProbesCoverageLow"]["expr"].endswith("< 7")
    seed = seed_spec(spec_data, write_spec, warning={"below": "36h", "for": "30m"})
    assert groups(rules.alert_rules(seed))["slo_payment_rate.alerts"][0]["expr"] == \
        "slo:payment_rate:hours_to_breach < 36"


@pytest.mark.promtool
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
    assert names == ["InvoiceLatencyPredictedBreachSoon", "InvoiceLatencyPredictedBreachCritical",
                     "InvoiceLatencyErrorBudgetFastBurn", "InvoiceLatencyErrorBudgetSlowBurn",
                     "InvoiceLatencyErrorBudgetExhausted", "InvoiceLatencySLINoData"]
    assert promtool.check_rules(*generated_rule_files(tmp_path, path)) == []


@pytest.mark.promtool
def test_promtool_check_rules_passes_on_every_generated_file(tmp_path):
    paths = generated_rule_files(tmp_path)
    result = promtool.run("check", "rules", *map(str, paths))
    assert result.returncode == 0, result.stdout + result.stderr
    # recording: 12 slow + 35 fast for the SLO (with exact windows' snapshots and heads), 8 aggregates
    assert "SUCCESS: 55 rules found" in result.stdout
    assert "SUCCESS: 11 rules found" in result.stdout  # alerting: 6 for the SLO, 5 operator alerts


@pytest.mark.promtool
def test_promtool_check_rules_catches_a_broken_file(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n- name: x\n  rules:\n  - record: a:b\n    expr: sum(rate(x[5m])\n")
    problems = promtool.check_rules(bad)
    assert problems and any("parse error" in p or "unclosed" in p for p in problems)


@pytest.mark.promtool
def test_prometheus_config_loads_rules_and_scrapes_autoheal(spec, tmp_path):
    files = generated(spec).files
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
              # critical: the injected one and HttpEndpointDownFast (h2 is down); warnings:
              # ProbesCoverageLow, and PaymentRateSLINoData (this case has no SLI data)
              ("aethervision:alerts_critical:count", at, 2), ("aethervision:alerts_warning:count", at, 2),
              ("aethervision:alerts:count", at, 4), ("aethervision:autoheal_enabled", at, 1),
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
            {"eval_time": "30m", "alertname": "HttpEndpointDownFast", "exp_alerts": [
                {"exp_labels": {"severity": "critical", "component": "aethervision", "probe_kind": "http",
                                "instance": "h2"},
                 "exp_annotations": {"summary": "HTTP endpoint h2 is down",
                                     "description": 'The HTTP probe of h2 has failed for 1m '
                                                    '(probe_success{probe_kind="http"}).'}}]},
            {"eval_time": "30m", "alertname": "TcpEndpointDownFast", "exp_alerts": []},
            {"eval_time": "9m", "alertname": "PaymentRateSLINoData", "exp_alerts": []},  # for: 10m
        ],
        firing=[("PaymentRateSLINoData", 11 * 60,
                 {"severity": "warning", "component": "slo", "service": "crm", "slo": "payment_rate"})],
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


@pytest.mark.slow
@pytest.mark.promtool
@pytest.mark.parametrize("make_case", [_ops_case, _disabled_case])
def test_operator_rules_in_promtool(make_case, tmp_path):
    case = make_case()
    paths = generated_rule_files(tmp_path)
    result = pr.run([case], paths, tmp_path)[case.name]
    if result.returncode != 0:
        pytest.fail(pr.explain(case, paths, tmp_path, result))
