"""`aethervision import`: Sloth, Pyrra and OpenSLO fixtures (tests/fixtures/import/, written from
each format's documentation) mapped field by field, every refusal's message, the output a
spec that builds, --into keeping the spec's comments, and nothing written on a refusal."""

from __future__ import annotations

import pytest
import yaml

from aethervision import importers
from aethervision import spec as spec_mod

from support.repo import ROOT, SPEC

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def imported(*names: str, **options) -> tuple[dict[str, dict], list[str]]:
    """SLO dicts by name and findings (as text) for fixture files."""
    result, _ = importers.run([str(FIXTURES / n) for n in names], importers.Options(**options))
    return {i.slo["name"]: i.slo for i in result.slos}, [str(f) for f in result.findings]


def test_the_fixtures_cover_each_format():
    assert len(list((FIXTURES / "sloth").iterdir())) >= 10
    assert len(list((FIXTURES / "pyrra").iterdir())) >= 10
    assert len(list((FIXTURES / "openslo").iterdir())) >= 5


def test_sloth_events_become_a_ratio_with_alerting_carried():
    slos, findings = imported("sloth/01-events-ratio.yml")
    slo = slos["requests_availability"]
    assert slo["service"] == "checkout" and slo["title"] == "requests-availability"
    assert slo["objective"] == 0.999 and slo["window"] == "30d"
    assert slo["description"] == "Checkout requests that do not fail."
    assert slo["sli"] == {"errors": 'http_requests_total{job="checkout",code=~"(5..|429)"}',
                          "total": 'http_requests_total{job="checkout"}'}
    assert slo["alert_name"] == "CheckoutHighErrorRate"
    assert slo["labels"] == {"owner": "payments-team", "category": "availability"}
    assert slo["alerting"]["page"] == {"labels": {"routing_key": "payments"},
                                       "annotations": {"runbook": "https://runbooks.example.com/checkout"}}
    assert slo["alerting"]["ticket"]["labels"] == {"slack_channel": "#alerts-payments"}
    assert findings == [f"{FIXTURES}/sloth/01-events-ratio.yml: document 1: slos[0].alerting.page_alert.labels."
                        "severity: not carried: AetherVision sets 'severity' on its alerts itself"]


def test_sloth_bucket_arithmetic_becomes_a_latency_sli():
    slos, findings = imported("sloth/02-latency-arithmetic.yml")
    slo = slos["requests_latency"]
    assert slo["sli"] == {"latency": {"histogram": "apiserver_request_duration_seconds", "below": 0.4,
                                      "selector": '{verb!="WATCH"}'}}
    assert slo["objective"] == 0.99 and slo["alerting"] == {"ticket": {"disable": True}}
    assert findings == []


def test_sloth_raw_grouped_k8s_and_renamed():
    slos, findings = imported("sloth/03-raw.yml", "sloth/04-grouped.yml", "sloth/05-k8s.yml",
                              "sloth/06-k8s-raw.yml", "sloth/08-multi-doc.yml")
    assert slos["search_errors"]["sli"] == {"raw": "sum(rate(search_failures_total[$window]))\n/\n"
                                                   "sum(rate(search_queries_total[$window]))"}
    assert slos["search_errors"]["alerting"] == {"page": {"disable": True}}
    assert slos["availability"]["group_by"] == ["cluster"]
    assert slos["availability"]["sli"]["errors"] == 'agent_requests_total{code=~"5.."}'
    k8s = slos["requests_availability"]
    assert k8s["service"] == "awesome-service" and k8s["labels"] == {"owner": "myteam", "category": "availability"}
    assert k8s["alerting"]["ticket"]["labels"] == {"slack_channel": "#alerts-myteam"}
    assert k8s["alerting"]["page"]["annotations"] == {"summary": "High error rate on 'myservice' requests responses"}
    assert slos["ratio_from_recording"]["sli"]["raw"].startswith("sum(rate(job:errors:rate5m[$window]))")
    assert slos["cart_availability"]["service"] == "cart"  # the first `availability` is the agent's
    assert slos["wishlist_availability"]["alert_name"] == "WishlistAvailability"
    assert any("alert names become WishlistAvailability" in f for f in findings)
    assert any("raw error ratio: carried as a raw SLI" in f for f in findings)


def test_sloth_alert_windows_set_the_period_and_the_tiers():
    files = [str(FIXTURES / "sloth/01-events-ratio.yml"), str(FIXTURES / "sloth/09-alert-windows.yml")]
    result, _ = importers.run(files,
                              importers.Options())
    assert result.slos[0].slo["window"] == "28d"
    page = result.runway["burn_alerts"]["page"]
    # 2% of a 28-day budget in 1h is 0.02 x 672 = 13.44; 5% in 6h is 0.05 x 112 = 5.6.
    assert page == [{"long": "1h", "short": "5m", "factor": 13.44}, {"long": "6h", "short": "30m", "factor": 5.6}]


