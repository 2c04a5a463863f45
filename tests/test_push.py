"""`aethervision push` against the Grafana-API test double over real HTTP."""

from __future__ import annotations

import pytest

from aethervision.grafana.client import Connection, Session, redact
from aethervision.grafana.store import open_store

from support.grafana_double import GrafanaDouble
from support.repo import SPEC

TOKEN = "admin-token"


@pytest.fixture
def grafana():
    with GrafanaDouble(tokens={TOKEN: "Admin", "viewer-token": "Viewer"},
                       users={"ops": ("s3cret-pass", "Editor")}) as double:
        yield double


def push(cli, grafana, *args, token=TOKEN, env=None):
    environment = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": token}
    environment.update(env or {})
    return cli("push", "--spec", str(SPEC), "--timeout", "1", *args, env=environment)


def test_first_push_creates_folder_and_dashboard_then_repeat_is_a_no_op(cli, grafana):
    result = push(cli, grafana)
    assert result.exit_code == 0, result.output
    assert "create" in result.output and "created folder" in result.output
    assert grafana.folders["aethervision"]["title"] == "AetherVision"
    stored = grafana.dashboards["aethervision"]
    assert stored["folderUid"] == "aethervision" and stored["version"] == 1
    assert stored["message"].startswith("aethervision push")
    writes = len(grafana.writes)
    again = push(cli, grafana)
    assert again.exit_code == 0 and "unchanged" in again.output
    assert len(grafana.writes) == writes  # zero writes
    assert grafana.dashboards["aethervision"]["version"] == 1


def test_ui_edit_is_drift_refused_with_a_diff_then_forced(cli, grafana):
    assert push(cli, grafana).exit_code == 0

    def edit(dashboard):
        panel = next(p for p in dashboard["panels"] if p.get("title") == "🧭 Days to Breach (Conservative)")
        panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] = 3
    grafana.edit_in_ui("aethervision", edit)
    writes = len(grafana.writes)
    result = push(cli, grafana)
    assert result.exit_code == 1
    assert "drift" in result.output
    assert "thresholds" in result.stderr and "3" in result.stderr and "--force" in result.stderr
    assert len(grafana.writes) == writes
    forced = push(cli, grafana, "--force")
    assert forced.exit_code == 0, forced.output
    panel = grafana.dashboards["aethervision"]["dashboard"]["panels"][1]
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[1]["value"] == 5.0
    assert "unchanged" in push(cli, grafana).output


