"""`push`, drift and `diff --remote` on the Grafana test double emulating Grafana 11, 12 and 13.

Every format (classic, resource, v2) against every version: the first push creates,
a repeat push writes nothing, a change saved "in the UI" (Grafana 13 stores it as
schema v2) is drift refused with nothing written, `--force` overwrites it, and a
409 race between read and write is refused without overwriting. On 12 and 13 the
legacy /api/dashboards endpoints are never used, reads follow the stored version,
and `--dry-run` sends the writes with dryRun (validated, not stored).
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from aethervision.builder import checks, dashboard_v2

from support.grafana_double import GrafanaDouble
from support.repo import schema_dir

TOKEN = "admin-token"
VERSIONS, FORMATS = ("11", "12", "13"), ("classic", "resource", "v2")
DETAIL = "aethervision"
SCHEMAS = schema_dir()


@pytest.fixture
def spec_for(spec_data, write_spec):
    def make(fmt: str):
        spec_data.setdefault("grafana", {})["format"] = fmt
        return write_spec(spec_data)
    return make


def push(cli, grafana, spec, *args):
    return cli("push", "--spec", str(spec), "--timeout", "2", *args,
               env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})


def _legacy_dashboard_calls(grafana) -> list:
    return [r for r in grafana.requests if r[1].startswith(("/api/dashboards", "/api/folders"))]


def _edit(dashboard: dict) -> None:
    if "elements" in dashboard:  # schema v2: rename the first element's panel
        first = sorted(dashboard["elements"])[0]
        dashboard["elements"][first]["spec"]["title"] = "Renamed in the UI"
    else:
        dashboard["panels"][0]["title"] = "Renamed in the UI"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("version", VERSIONS)
def test_push_creates_then_writes_nothing_refuses_ui_drift_and_forces(cli, spec_for, version, fmt):
    spec = spec_for(fmt)
    with GrafanaDouble(tokens={TOKEN: "Admin"}, version=version) as grafana:
        first = push(cli, grafana, spec)
        if version == "11" and fmt == "v2":
            assert first.exit_code == 1 and "Grafana 12 or later" in first.stderr and grafana.writes == []
            return
        assert first.exit_code == 0, first.output + first.stderr
        stored = grafana.dashboards[DETAIL]
        assert stored["family"] == ("v2" if fmt == "v2" else "v1") and stored["folderUid"] == "aethervision"
        assert "create" in first.output
        if version != "11":
            for body in grafana.apis.sent:  # what push sent is what the schemas allow
                canonical = dashboard_v2.V2 if fmt == "v2" else dashboard_v2.V1
                assert checks.resource_problems({**body, "apiVersion": canonical}, SCHEMAS, "sent") == []
            assert _legacy_dashboard_calls(grafana) == []  # the app-platform API, never /api/dashboards
            assert f"through /apis dashboard.grafana.app/{'v1' if version == '13' else 'v1beta1'}" in first.output
        writes = len(grafana.writes)
        again = push(cli, grafana, spec)
        assert again.exit_code == 0 and "unchanged" in again.output and "create" not in again.output
        assert len(grafana.writes) == writes  # a repeat push writes nothing

        grafana.edit_in_ui(DETAIL, _edit, as_v2=dashboard_v2.to_v2 if version == "13" else None)
        drift = push(cli, grafana, spec)
        assert drift.exit_code == 1 and "drift" in drift.output, drift.output + drift.stderr
        assert "Renamed in the UI" in drift.stderr  # the diff of what would be lost: read as stored
        assert len(grafana.writes) == writes
        forced = push(cli, grafana, spec, "--force")
        assert forced.exit_code == 0, forced.output + forced.stderr
        assert len(grafana.writes) == writes + 1
        assert "Renamed in the UI" not in str(grafana.dashboards[DETAIL]["dashboard"])
        assert push(cli, grafana, spec).exit_code == 0 and len(grafana.writes) == writes + 1


@pytest.mark.parametrize("version", ["12", "13"])
def test_a_409_race_is_refused_and_nothing_is_overwritten(cli, spec_for, spec_data, version):
    spec = spec_for("v2")
    with GrafanaDouble(tokens={TOKEN: "Admin"}, version=version) as grafana:
        assert push(cli, grafana, spec).exit_code == 0
        spec_data["runway"]["days_to_breach_thresholds"][1]["value"] = 4
        spec = spec_for("v2")
        grafana.apis.conflict_next_update = True  # someone saves between our read and our write
        writes = len(grafana.writes)
        raced = push(cli, grafana, spec)
        assert raced.exit_code == 1 and "409 Conflict" in raced.stderr and "nothing was overwritten" in raced.stderr
        assert grafana.dashboards[DETAIL]["dashboard"]["title"].endswith("(saved meanwhile)")
        assert len(grafana.writes) == writes  # only the other save happened
        assert push(cli, grafana, spec).exit_code == 1  # and the next push sees it as drift


@pytest.mark.parametrize("version", ["12", "13"])
def test_dry_run_is_the_server_s_dry_run_and_stores_nothing(cli, spec_for, version):
    spec = spec_for("v2")
    with GrafanaDouble(tokens={TOKEN: "Admin"}, version=version) as grafana:
        result = push(cli, grafana, spec, "--dry-run")
        assert result.exit_code == 0, result.output + result.stderr
        assert "validated (dry run)" in result.output
        assert grafana.dashboards == {} and grafana.writes == [] and len(grafana.dry_runs) == 2


def test_a_v2_dashboard_is_read_as_v2_never_the_lossy_legacy_copy(cli, spec_for, grafana_schema):
    spec = spec_for("classic")
    with GrafanaDouble(tokens={TOKEN: "Admin"}, version="13") as grafana:
        assert push(cli, grafana, spec).exit_code == 0
        grafana.edit_in_ui(DETAIL, _edit, as_v2=dashboard_v2.to_v2)
        stored = grafana.dashboards[DETAIL]["dashboard"]
        assert checks.resource_problems(dashboard_v2.envelope(dashboard_v2.V2, DETAIL, stored), grafana_schema,
                                        "stored") == []
        grafana.requests.clear()
        diff = cli("diff", "--spec", str(spec), "--remote", env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})
        assert diff.exit_code == 0, diff.output + diff.stderr
        # one panel renamed (panels match by title: one removed, one added) and nothing else, which a
        # lossy read (titles only) would not give: every other panel would differ
        lines = diff.output.strip().splitlines()
        assert len(lines) == 2 and "Renamed in the UI" in lines[0] and lines[1].startswith("added"), diff.output
        reads = [p for m, p in grafana.requests if m == "GET" and "/dashboards/" in p]
        assert any("/apis/dashboard.grafana.app/v2/" in p for p in reads) and _legacy_dashboard_calls(grafana) == []


def test_server_discovery_picks_the_most_stable_version_of_each_family():
    from aethervision.grafana.store import best_versions

    group = {"versions": [{"version": v} for v in ("v0alpha1", "v1beta1", "v2alpha1", "v2beta1", "v1", "x")]}
    assert best_versions(group) == {"v1": "v1", "v2": "v2beta1"}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("recording", ["prometheus", "grafana"])
def test_grafana_managed_alerting_is_pushed_once_and_then_writes_nothing(cli, spec_data, write_spec, version,
                                                                         grafana_schema, recording):
    spec_data["alerting"] = {"engine": "grafana", "recording_rules": recording}
    spec_data["alertmanager"]["receivers"] = {
        "page": {"webhook_configs": [{"url": "http://pager.example/hook"}]},
        "ticket": {"slack_configs": [{"api_url": "https://hooks.slack.example/x", "channel": "#ops"}]}}
    spec = write_spec(spec_data)
    with GrafanaDouble(tokens={TOKEN: "Admin"}, version=version) as grafana:
        first = push(cli, grafana, spec)
        assert first.exit_code == 0, first.output + first.stderr
        groups = grafana.alerting.groups
        assert groups and all(folder == "aethervision" for folder, _ in groups)
        validator = jsonschema.Draft7Validator({"$ref": "#/definitions/RuleGroup", "definitions": json.loads(
            (grafana_schema / "alerting.jsonschema.json").read_text())["definitions"]})
        for group in groups.values():
            assert list(validator.iter_errors(group)) == []
        recorded = [r["record"]["metric"] for g in groups.values() for r in g["rules"] if r.get("record")]
        assert bool(recorded) == (recording == "grafana")
        assert all(m.startswith(("slo:", "aethervision:")) for m in recorded)
        types = sorted(p["type"] for p in grafana.alerting.contact_points.values())
        assert types[:2] == ["slack", "webhook"] and grafana.alerting.policy["receiver"]
        assert "create    rule group" in first.output and "update    notification policy" in first.output
        writes = len(grafana.writes)
        again = push(cli, grafana, spec)  # Go-spelled durations, a redacted Slack URL: still no write
        assert again.exit_code == 0 and len(grafana.writes) == writes, again.output
        assert "update" not in again.output and "create" not in again.output
        spec_data["runway"]["alerts"]["warning"]["for"] = "10m"
        changed = push(cli, grafana, write_spec(spec_data))
        assert changed.exit_code == 0 and len(grafana.writes) == writes + 1, changed.output
        assert "update    rule group" in changed.output


@pytest.mark.parametrize("version", VERSIONS)
def test_maintenance_windows_are_pushed_as_mute_timings_before_the_policy_that_names_them(
        cli, spec_data, write_spec, version):
    """The double refuses a policy tree naming a missing mute timing, as Grafana does: the push
    creates the timings first, and a repeat push writes nothing."""
    spec_data["alerting"] = {"engine": "grafana"}
    spec_data["maintenance"] = [{"name": "sunday_upgrade", "slos": ["payment_rate"], "weekdays": ["sunday"],
                                 "from": "02:00", "to": "04:00", "timezone": "Europe/Berlin"}]
    spec = write_spec(spec_data)
    with GrafanaDouble(tokens={TOKEN: "Admin"}, version=version) as grafana:
        first = push(cli, grafana, spec)
        assert first.exit_code == 0, first.output + first.stderr
        assert "create    mute timing sunday_upgrade" in first.output
        timing = grafana.alerting.mute_timings["sunday_upgrade"]
        assert timing["time_intervals"][0]["weekdays"] == ["sunday"]
        assert timing["time_intervals"][0]["location"] == "Europe/Berlin"
        named = json.dumps(grafana.alerting.policy)
        assert '"mute_time_intervals": ["sunday_upgrade"]' in named
        writes = len(grafana.writes)
        again = push(cli, grafana, spec)
        assert again.exit_code == 0 and len(grafana.writes) == writes, again.output
        assert "unchanged mute timing sunday_upgrade" in again.output