def test_pyrra_indicators_field_by_field():
    slos, findings = imported("pyrra/01-ratio.yaml", "pyrra/02-latency.yaml", "pyrra/04-bool-gauge.yaml",
                              "pyrra/05-bool-gauge-camel.yaml", "pyrra/06-alerting.yaml", "pyrra/07-disabled.yaml")
    ratio = slos["pyrra_api_errors"]
    assert ratio["objective"] == 0.99 and ratio["window"] == "2w" and ratio["service"] == "monitoring"
    assert ratio["group_by"] == ["route"] and ratio["labels"] == {"team": "platform"}
    assert ratio["sli"] == {"errors": 'http_requests_total{job="pyrra",code=~"5.."}',
                            "total": 'http_requests_total{job="pyrra"}'}
    assert slos["nginx_latency"]["sli"] == {"latency": {
        "histogram": "nginx_ingress_controller_request_duration_seconds", "below": 0.5,
        "selector": '{ingress="shop"}'}}
    assert slos["nginx_latency"]["window"] == "4w" and slos["nginx_latency"]["objective"] == 0.995
    assert slos["prometheus_probe_success"]["sli"] == {
        "probe": 'probe_success{job="blackbox",instance="https://shop.example.com"}'}
    assert slos["api_probe"]["group_by"] == ["instance"] and slos["api_probe"]["window"] == "1w"
    thanos = slos["thanos_http"]
    assert thanos["alert_name"] == "ThanosHttpErrorBudgetBurn" and thanos["no_data"] == {"disable": True}
    assert thanos["window"] == "12w" and thanos["labels"] == {"tier": "1"}  # pyrra.dev/* select, not route
    parca = slos["parca_grpc_queryrange_errors"]
    assert parca["alerting"] == {"page": {"disable": True}, "ticket": {"disable": True}}
    assert any("spec.partial_response_strategy: not carried per SLO" in f for f in findings)
    assert any("spec.alerting.absentName: not carried" in f for f in findings)


def test_pyrra_native_latency(tmp_path):
    doc = yaml.safe_load((FIXTURES / "pyrra/03-native.yaml").read_text())
    doc["spec"]["indicator"]["latencyNative"]["grouping"] = ["method"]
    path = tmp_path / "native.yaml"
    path.write_text(yaml.safe_dump(doc))
    result, _ = importers.run([str(path)], importers.Options())
    assert result.slos[0].slo["sli"] == {"latency": {"native_histogram": "connect_server_requests_duration_seconds",
                                                     "below": 0.2, "selector": '{job="pyrra", code="ok"}'}}


def test_openslo_v1_and_v1alpha():
    slos, findings = imported("openslo/01-v1-inline-ratio.yaml", "openslo/02-v1-ref-latency.yaml",
                              "openslo/03-v1-good-total-threshold.yaml", "openslo/04-v1alpha.yaml")
    web = slos["web_availability"]
    assert web["objective"] == 0.995 and web["window"] == "28d" and web["title"] == "Good"
    assert web["sli"] == {"errors": 'http_requests_total{service="web",code=~"5.."}',
                          "total": 'http_requests_total{service="web"}'}
    assert slos["api_latency"]["sli"] == {"latency": {"histogram": "api_request_duration_seconds", "below": 0.3,
                                                      "selector": '{job="api"}'}}
    assert slos["api_latency"]["objective"] == 0.99 and slos["api_latency"]["window"] == "7d"
    assert slos["orders_success"]["sli"]["raw"] == \
        "1 - sum(rate(orders_completed_total[$window])) / sum(rate(orders_started_total[$window]))"
    assert slos["queue_lag_under_1000"]["sli"]["raw"] == \
        'avg_over_time(((max(kafka_consumergroup_lag{group="orders"})) > bool 1000)[$window:1m])'
    assert slos["queue_lag_under_100"]["objective"] == 0.9
    assert slos["checkout_ratio"]["window"] == "28d" and slos["checkout_ratio"]["objective"] == 0.999
    assert any("spec.alertPolicies: not carried" in f for f in findings)
    assert any("thresholdMetric is time-based" in f for f in findings)