def test_code_change_is_an_update_not_drift(cli, grafana, spec_data, write_spec):
    assert push(cli, grafana).exit_code == 0
    spec_data["runway"]["days_to_breach_thresholds"][1]["value"] = 4
    result = cli("push", "--spec", str(write_spec(spec_data)), env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "update" in result.output and "written" in result.output
    assert grafana.dashboards["aethervision"]["version"] == 2


def test_retries_recover_from_two_server_errors(cli, grafana):
    grafana.faults = ["500", "500"]
    result = push(cli, grafana, env={})
    assert result.exit_code == 0, result.output
    assert "aethervision" in grafana.dashboards


def test_persistent_failure_exits_2_and_says_what_was_not_written(cli, grafana):
    grafana.faults = ["500"] * 50
    result = push(cli, grafana)
    assert result.exit_code == 2
    assert "server error 500" in result.stderr and "tried 4 times" in result.stderr


def test_dropped_connections_and_timeouts_are_retried(grafana):
    grafana.faults = ["drop", "slow"]
    conn = Connection(url=grafana.url, token=TOKEN, timeout=0.5, backoff=0.01)
    api = conn.api()
    assert conn.call("search dashboards", api.search.search_dashboards) == []
    assert grafana.requests.count(("GET", "/api/search")) == 3  # dropped, timed out, answered


def test_bad_token_exits_1_and_never_prints_the_token(cli, grafana):
    secret = "glsa_VerySecretToken_1234"
    result = push(cli, grafana, token=secret)
    assert result.exit_code == 1
    assert "401" in result.stderr and grafana.url in result.stderr
    assert secret not in result.output + result.stderr


def test_forbidden_names_the_missing_permission(cli, grafana):
    result = push(cli, grafana, token="viewer-token")
    assert result.exit_code == 1
    assert "403" in result.stderr and "dashboards:write" in result.stderr
    assert "viewer-token" not in result.output + result.stderr


def test_basic_auth_fallback(cli, grafana):
    result = cli("push", "--spec", str(SPEC), env={
        "GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": "", "GRAFANA_USER": "ops",
        "GRAFANA_PASSWORD": "s3cret-pass"})
    assert result.exit_code == 0, result.output
    assert "s3cret-pass" not in result.output


def test_dry_run_prints_the_plan_and_writes_nothing(cli, grafana):
    result = push(cli, grafana, "--dry-run")
    assert result.exit_code == 0
    assert "create" in result.output
    assert grafana.writes == [] and grafana.dashboards == {} and grafana.folders == {}


def test_name_exists_is_explained(cli, grafana):
    grafana.folders["aethervision"] = {"uid": "aethervision", "title": "AetherVision", "id": 1}
    grafana.dashboards["other"] = {"dashboard": {"uid": "other", "title": "AetherVision"},
                                   "folderUid": "aethervision", "version": 1, "id": 9}
    result = push(cli, grafana)
    assert result.exit_code == 1
    assert "412 name-exists" in result.stderr
    assert "(failed)" in result.output


def test_missing_credentials_and_insecure_warning(cli, grafana):
    result = cli("push", "--spec", str(SPEC), env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": ""})
    assert result.exit_code == 1 and "GRAFANA_TOKEN" in result.stderr
    loud = push(cli, grafana, "--insecure", "--dry-run")
    assert "TLS certificate verification is OFF" in loud.stderr


def test_unreachable_grafana_is_exit_2_with_redacted_url(cli):
    result = cli("push", "--spec", str(SPEC), "--timeout", "0.5", env={
        "GRAFANA_URL": "http://admin:hunter2@127.0.0.1:9", "GRAFANA_TOKEN": TOKEN})
    assert result.exit_code == 2
    assert "hunter2" not in result.stderr and "***@127.0.0.1:9" in result.stderr


def test_redact():
    assert redact("https://u:p@host/x and tok123", ("tok123",)) == "https://***@host/x and ***"


def test_edit_between_plan_and_write_is_a_412_version_mismatch(cli, grafana, spec_data, write_spec):
    from aethervision import spec as spec_mod
    from aethervision.builder import outputs
    from aethervision.grafana import push as push_mod

    assert push(cli, grafana).exit_code == 0
    spec_data["runway"]["days_to_breach_thresholds"][1]["value"] = 4
    spec = spec_mod.load(write_spec(spec_data))
    local = {d["uid"]: d for d in outputs.dashboards(spec).values()}
    session = open_store(Session(Connection(url=grafana.url, token=TOKEN)))
    report = push_mod.plan(session, local)
    assert {s.uid: s.action for s in report.steps} == {"aethervision": "update", "aethervision-slo": "unchanged"}
    grafana.edit_in_ui("aethervision", lambda d: d.update(title="Edited meanwhile"))
    with pytest.raises(push_mod.PushFailed, match="412 version-mismatch") as info:
        push_mod.apply(session, report, local, "aethervision", "AetherVision", "m")
    assert info.value.report.steps[0].result == "failed"
    assert grafana.dashboards["aethervision"]["dashboard"]["title"] == "Edited meanwhile"


def _fleet_of_dashboards(count: int) -> dict[str, dict]:
    """`count` distinct dashboards: the generated one under other uids and titles."""
    from aethervision.builder import pipeline

    base = pipeline.generate(str(SPEC)).by_uid["aethervision"]
    return {f"d{i:03d}": {**base, "uid": f"d{i:03d}", "title": f"Dashboard {i:03d}"} for i in range(count)}


def test_pushing_100_unchanged_dashboards_reads_each_once_and_writes_nothing(grafana):
    from aethervision.grafana import push as push_api

    session = open_store(Session(Connection.from_env({"GRAFANA_TOKEN": TOKEN}, url=grafana.url, timeout=5,
                                                     retries=0)))
    boards = _fleet_of_dashboards(100)
    first = push_api.apply(session, push_api.plan(session, boards), boards, "fleet", "Fleet", "first")
    assert [s.result for s in first.steps].count("written") == 100
    grafana.requests.clear()
    grafana.effective_writes.clear()
    grafana.latency = 0.02  # a Grafana 20 ms away: reads must overlap to stay fast
    again = push_api.apply(session, push_api.plan(session, boards), boards, "fleet", "Fleet", "again")
    assert {s.action for s in again.steps} == {"unchanged"}
    assert grafana.writes == [] and len(grafana.requests) <= 100 + 2
    assert sorted(p for _, p in grafana.requests) == [f"/api/dashboards/uid/d{i:03d}" for i in range(100)]
    # (open_store asked /apis once, before: a Grafana 11 answers 404 and the legacy API is used)
