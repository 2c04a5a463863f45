"""Rule output targets: PrometheusRule objects for the operator, Mimir and Thanos ruler files.

The CRD schema is reference data in ../shared/prometheus-operator-schema (its README):
a test oracle, not part of the project."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.clients import promtool
from aethervision.configs import targets
from aethervision.promql.parse import metric_names
from aethervision.rules import files as rules

from support.repo import ROOT

SCHEMA_DIR = Path(os.environ.get("AETHERVISION_OPERATOR_SCHEMA")
                  or ROOT.parent / "shared" / "prometheus-operator-schema")
FLEET = ROOT / "examples" / "fleet.yaml"


def fleet_with(tmp_path: Path, outputs: dict) -> Path:
    data = yaml.safe_load(FLEET.read_text())
    data["outputs"] = outputs
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def plain_rules(spec) -> list[dict]:
    return [rule for doc in (rules.recording_rules(spec), rules.alert_rules(spec))
            for _, _, rule in rules.walk_rules(doc)]


def by_group_and_name(groups) -> dict[tuple[str, str], dict]:
    return {(g["name"], r.get("record") or r.get("alert")): r for g in groups for r in g["rules"]}


def test_prometheusrule_objects_validate_against_the_crd_and_hold_exactly_the_plain_rules(tmp_path):
    if not (SCHEMA_DIR / "prometheusrule.v1.jsonschema.json").is_file():
        pytest.skip(f"no PrometheusRule schema at {SCHEMA_DIR}")
    spec = spec_mod.load(fleet_with(tmp_path, {"prometheus_rule": {"namespace": "monitoring",
                                                                   "labels": {"release": "prometheus"}}}))
    objects = targets.prometheus_rules(spec)
    validator = jsonschema.Draft7Validator(json.loads((SCHEMA_DIR / "prometheusrule.v1.jsonschema.json").read_text()))
    for rel, obj in objects.items():
        assert list(validator.iter_errors(obj)) == [], rel
        assert obj["metadata"]["labels"]["release"] == "prometheus" and obj["metadata"]["namespace"] == "monitoring"
    assert len(objects) == len(spec.slos) + 1  # one per SLO, one for the operator rules
    assert "kubernetes/aethervision-slo-agent-availability.yaml" in objects
    in_objects = by_group_and_name(g for obj in objects.values() for g in obj["spec"]["groups"])
    plain = by_group_and_name(g for doc in (rules.recording_rules(spec), rules.alert_rules(spec))
                              for g in doc["groups"])
    assert in_objects == plain and len(in_objects) == len(plain_rules(spec))


def test_a_bad_object_is_named_by_validate(tmp_path, monkeypatch, cli):
    if not (SCHEMA_DIR / "prometheusrule.v1.jsonschema.json").is_file():
        pytest.skip(f"no PrometheusRule schema at {SCHEMA_DIR}")
    path = fleet_with(tmp_path, {"prometheus_rule": {"namespace": "monitoring"}})
    real = targets.prometheus_rules

    def broken(spec):
        out = real(spec)
        next(iter(out.values()))["spec"]["groups"][0]["rules"][0]["for"] = ["not", "a", "duration"]
        return out

    monkeypatch.setattr(targets, "prometheus_rules", broken)
    result = cli("validate", "--spec", str(path), "--skip-promtool", "--operator-schema", str(SCHEMA_DIR))
    assert result.exit_code == 1
    assert "kubernetes/aethervision-slo-payment-rate.yaml: spec.groups.0.rules.0.for:" in result.stderr


@pytest.mark.parametrize("flavour", ["mimir", "thanos"])
def test_central_ruler_files_split_sli_groups_out_and_lose_no_rule(flavour, tmp_path):
    central = {"flavour": flavour, "namespace": "slo"}
    if flavour == "mimir":
        central["source_tenants"] = ["eu", "us"]
    else:
        central["partial_response_strategy"] = "warn"
    spec = spec_mod.load(fleet_with(tmp_path, {"rule_files": False, "central_ruler": central}))
    docs = targets.central_ruler(spec)
    ruler, local = docs[f"ruler/{flavour}/slo.yaml"], docs[targets.LOCAL_FILE]
    assert (ruler.get("namespace") == "slo") == (flavour == "mimir")
    extra = {"mimir": ("source_tenants", ["eu", "us"]), "thanos": ("partial_response_strategy", "warn")}[flavour]
    assert all(group[extra[0]] == extra[1] for group in ruler["groups"])
    raw_readers = [r for g in local["groups"] for r in g["rules"]]
    inputs = set(rules.input_metrics(spec))
    assert raw_readers and all(metric_names(r["expr"]) & inputs for r in raw_readers)  # next to the data
    central_rules = [r for g in ruler["groups"] for r in g["rules"]]
    assert not any(targets._reads_raw(r) for r in central_rules if r.get("record", "").startswith("slo:"))
    key = lambda r: r.get("record") or r.get("alert")  # noqa: E731
    assert sorted(map(key, raw_readers + central_rules)) == sorted(map(key, plain_rules(spec)))
    for rel, doc in docs.items():  # both parse in the real promtool
        path = tmp_path / rel.replace("/", "_")
        path.write_text(yaml.safe_dump(targets.as_prometheus_rules(doc)))
        assert promtool.check_rules(path) == [], rel


def test_build_check_and_diff_cover_the_targets(cli, tmp_path):
    path = fleet_with(tmp_path, {"prometheus_rule": {"namespace": "monitoring"},
                                 "central_ruler": {"flavour": "thanos", "namespace": "slo"}})
    out = tmp_path / "out"
    assert cli("build", "--spec", str(path), "--out", str(out)).exit_code == 0
    assert (out / "ruler/thanos/slo.yaml").is_file() and (out / "kubernetes/aethervision-operator.yaml").is_file()
    data = yaml.safe_load(path.read_text())
    data["outputs"]["prometheus_rule"]["namespace"] = "observability"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    stale = cli("build", "--check", "--spec", str(path), "--out", str(out))
    assert stale.exit_code == 1 and "kubernetes/aethervision-operator.yaml" in stale.stderr
    diff = cli("diff", "--spec", str(path), "--dir", str(out)).output
    assert "file kubernetes/aethervision-operator.yaml metadata.namespace: monitoring -> observability" in diff
