"""The autoheal service over real HTTP on 127.0.0.1: metrics, status, the Alertmanager webhook."""

from __future__ import annotations

import json
import sys
import time

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.autoheal import actions
from aethervision.autoheal.service import Autoheal
from aethervision.core.errors import SpecError
from aethervision.rules import files as rules

from support.autoheal_client import TOKEN, Running, mapping, payload, touch_command
from support.repo import ROOT


@pytest.fixture
def run():
    started = []

    def start(service: Autoheal, token: str | None = None) -> Running:
        running = Running(service, token)
        running.server.start()
        started.append(running)
        return running
    yield start
    for running in started:
        running.server.stop()
        running.service.close()


def test_enabled_runs_the_mapped_command_once_and_counts_it(run, tmp_path):
    marker = tmp_path / "marker"
    heal = run(Autoheal(mapping(tmp_path, CrmDown={"command": touch_command(marker)}), enabled=True))
    status, body = heal.post(payload(("CrmDown", "firing", {"autoheal": "true"})))
    assert status == 200 and body["decisions"] == [{"alert": "CrmDown", "result": "queued"}]
    state = heal.settle()
    assert marker.read_text() == "ran\n"
    assert state["recent_actions"][0]["result"] == "ran" and state["recent_actions"][0]["exit_code"] == 0
    assert state["last_action_epoch"] > 0
    metrics = heal.metrics()
    assert 'autoheal_actions_total{alert="CrmDown",result="ran"} 1.0' in metrics
    assert "autoheal_enabled 1.0" in metrics
    assert "autoheal_last_action_epoch 0.0" not in metrics


def test_disabled_runs_nothing_but_records_what_it_would_have_run(run, tmp_path):
    marker = tmp_path / "marker"
    heal = run(Autoheal(mapping(tmp_path, CrmDown={"command": touch_command(marker)}), enabled=False))
    status, body = heal.post(payload(("CrmDown", "firing", {"autoheal": "true"})))
    assert status == 200 and body["decisions"][0]["result"] == "would_run"
    state = heal.settle()
    time.sleep(0.3)  # give a (wrongly) started command time to leave a trace
    assert not marker.exists()
    assert state["recent_actions"][0]["command"] == touch_command(marker)
    assert state["last_action_epoch"] is None
    metrics = heal.metrics()
    assert 'autoheal_actions_total{alert="CrmDown",result="would_run"} 1.0' in metrics
    assert "autoheal_enabled 0.0" in metrics and "autoheal_last_action_epoch 0.0" in metrics


def test_cooldown_stops_a_flapping_alert_from_restarting_in_a_storm(run, tmp_path):
    marker = tmp_path / "marker"
    heal = run(Autoheal(mapping(tmp_path, CrmDown={"command": touch_command(marker)}), enabled=True))
    results = [heal.post(payload(("CrmDown", "firing", {"autoheal": "true"})))[1]["decisions"][0]["result"]
               for _ in range(5)]
    heal.settle()
    assert results == ["queued", "cooldown", "cooldown", "cooldown", "cooldown"]
    assert marker.read_text() == "ran\n"
    assert 'autoheal_actions_total{alert="CrmDown",result="cooldown"} 4.0' in heal.metrics()
    assert heal.status()["cooldowns"]["CrmDown"] > 590


def test_only_firing_autoheal_alerts_with_a_mapping_act(run, tmp_path):
    marker = tmp_path / "marker"
    heal = run(Autoheal(mapping(tmp_path, CrmDown={"command": touch_command(marker)}), enabled=True))
    _, body = heal.post(payload(("CrmDown", "resolved", {"autoheal": "true"}),
                                ("CrmDown", "firing", {}),
                                ("CrmDown", "firing", {"autoheal": "false"}),
                                ("Unknown", "firing", {"autoheal": "true"})))
    assert [d["result"] for d in body["decisions"]] == [
        "ignored: resolved", 'ignored: no autoheal="true" label or annotation',
        'ignored: no autoheal="true" label or annotation', "unmapped"]
    heal.settle()
    assert not marker.exists()
    assert 'autoheal_actions_total{alert="_unmapped",result="unmapped"} 1.0' in heal.metrics()  # bounded labels
    annotated = payload(("CrmDown", "firing", {}))
    annotated["alerts"][0]["annotations"]["autoheal"] = "true"  # the seed's runbook uses annotations
    assert heal.post(annotated)[1]["decisions"][0]["result"] == "queued"


def test_alert_labels_never_reach_the_command(run, tmp_path):
    log = tmp_path / "argv.json"
    command = [sys.executable, "-c", f"import json, sys; json.dump(sys.argv[1:], open({str(log)!r}, 'w'))",
               "fixed-arg"]
    heal = run(Autoheal(mapping(tmp_path, CrmDown={"command": command}), enabled=True))
    hostile = {"autoheal": "true", "instance": "$(touch /tmp/pwned); rm -rf /", "job": "`id`"}
    heal.post(payload(("CrmDown", "firing", hostile)))
    heal.settle()
    assert json.loads(log.read_text()) == ["fixed-arg"]


def test_a_hanging_command_is_killed_at_its_timeout(run, tmp_path):
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    heal = run(Autoheal(mapping(tmp_path, Stuck={"command": hang, "timeout": "1s"}), enabled=True))
    started = time.monotonic()
    heal.post(payload(("Stuck", "firing", {"autoheal": "true"})))
    state = heal.settle(timeout=15)
    assert time.monotonic() - started < 10
    assert state["recent_actions"][0]["result"] == "timeout"
    assert 'result="timeout"} 1.0' in heal.metrics()


