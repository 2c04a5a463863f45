"""The generated alertmanager.yml in the real amtool: it loads, and every generated alert routes
where its severity and autoheal mark say (the expected receivers are written out here, not
derived from the generator)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.builder import outputs
from aethervision.clients import servers
from aethervision.rules import files as rules

from support.repo import ROOT, SPEC

pytestmark = pytest.mark.skipif(servers.locate("amtool") is None, reason="amtool: make servers builds it")
FLEET = ROOT / "examples" / "fleet.yaml"
BY_SEVERITY = {"critical": "page", "warning": "ticket", "info": "quiet"}


def amtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([servers.locate("amtool"), *args], capture_output=True, text=True, timeout=60, check=False)


def generated(spec_path: Path, folder: Path) -> tuple[Path, list[dict]]:
    spec = spec_mod.load(spec_path)
    built = outputs.files(spec, outputs.dashboards(spec), outputs.rule_documents(spec))
    path = folder / "alertmanager.yml"
    path.write_text(built[outputs.ALERTMANAGER_FILE])
    alerts = [rule for _, _, rule in rules.walk_rules(rules.alert_rules(spec))]
    return path, alerts


def fleet_with_alertmanager(tmp_path: Path) -> Path:
    data = yaml.safe_load(FLEET.read_text())
    data["alertmanager"] = {"target": "localhost:9093",
                            "receivers": {"page": {"webhook_configs": [{"url": "http://pager.example/hook"}]}}}
    data["autoheal"] = {"job": "autoheal", "target": "localhost:9009"}
    data["slos"][0]["alerting"] = {"critical": {"autoheal": True}}
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("which", ["default", "fleet"])
def test_amtool_check_config_passes(which, tmp_path):
    spec_path = SPEC if which == "default" else fleet_with_alertmanager(tmp_path)
    path, _ = generated(spec_path, tmp_path)
    result = amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("which", ["default", "fleet"])
def test_every_generated_alert_routes_by_severity_and_autoheal(which, tmp_path):
    spec_path = SPEC if which == "default" else fleet_with_alertmanager(tmp_path)
    path, alerts = generated(spec_path, tmp_path)
    marked = 0
    for rule in alerts:
        labels = {"alertname": rule["alert"], **rule["labels"]}
        want = BY_SEVERITY[labels["severity"]]
        if labels.get("autoheal") == "true":
            want, marked = f"autoheal,{want}", marked + 1
        result = amtool("config", "routes", "test", f"--config.file={path}",
                        *(f"{k}={v}" for k, v in labels.items()))
        assert result.stdout.strip() == want, (rule["alert"], result.stdout + result.stderr)
    assert marked == 1  # the one tier each spec marks `autoheal: true`


def test_grouping_and_inhibition_follow_the_slo_and_its_group_labels(tmp_path):
    path, _ = generated(fleet_with_alertmanager(tmp_path), tmp_path)
    config = yaml.safe_load(path.read_text())
    assert config["route"]["group_by"] == ["alertname", "slo", "cluster"]
    assert [rule["equal"] for rule in config["inhibit_rules"]] == [["slo", "cluster"]] * 2
    page = next(r for r in config["receivers"] if r["name"] == "page")
    assert page["webhook_configs"] == [{"url": "http://pager.example/hook"}]  # passed through
    webhook = next(r for r in config["receivers"] if r["name"] == "autoheal")["webhook_configs"][0]
    assert "http_config" not in webhook  # no autoheal_token_file in this spec: no auth header


def test_the_autoheal_token_is_read_from_a_file_never_inline(tmp_path):
    path, _ = generated(SPEC, tmp_path)
    receivers = {r["name"]: r for r in yaml.safe_load(path.read_text())["receivers"]}
    webhook = receivers["autoheal"]["webhook_configs"][0]
    assert webhook["http_config"]["authorization"] == {
        "type": "Bearer", "credentials_file": "/etc/alertmanager/autoheal-token"}
    assert webhook["send_resolved"] is True


def test_build_and_validate_refuse_a_receiver_alertmanager_would_not_load(cli, tmp_path):
    """A typo in a receiver passed build before: amtool check-config now names the spec's receiver,
    build writes nothing, and the webhook URL is never echoed."""
    data = yaml.safe_load(FLEET.read_text())
    secret = "https://hooks.slack.example/services/T000/B000/SECRET"
    data["alertmanager"] = {"target": "localhost:9093", "receivers": {
        "page": {"slack_configs": [{"chanel": "#ops", "api_url": secret}]},
        "ticket": {"webhook_configs": [{"url": "http://tickets.example/hook"}]}}}
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    for args in (["build", "--out", str(tmp_path / "out")], ["validate", "--skip-promtool"]):
        result = cli(*args, "--spec", str(path))
        assert result.exit_code == 1, result.output
        assert f"{path}: alertmanager.receivers.page: Alertmanager would not load it" in result.stderr
        assert "field chanel not found" in result.stderr
        assert "alertmanager.receivers.ticket" not in result.stderr and secret not in result.output
    assert not (tmp_path / "out").exists()


def test_slack_webhook_is_a_file_never_an_inline_url(cli, tmp_path):
    data = yaml.safe_load(FLEET.read_text())
    data["alertmanager"] = {"target": "localhost:9093"}
    secret = "https://hooks.slack.example/services/T000/B000/SECRET"
    data["notifications"] = {"slack": {"webhook_url_file": secret}}
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = cli("build", "--spec", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{path}: notifications.slack.webhook_url_file: is a URL, not a file" in result.stderr
    assert secret not in result.output
    del data["alertmanager"]
    data["notifications"]["slack"]["webhook_url_file"] = "/etc/alertmanager/slack-url"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = cli("build", "--spec", str(path), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "notifications.slack: needs an alertmanager section" in result.stderr


def test_slack_messages_and_their_template_load_in_amtool(tmp_path):
    data = yaml.safe_load(FLEET.read_text())
    data["alertmanager"] = {"target": "localhost:9093"}
    data["notifications"] = {"slack": {"webhook_url_file": "/etc/alertmanager/slack-url", "channel": "#ops",
                                       "severities": ["critical"]}}
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = spec_mod.load(path)
    built = outputs.files(spec, outputs.dashboards(spec), outputs.rule_documents(spec))
    (tmp_path / "alertmanager.yml").write_text(built[outputs.ALERTMANAGER_FILE])
    (tmp_path / "aethervision-slack.tmpl").write_text(built["alertmanager/aethervision-slack.tmpl"])
    result = amtool("check-config", str(tmp_path / "alertmanager.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(built[outputs.ALERTMANAGER_FILE])
    slack = {r["name"]: r.get("slack_configs") for r in config["receivers"]}
    assert slack["page"][0]["api_url_file"] == "/etc/alertmanager/slack-url" and slack["ticket"] is None
    alerts = [r for _, _, r in rules.walk_rules(rules.alert_rules(spec)) if r["labels"].get("component") == "slo"]
    assert all({"runway_hours", "runway_days", "budget_remaining", "burn_1h", "burn_6h", "detail_url"}
               <= set(a["annotations"]) for a in alerts)
