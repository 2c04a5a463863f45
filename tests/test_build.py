"""Deterministic, committed output: golden files, --check, atomic writes."""

from __future__ import annotations

import json

import pytest

from support.repo import SPEC, tree_bytes


def test_two_builds_are_byte_identical(cli, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert cli("build", "--spec", str(SPEC), "--out", str(first)).exit_code == 0
    assert cli("build", "--spec", str(SPEC), "--out", str(second)).exit_code == 0
    assert tree_bytes(first) == tree_bytes(second)
    again = cli("build", "--spec", str(SPEC), "--out", str(first))
    assert "already up to date" in again.output


def test_files_are_sorted_with_trailing_newline(tmp_path, cli):
    cli("build", "--spec", str(SPEC), "--out", str(tmp_path))
    files = tree_bytes(tmp_path)
    assert set(files) == {
        "dashboards/aethervision.yaml", "dashboards/aethervision/aethervision.json",
        "dashboards/aethervision/aethervision-slo.json",
        "datasources/prometheus.yaml", "prometheus/prometheus.yml", "alertmanager/alertmanager.yml",
        "blackbox/blackbox.yml",
        "prometheus/prometheus-recording-rules.yml", "prometheus/prometheus-alerts.yml",
    }
    for content in files.values():
        assert content.endswith(b"\n") and not content.endswith(b"\n\n")
    text = files["dashboards/aethervision/aethervision.json"].decode()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_hand_edit_makes_check_fail_and_lists_the_file(cli, provisioning_copy):
    target = provisioning_copy / "dashboards/aethervision/aethervision.json"
    target.write_text(target.read_text().replace("Ops Snapshot", "Ops Snapshot (edited)"))
    extra = provisioning_copy / "prometheus/old-rules.yml"
    extra.write_text("groups: []\n")
    before = tree_bytes(provisioning_copy)
    result = cli("build", "--check", "--spec", str(SPEC), "--out", str(provisioning_copy))
    assert result.exit_code == 1
    assert "differs" in result.stderr and "aethervision.json" in result.stderr
    assert "unexpected" in result.stderr and "old-rules.yml" in result.stderr
    assert tree_bytes(provisioning_copy) == before  # --check writes nothing
    result = cli("build", "--spec", str(SPEC), "--out", str(provisioning_copy))
    assert result.exit_code == 0
    assert "updated" in result.output and "removed" in result.output
    assert not extra.exists()
    assert cli("build", "--check", "--spec", str(SPEC), "--out", str(provisioning_copy)).exit_code == 0


def test_check_reports_missing_files(cli, tmp_path):
    result = cli("build", "--check", "--spec", str(SPEC), "--out", str(tmp_path / "empty"))
    assert result.exit_code == 1
    assert result.stderr.count("  missing ") == 9
    assert not (tmp_path / "empty").exists()


def test_no_temporary_files_are_left_behind(cli, tmp_path):
    cli("build", "--spec", str(SPEC), "--out", str(tmp_path))
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]


def test_a_long_rule_file_renders_on_two_cores_to_the_same_bytes():
    from aethervision.builder import render

    groups = [{"name": f"g{i}", "interval": "30s", "rules": [
        {"record": f"slo:s{i}:x", "expr": f"sum(rate(x{{slo=\"s{i}\"}}[5m]))\n  / 0.01 " + "+ 1 " * 30,
         "labels": {"slo": f"s{i}", "on": "true", "n": "1.0"}}]} for i in range(render.PARALLEL_GROUPS + 1)]
    doc = {"groups": groups}
    halves = render._in_two(groups)
    if halves is None:
        pytest.skip("one core or no fork here: long files render in one pass")
    assert halves == render._serialize(doc)
    assert render.to_yaml(doc, "x.yaml") == render.HEADER.format(source="x.yaml") + render._serialize(doc)