@pytest.mark.parametrize("name, message", [
    ("sloth/07-plugin.yml", "document 1: slos[0].sli.plugin: Sloth SLI plugin "
                            "'sloth-common/kubernetes/apiserver/availability' is Go code AetherVision does not have"),
    ("sloth/10-bad-objective.yml", "document 1: slos[0].objective: objective 100% is outside (0, 100)"),
    ("sloth/10-bad-objective.yml", "document 1: slos[1].sli.events: uses a template other than {{.window}}"),
    ("pyrra/03-native.yaml", "document 1: spec.indicator.latencyNative.grouping: grouping by 'service'"),
    ("pyrra/08-target-fraction.yaml", "document 1: spec.target: 0.99 is a percent in Pyrra (0.99%), surely meant 99"),
    ("pyrra/09-latency-mismatch.yaml", "document 1: spec.indicator.latency: success must be a histogram's _bucket"),
    ("pyrra/10-list.yaml", "document 2: spec.window: '1.5d' is not a duration AetherVision reads"),
    ("openslo/05-refusals.yaml", "document 1: spec.timeWindow[0]: calendar windows are not supported yet"),
    ("openslo/05-refusals.yaml", "document 2: spec.budgetingMethod: Timeslices: timeslice budgeting"),
    ("openslo/05-refusals.yaml", "document 3: spec.indicator.ratioMetric.total: source 'Datadog' is not Prometheus"),
    ("openslo/05-refusals.yaml", "document 4: spec.indicator.ratioMetric.bad: 'sum(rate(billing_errors_total[5m]))' "
                                 "is not a counter selector"),
])
def test_each_refusal_names_file_document_and_field(cli, tmp_path, name, message):
    out = tmp_path / "imported.yaml"
    result = cli("import", str(FIXTURES / name), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert f"{FIXTURES / name}: {message}" in result.stderr, result.stderr
    assert not out.exists()


def test_every_importable_fixture_builds(cli, tmp_path):
    good = [str(p) for p in sorted(FIXTURES.rglob("*.y*ml")) if p.name not in {
        "07-plugin.yml", "10-bad-objective.yml", "03-native.yaml", "08-target-fraction.yaml",
        "09-latency-mismatch.yaml", "10-list.yaml", "05-refusals.yaml"}]
    out = tmp_path / "aethervision.yaml"
    result = cli("import", *good, "-o", str(out))
    assert result.exit_code == 0, result.output
    spec = spec_mod.load(out)
    assert len(spec.slos) == 20  # openslo 6, pyrra 6, sloth 8
    assert "# NOTE" in out.read_text() and "# from " in out.read_text()
    built = cli("build", "--spec", str(out), "--out", str(tmp_path / "provisioning"))
    assert built.exit_code == 0, built.output
    assert "docs SLOs warn" in result.stderr  # the per-file summary


def test_strict_refuses_warnings(cli, tmp_path):
    result = cli("import", str(FIXTURES / "sloth/03-raw.yml"), "--strict")
    assert result.exit_code == 1
    assert "slos[0].sli: raw error ratio: carried as a raw SLI (time-weighted, no event counts) (--strict)" \
        in result.stderr


def test_into_appends_and_keeps_the_spec_comments(cli, tmp_path):
    spec = tmp_path / "aethervision.yaml"
    spec.write_text(SPEC.read_text())
    result = cli("import", str(FIXTURES / "pyrra/01-ratio.yaml"), "--into", str(spec))
    assert result.exit_code == 0, result.output
    text = spec.read_text()
    assert text.startswith(SPEC.read_text().split("slos:")[0])  # header comments kept
    assert "# Alert policy." in text  # a comment after the slos list kept
    loaded = spec_mod.load(spec)
    assert [s.name for s in loaded.slos] == ["payment_rate", "pyrra_api_errors"]
    again = cli("import", str(FIXTURES / "pyrra/01-ratio.yaml"), "--into", str(spec))
    assert again.exit_code == 1 and "duplicate" in again.stderr.lower()
    assert spec.read_text() == text  # nothing half-written


def test_not_a_peer_document_is_refused(cli, tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\n")
    result = cli("import", str(path))
    assert result.exit_code == 1 and "document 1: (document): not a Sloth, Pyrra or OpenSLO document" in result.stderr


def test_a_document_of_the_wrong_shape_is_refused_not_a_crash(cli, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text('version: "prometheus/v1"\nservice: x\nslos:\n  - name: a\n    objective: 99\n'
                    '    sli: {events: "not a mapping"}\n---\napiVersion: pyrra.dev/v1alpha1\n'
                    "kind: ServiceLevelObjective\nmetadata: [oops]\nspec: {}\n")
    result = cli("import", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}: document 1: (document): not shaped as its format says" in result.stderr
    assert f"{path}: document 2: (document): not shaped as its format says" in result.stderr
