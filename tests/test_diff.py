"""`aethervision diff`: semantic, noise-free, three formats, and the CI workflow."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import yaml

from support.grafana_double import GrafanaDouble
from support.repo import EXPECTED, ROOT, SPEC, add_slo


def changed_spec(spec_data, write_spec):
    spec_data["runway"]["days_to_breach_thresholds"][1]["value"] = 3
    spec_data["slos"][0]["sli"]["errors"] = 'crm_payments_total{status="declined"}'
    return write_spec(spec_data)


def test_no_changes_against_the_committed_files(cli):
    result = cli("diff", "--spec", str(SPEC), "--dir", str(EXPECTED), "--exit-code")
    assert result.exit_code == 0
    assert result.output == "no changes\n"


def test_changed_threshold_and_query_in_all_formats(cli, spec_data, write_spec):
    spec = changed_spec(spec_data, write_spec)
    base = ["diff", "--spec", str(spec), "--dir", str(EXPECTED)]
    text = cli(*base, "--exit-code")
    assert text.exit_code == 1
    assert ("changed  dashboard aethervision: panel '🧭 Days to Breach (Conservative)' thresholds: "
            '[[null, "red"], [5.0, "orange"], [10.0, "yellow"], [20.0, "green"]] -> '
            '[[null, "red"], [3.0, "orange"], [10.0, "yellow"], [20.0, "green"]]') in text.output
    assert ('changed  rule slo_payment_rate.predict.recording / slo:payment_rate:errors:rate1h expr: '
            'sum(rate(crm_payments_total{status="failed"}[1h1s]))') in text.output
    assert '"id"' not in text.output and "version" not in text.output
    md = cli(*base, "--format", "markdown").output
    assert md.startswith("### AetherVision diff")
    assert "| object | change | field | before | after |" in md
    assert "status=\"declined\"" in md
    data = json.loads(cli(*base, "--format", "json").output)
    fields = {(c["object"], c["field"]) for c in data}
    assert ("dashboard aethervision: panel '🧭 Days to Breach (Conservative)'", "thresholds") in fields
    assert any(c["field"] == "expr" and "declined" in c["after"] for c in data)


def test_moved_resized_added_and_removed_panels(cli, tmp_path):
    folder = tmp_path / "prov"
    shutil.copytree(EXPECTED, folder)
    path = folder / "dashboards/aethervision/aethervision.json"
    dash = json.loads(path.read_text())
    dash["panels"][2]["gridPos"]["x"] += 1
    dash["panels"][3]["gridPos"]["w"] -= 1
    dash["panels"][5]["title"] = "Old panel"
    path.write_text(json.dumps(dash))
    output = cli("diff", "--spec", str(SPEC), "--dir", str(folder)).output
    assert "moved    dashboard aethervision: panel 'Runway to Breach (hours) — 1h vs 6h' gridPos" in output
    assert "resized  dashboard aethervision: panel 'SLOs by runway'" in output
    assert "removed  dashboard aethervision: panel 'Old panel'" in output
    assert "added    dashboard aethervision: panel 'Ops Snapshot'" in output


def test_diff_against_a_git_ref(cli, tmp_path, spec_data, write_spec):
    repo = tmp_path / "repo"
    shutil.copytree(EXPECTED, repo / "provisioning")
    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    import os

    from aethervision.builder import pipeline
    from aethervision.review import diff as diff_api
    cwd = os.getcwd()
    try:
        os.chdir(repo)
        changes = diff_api.diff(pipeline.generate(changed_spec(spec_data, write_spec)), base="HEAD")
    finally:
        os.chdir(cwd)
    assert any(c.field == "thresholds" for c in changes)
    bad = cli("diff", "--spec", str(SPEC), "--base", "no-such-ref-xyz")
    assert bad.exit_code == 1 and "no-such-ref-xyz" in bad.stderr


def test_diff_against_live_grafana(cli):
    with GrafanaDouble() as grafana:
        env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": "admin-token"}
        assert cli("push", "--spec", str(SPEC), env=env).exit_code == 0
        assert cli("diff", "--spec", str(SPEC), "--remote", "--exit-code", env=env).exit_code == 0
        grafana.edit_in_ui("aethervision", lambda d: d["panels"][1].update(title="Renamed in UI"))
        result = cli("diff", "--spec", str(SPEC), "--remote", "--exit-code", env=env)
        assert result.exit_code == 1
        assert "removed  dashboard aethervision: panel 'Renamed in UI'" in result.output


def test_ci_workflow_is_valid_and_runs_check_validate_diff_and_push():
    doc = yaml.safe_load((ROOT / ".github/workflows/aethervision.yml").read_text())
    assert doc["name"] == "aethervision"
    triggers = doc[True] if True in doc else doc["on"]  # YAML 1.1 reads `on` as a boolean
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    runs = " ".join(step.get("run", "") for job in doc["jobs"].values() for step in job["steps"])
    for command in ("build --check", "validate", "diff --base", "--format markdown", "aethervision push"):
        assert command in runs
    assert "secrets.GRAFANA_TOKEN" in (ROOT / ".github/workflows/aethervision.yml").read_text()
    steps = [step for job in doc["jobs"].values() for step in job["steps"]]
    sdk = next(s for s in steps if s.get("with", {}).get("repository") == "grafana/grafana-foundation-sdk")
    assert len(sdk["with"]["ref"]) == 40  # pinned to a commit, not a moving branch
    validate = next(s["run"] for s in steps if "aethervision validate" in s.get("run", ""))
    assert f"--grafana-schema {sdk['with']['path']}/jsonschema" in validate


def test_a_scrape_target_and_a_datasource_change_show_in_the_diff(cli, spec_data, write_spec, tmp_path):
    out = tmp_path / "base"
    assert cli("build", "--spec", str(SPEC), "--out", str(out)).exit_code == 0
    spec_data["prometheus"]["scrape"][0]["targets"] = ["crm.internal:9101"]
    spec_data["grafana"]["datasource"]["url"] = "http://prometheus.internal:9090"
    changed = write_spec(spec_data, "changed.yaml")
    assert cli("build", "--check", "--spec", str(changed), "--out", str(out)).exit_code == 1  # stale...
    output = cli("diff", "--spec", str(changed), "--dir", str(out)).output  # ...and the diff says why
    assert ("changed  file prometheus/prometheus.yml scrape_configs[1].static_configs[0].targets[0]: "
            "localhost:9101 -> crm.internal:9101") in output
    assert ("changed  file datasources/prometheus.yaml datasources[0].url: "
            "http://localhost:9090 -> http://prometheus.internal:9090") in output


def test_markdown_of_a_change_to_1000_slos_fits_a_comment_and_counts_them(spec_data, write_spec):
    from aethervision import spec as spec_mod
    from aethervision.builder import diff as diff_mod
    from aethervision.builder import diff_report, outputs

    names = [spec_data["slos"][0]["name"]] + [f"svc{i}_success" for i in range(1, 1000)]
    for i in range(1, 1000):
        add_slo(spec_data, names[i], f"svc{i}")
    before = spec_mod.load(write_spec(spec_data, "before.yaml"))
    for slo in spec_data["slos"]:
        slo["objective"] = 0.995
    after = spec_mod.load(write_spec(spec_data, "after.yaml"))

    def state(spec):
        return diff_mod.state_from_generated(outputs.dashboards(spec), outputs.rule_documents(spec))

    changes = diff_mod.compare(state(before), state(after))
    md = diff_report.render(changes, "markdown", full_name="diff-full.md")
    assert len(md) < 60_000
    summary = md.split("**Summary**", 1)[1].split("<details>", 1)[0]
    # One line for the 1,000 alike SLOs: a count and the first ten names, not 1,000 names.
    assert "(1,000)" in summary and "and 990 more" in summary and len(summary) < 2_000
    assert sum(1 for name in names if re.search(rf"\b{name}\b", summary)) == 10
    assert "see `diff-full.md`" in md  # the rest is in the artifact
    full = diff_report.render(changes, "markdown", limit=None)
    assert full.count("<details>") == len({diff_report.owner(c) for c in changes}) and len(full) > 60_000


def test_ci_backtests_a_pull_request_only_with_the_prometheus_secret_and_posts_it_with_the_diff():
    doc = yaml.safe_load((ROOT / ".github/workflows/aethervision.yml").read_text())
    job = doc["jobs"]["check"]
    assert job["env"]["PROMETHEUS_URL"] == "${{ secrets.PROMETHEUS_URL }}"
    names = [s.get("name", "") for s in job["steps"]]
    i = next(n for n, s in enumerate(job["steps"]) if "aethervision backtest" in s.get("run", ""))
    step = job["steps"][i]
    assert step["if"] == "env.PROMETHEUS_URL != ''"
    assert '--base "origin/${{ github.base_ref }}"' in step["run"] and "--format markdown" in step["run"]
    assert ">> diff.md" in step["run"]
    assert i < next(n for n, name in enumerate(names) if name == "Post the diff")


def test_a_spec_change_is_said_in_words_before_the_rule_rows(cli, tmp_path, monkeypatch):
    """99.9% -> 99.95% is ten rows of `/ 0.001` -> `/ 0.0005`; the diff says it first, in words."""
    repo = tmp_path / "repo"
    repo.mkdir()
    data = yaml.safe_load(SPEC.read_text())
    data["slos"][0]["objective"] = 0.999
    (repo / "aethervision.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.chdir(repo)
    assert cli("build", "--spec", "aethervision.yaml").exit_code == 0

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    data["slos"][0]["objective"] = 0.9995
    data["runway"]["burn_alerts"]["page"][0]["factor"] = 10
    (repo / "aethervision.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    text = cli("diff", "--spec", "aethervision.yaml", "--base", "HEAD")
    lines = text.stdout.splitlines()
    assert lines[0] == "changed  spec slo payment_rate objective: 99.9% -> 99.95% (error budget halved)", lines[:3]
    assert "changed  spec runway page tier 1 (1h/10m) factor: 10x -> 10x" not in text.stdout
    assert "changed  spec runway page tier 1 (1h/10m) factor: 14.4x -> 10x" in text.stdout
    assert any("/ 0.0005" in line for line in lines[2:])  # the rule rows follow
    md = cli("diff", "--spec", "aethervision.yaml", "--base", "HEAD", "--format", "markdown").stdout
    words = md.split("**In the spec**", 1)[1].split("**Summary**", 1)[0]
    assert "- slo payment_rate objective: 99.9% -> 99.95% (error budget halved)" in words
    assert "factor: 14.4x -> 10x" in words