def test_a_missing_or_failing_command_is_recorded_not_fatal(run, tmp_path):
    heal = run(Autoheal(mapping(tmp_path, Gone={"command": ["/nonexistent/aethervision-cmd"]},
                                Fails={"command": [sys.executable, "-c", "raise SystemExit(3)"]}),
                        enabled=True))
    heal.post(payload(("Gone", "firing", {"autoheal": "true"}), ("Fails", "firing", {"autoheal": "true"})))
    recent = {a["alert"]: a for a in heal.settle()["recent_actions"]}
    assert recent["Gone"]["result"] == "error" and "could not start" in recent["Gone"]["detail"]
    assert recent["Fails"]["result"] == "failed" and recent["Fails"]["exit_code"] == 3


@pytest.mark.parametrize("body, expected", [
    (b"{not json", "malformed JSON"),
    (b"", "empty body"),
    (b"[]", "payload: must be of type object"),
    (json.dumps({"version": "3", "status": "firing", "alerts": []}).encode(), "version: must be '4'"),
    (json.dumps({"version": "4", "status": "firing", "alerts": [{"status": "firing", "labels": {}}]}).encode(),
     "alerts[0].labels.alertname: required key is missing"),
    (json.dumps({"version": "4", "status": "firing",
                 "alerts": [{"status": "firing", "labels": {"alertname": "CrmDown", "n": 1}}]}).encode(),
     "alerts[0].labels.n: must be of type string"),
])
def test_malformed_payloads_get_400_and_change_nothing(run, tmp_path, body, expected):
    marker = tmp_path / "marker"
    heal = run(Autoheal(mapping(tmp_path, CrmDown={"command": touch_command(marker)}), enabled=True))
    before = heal.metrics()
    status, raw = heal.request("POST", "/alertmanager", body)
    assert status == 400
    assert expected in json.loads(raw)["error"]
    assert heal.metrics() == before and heal.status()["recent_actions"] == []
    assert not marker.exists()


def test_bearer_token_is_required_when_configured(run, tmp_path):
    marker = tmp_path / "marker"
    heal = run(Autoheal(mapping(tmp_path, CrmDown={"command": touch_command(marker)}), enabled=True), TOKEN)
    firing = payload(("CrmDown", "firing", {"autoheal": "true"}))
    assert heal.post(firing)[0] == 401
    assert heal.post(firing, {"Authorization": "Bearer wrong"})[0] == 401
    assert heal.status()["recent_actions"] == [] and TOKEN not in json.dumps(heal.status())
    assert heal.post(firing, {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    heal.settle()
    assert marker.read_text() == "ran\n"


def test_unknown_paths_and_methods(run, tmp_path):
    heal = run(Autoheal({}, enabled=False))
    assert heal.request("GET", "/nope")[0] == 404
    assert heal.request("GET", "/alertmanager")[0] == 405
    assert heal.request("GET", "/-/healthy") == (200, b"ok\n")


def test_the_repository_mapping_file_loads_and_names_alerts_the_spec_marks_for_autoheal():
    loaded = actions.load(ROOT / "deploy" / "autoheal-actions.yaml")
    assert loaded and all(a.command and a.timeout_seconds >= 1 for a in loaded.values())
    spec = spec_mod.load(ROOT / "aethervision.yaml")
    marked = {rule["alert"] for _, _, rule in rules.walk_rules(rules.alert_rules(spec))
              if rule["labels"].get("autoheal") == "true"}
    assert marked and set(loaded) == marked


@pytest.mark.parametrize("doc, field, message", [
    ({"version": actions.VERSION, "actions": {"X": {"command": "docker restart crm"}}},
     "actions.X.command", "must be a list of arguments"),
    ({"version": actions.VERSION, "actions": {"X": {"command": []}}}, "actions.X.command", "got an empty list"),
    ({"version": actions.VERSION, "actions": {"X": {"command": ["a"], "timeout": "soon"}}},
     "actions.X.timeout", "must be a duration"),
    ({"version": actions.VERSION, "actions": {"X": {"command": ["a"], "timeout": "0s"}}},
     "actions.X.timeout", "at least 1s"),
    ({"version": "v0", "actions": {}}, "version", "must be 'aethervision/autoheal/v1'"),
    ({"version": actions.VERSION, "actions": {"X": {"command": ["a"], "shell": True}}}, "actions.X.shell",
     "unknown key"),
])
def test_bad_mapping_files_name_file_and_field(tmp_path, doc, field, message):
    path = tmp_path / "actions.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(SpecError) as err:
        actions.load(path)
    assert err.value.field == field and message in err.value.message
    assert str(err.value).startswith(f"{path}: {field}: ")


def test_autoheal_cli_reports_a_bad_mapping_and_a_bad_flag(cli, tmp_path):
    result = cli("autoheal", "--actions", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 1 and "missing.yaml: file not found" in result.stderr
    good = ROOT / "deploy" / "autoheal-actions.yaml"
    result = cli("autoheal", "--actions", str(good), env={"AUTOHEAL_ENABLED": "maybe"})
    assert result.exit_code == 1 and "AUTOHEAL_ENABLED='maybe'" in result.stderr
    result = cli("autoheal", "--actions", str(good), "--listen", "nowhere")
    assert result.exit_code == 1 and "expected HOST:PORT" in result.stderr
