"""Grafana 12/13 formats: dashboards as `dashboard.grafana.app/v1` and `/v2` resources with a
folder resource (Git Sync's layout), and Grafana-managed SLO alerts as alerting provisioning,
each validated against Grafana's own JSON Schemas (../shared/grafana-schema); the Grafana
rules fire for the series the Prometheus rules do, in the real promtool."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.builder import checks, dashboard_v2, grafana_alerting, outputs
from aethervision.core.errors import SpecError

from support import promtool_run as pr
from support.repo import GOLDEN, generated_rule_files
from support.scenarios import DAY, HOUR, MINUTE, Segment, input_series

CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "aethervision.yaml").is_file())


def _spec(tmp_path, case: str, **top) -> object:
    data = yaml.safe_load((GOLDEN / case / "aethervision.yaml").read_text())
    for key, value in top.items():
        if key == "format":
            data.setdefault("grafana", {})["format"] = value
        else:
            data[key] = value
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return spec_mod.load(path)


@pytest.mark.parametrize("fmt", ["resource", "v2"])
@pytest.mark.parametrize("case", CASES)
def test_every_resource_validates_and_reads_back(case, fmt, tmp_path, grafana_schema):
    spec = _spec(tmp_path, case, format=fmt)
    dashboards = outputs.dashboards(spec)
    files = outputs.files(spec, dashboards, outputs.rule_documents(spec))
    resources = {rel: json.loads(text) for rel, text in files.items() if rel.startswith(outputs.DASHBOARD_DIR + "/")}
    assert outputs.FOLDER_FILE in resources and len(resources) == len(dashboards) + 1
    for rel, doc in resources.items():
        assert checks.resource_problems(doc, grafana_schema, rel) == []
        if doc["kind"] == "Dashboard":
            assert doc["apiVersion"] == (dashboard_v2.V2 if fmt == "v2" else dashboard_v2.V1)
            assert doc["metadata"]["annotations"] == {"grafana.app/folder": spec.grafana.folder_uid}
    for rel, classic in dashboards.items():  # the v2 transform keeps every panel, query and position
        back = dashboard_v2.to_classic(resources[rel]["spec"]) if fmt == "v2" else resources[rel]["spec"]
        def view(d):
            return [(p["type"], p.get("title"), p["gridPos"], [t.get("expr") for t in p.get("targets", [])])
                    for p in d["panels"]]
        assert view(back) == view(classic)


def test_a_v2_dashboard_has_typed_variables_and_elements(tmp_path):
    spec = _spec(tmp_path, "fleet", format="v2")
    v2 = dashboard_v2.to_v2(outputs.dashboards(spec)[outputs.dashboard_path(spec, spec.grafana.detail_uid)])
    kinds = [v["kind"] for v in v2["variables"]]
    assert kinds == ["DatasourceVariable", "CustomVariable", "QueryVariable"]
    assert all(name.startswith("panel-") for name in v2["elements"])
    assert v2["layout"]["kind"] == "RowsLayout" and v2["timeSettings"]["from"] == "now-24h"


def _alerting_validator(grafana_schema, definition: str):
    doc = json.loads((grafana_schema / "alerting.jsonschema.json").read_text())
    return jsonschema.Draft7Validator({"$ref": f"#/definitions/{definition}", "definitions": doc["definitions"]})


@pytest.mark.parametrize("case", CASES)
def test_grafana_rule_groups_validate(case, tmp_path, grafana_schema):
    spec = _spec(tmp_path, case, alerting={"engine": "both"})
    groups = grafana_alerting.rule_groups(spec)
    prometheus = [r for g in outputs.rule_documents(spec)["prometheus-alerts.yml"]["groups"] for r in g["rules"]]
    assert sum(len(g["rules"]) for g in groups) == len(prometheus)
    validator = _alerting_validator(grafana_schema, "RuleGroup")
    for group in groups:
        errors = [e.message for e in validator.iter_errors(grafana_alerting.as_api_group(spec, group))]
        assert errors == [], errors[:3]
    rule = groups[0]["rules"][0]
    source = next(r for r in prometheus if r["alert"] == rule["title"])
    assert rule["data"][0]["model"]["expr"] == source["expr"] and rule["for"] == source.get("for", "0s")
    assert rule["labels"] == source["labels"]


def test_engine_grafana_writes_no_prometheus_alerts_and_the_notification_policy(tmp_path, grafana_schema):
    receivers = {"page": {"webhook_configs": [{"url": "http://pager.example/hook"}]},
                 "ticket": {"slack_configs": [{"api_url": "https://hooks.slack.example/x", "channel": "#ops"}]}}
    spec = _spec(tmp_path, "fleet", alerting={"engine": "grafana"},
                 alertmanager={"target": "localhost:9093", "receivers": receivers})
    files = outputs.files(spec, outputs.dashboards(spec), outputs.rule_documents(spec))
    assert "prometheus/prometheus-alerts.yml" not in files and "prometheus/prometheus-recording-rules.yml" in files
    notifications = yaml.safe_load(files[grafana_alerting.NOTIFICATIONS_FILE])
    points = _alerting_validator(grafana_schema, "ContactPoint")
    for point in notifications["contactPoints"]:
        for receiver in point["receivers"]:
            assert list(points.iter_errors(receiver)) == []
    assert {p["name"] for p in notifications["contactPoints"]} == {"page", "ticket"}
    policy = {k: v for k, v in notifications["policies"][0].items() if k != "orgId"}
    assert list(_alerting_validator(grafana_schema, "NotificationPolicy").iter_errors(policy)) == []
    assert [r["object_matchers"] for r in policy["routes"]] == [[["severity", "=", "critical"]],
                                                                [["severity", "=", "warning"]]]


@pytest.mark.parametrize("case", CASES)
def test_recording_rules_as_grafana_recording_rules(case, tmp_path, grafana_schema):
    """alerting.recording_rules: grafana: every Prometheus recording rule, in the same group, order
    and interval, becomes a Grafana recording rule with the same query, metric and labels; the
    Prometheus recording file is not written and prometheus.yml does not load it."""
    spec = _spec(tmp_path, case, alerting={"engine": "both", "recording_rules": "grafana"},
                 prometheus={"scrape_interval": "15s", "evaluation_interval": "30s",
                             "scrape": [{"job": "app", "targets": ["localhost:8080"]}]})
    files = outputs.files(spec, outputs.dashboards(spec), outputs.rule_documents(spec))
    assert "prometheus/prometheus-recording-rules.yml" not in files
    assert "prometheus/prometheus-alerts.yml" in files
    assert yaml.safe_load(files["prometheus/prometheus.yml"])["rule_files"] == ["prometheus-alerts.yml"]
    grafana = yaml.safe_load(files[grafana_alerting.RECORDING_FILE])["groups"]
    prometheus = outputs.rule_documents(spec)["prometheus-recording-rules.yml"]["groups"]
    assert [(g["name"], g["interval"]) for g in grafana] == [(g["name"], g["interval"]) for g in prometheus]
    validator = _alerting_validator(grafana_schema, "RuleGroup")
    for ours, theirs in zip(grafana, prometheus):
        assert [(r["record"]["metric"], r["data"][0]["model"]["expr"], r["labels"]) for r in ours["rules"]] == \
            [(r["record"], r["expr"], r.get("labels", {})) for r in theirs["rules"]]
        assert all(r["record"]["from"] == r["condition"] == r["data"][0]["refId"] for r in ours["rules"])
        assert list(validator.iter_errors(grafana_alerting.as_api_group(spec, ours))) == []
    uids = [r["uid"] for g in grafana for r in g["rules"]]
    assert len(set(uids)) == len(uids) and all(len(u) <= 40 for u in uids)


def test_recording_rules_default_to_prometheus(tmp_path):
    spec = _spec(tmp_path, "fleet", alerting={"engine": "grafana"})
    files = outputs.files(spec, outputs.dashboards(spec), outputs.rule_documents(spec))
    assert grafana_alerting.RECORDING_FILE not in files and "prometheus/prometheus-recording-rules.yml" in files


def test_a_receiver_grafana_cannot_send_to_is_refused_by_field(tmp_path):
    spec = _spec(tmp_path, "fleet", alerting={"engine": "grafana"},
                 alertmanager={"target": "localhost:9093", "receivers": {"page": {"sns_configs": [{}]}}})
    with pytest.raises(SpecError) as raised:
        grafana_alerting.files(spec)
    assert "alertmanager.receivers.page.sns_configs: no Grafana contact point type" in str(raised.value)


@pytest.mark.promtool
@pytest.mark.slow
def test_the_grafana_rules_fire_for_the_series_the_prometheus_rules_do(tmp_path):
    """A dip at burn 30 after a healthy month: at several times, the series Grafana's rule
    would fire for (A, then B = $A * 0 + 1, then B > 0, as PromQL) are as many as Prometheus's
    ALERTS of the same rule (pending or firing: Grafana applies `for` the same way)."""
    spec = _spec(tmp_path, "default", alerting={"engine": "both"})
    (tmp_path / "spec").mkdir()
    path = tmp_path / "spec" / "aethervision.yaml"
    path.write_text((tmp_path / "default.yaml").read_text())
    files = generated_rule_files(tmp_path / "spec", path)
    t0 = 31 * DAY
    series = input_series([Segment(t0, 10, 0.001), Segment(4 * HOUR, 10, 0.3)])
    exprs = []
    for group in grafana_alerting.rule_groups(spec):
        for rule in group["rules"]:
            a = rule["data"][0]["model"]["expr"]
            b = rule["data"][1]["model"]["expression"].replace("$A", f"({a})")
            grafana = f"count(({b}) > 0) or vector(0)"
            prometheus = f'count(ALERTS{{alertname="{rule["title"]}"}}) or vector(0)'
            for at in (t0 - HOUR, t0 + 30 * MINUTE, t0 + 2 * HOUR, t0 + 4 * HOUR):
                exprs.append({"expr": f"({grafana}) - ({prometheus})", "eval_time": f"{at}s",
                              "exp_samples": [{"labels": "{}", "value": 0}]})
    case = pr.Case("grafana_rules", series, exprs=exprs)
    result = pr.run([case], files, tmp_path)[case.name]
    assert result.returncode == 0, pr.explain(case, files, tmp_path, result)


def test_maintenance_windows_become_mute_timings_the_policy_names(tmp_path, grafana_schema):
    receivers = {"page": {"webhook_configs": [{"url": "http://pager.example/hook"}]}}
    data = yaml.safe_load((GOLDEN / "fleet" / "aethervision.yaml").read_text())
    first = data["slos"][0]["name"]
    spec = _spec(tmp_path, "fleet", alerting={"engine": "grafana"},
                 alertmanager={"target": "localhost:9093", "receivers": receivers},
                 maintenance=[{"name": "sunday", "slos": [first], "weekdays": ["sunday"], "from": "02:00",
                               "to": "04:00", "timezone": "Europe/Berlin"}])
    doc = grafana_alerting.files(spec)[grafana_alerting.NOTIFICATIONS_FILE]
    # Grafana's file provisioning documents mute timings in Alertmanager's spelling (start_time,
    # weekday names), which the shared schema's Go-derived MuteTiming does not describe.
    assert doc["muteTimes"] == [{"orgId": 1, "name": "sunday", "time_intervals": [
        {"weekdays": ["sunday"], "times": [{"start_time": "02:00", "end_time": "04:00"}],
         "location": "Europe/Berlin"}]}]
    policy = {k: v for k, v in doc["policies"][0].items() if k != "orgId"}
    assert list(_alerting_validator(grafana_schema, "NotificationPolicy").iter_errors(policy)) == []
    muted = policy["routes"][0]
    assert muted["object_matchers"] == [["slo", "=~", first]]
    assert muted["routes"] and all(r["mute_time_intervals"] == ["sunday"] for r in muted["routes"])
