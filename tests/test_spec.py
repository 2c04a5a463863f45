"""Spec loading: the model, and a clear error for every kind of bad input."""

from __future__ import annotations

import pytest

from aethervision import spec as spec_mod
from aethervision.core.errors import SpecError

from support.repo import SPEC, tree_bytes


def test_repository_spec_loads_into_frozen_model():
    spec = spec_mod.load(SPEC)
    slo = spec.slos[0]
    assert (slo.name, slo.service, slo.objective, slo.window_seconds) == ("payment_rate", "crm", 0.99, 30 * 86400)
    assert slo.sli.errors == 'crm_payments_total{status="failed"}'
    assert spec.runway.warning.below_hours == 24 and spec.runway.critical.below_hours == 6
    assert [t.value for t in spec.runway.days_to_breach_thresholds] == [0, 5, 10, 20]
    assert spec.grafana.dashboard_uid == "aethervision"
    assert spec.probes.min_healthy == 5
    with pytest.raises(AttributeError):
        slo.objective = 0.5  # frozen


def _bad(data, **change):
    """Apply dotted-path changes like {"slos.0.objective": 1.5}."""
    for path, value in change.items():
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


BAD_CASES = {
    "objective_above_one": ({"slos.0.objective": 1.5}, "slos[0].objective: must be < 1"),
    "objective_one": ({"slos.0.objective": 1}, "slos[0].objective: must be < 1"),
    "objective_zero": ({"slos.0.objective": 0}, "slos[0].objective: must be > 0"),
    "unknown_key": ({"slos.0.objectve": 0.9}, "slos[0].objectve: unknown key"),
    "thresholds_out_of_order": (
        {"runway.days_to_breach_thresholds.2": {"color": "yellow", "value": 3}},
        "runway.days_to_breach_thresholds[2].value: thresholds must be in ascending order"),
    "bad_version": ({"version": "aethervision/v2"}, "version: must be 'aethervision/v1'"),
    "bad_duration": ({"slos.0.window": "30 days"}, "slos[0].window: must be a duration"),
    "critical_not_shorter": ({"runway.alerts.critical.below": "48h"},
                             "runway.alerts.critical.below: must be shorter"),
    "unknown_policy": ({"runway.policy": "sloth"}, "runway.policy: must be one of ['aethervision', 'seed']"),
    "burn_short_not_shorter": ({"runway.burn_alerts.page.0.short": "2h"},
                               "runway.burn_alerts.page[0].short: must be at least 1m and shorter than long (1h)"),
    "burn_long_beyond_window": ({"runway.burn_alerts.ticket.1.long": "60d"},
                                "runway.burn_alerts.ticket[1].long: must not exceed the SLO window"),
    "burn_factor_zero": ({"runway.burn_alerts.ticket.0.factor": 0},
                         "runway.burn_alerts.ticket[0].factor: must be > 0"),
    "min_errors_negative": ({"runway.min_errors": -1}, "runway.min_errors: must be >= 0"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_spec_exits_1_names_file_and_field_and_writes_nothing(
        case, cli, spec_data, write_spec, provisioning_copy):
    change, expected = BAD_CASES[case]
    path = write_spec(_bad(spec_data, **change))
    before = tree_bytes(provisioning_copy)
    result = cli("build", "--spec", str(path), "--out", str(provisioning_copy))
    assert result.exit_code == 1, result.output
    assert f"{path}: {expected}" in result.stderr
    assert tree_bytes(provisioning_copy) == before


def test_duplicate_slo_names(cli, spec_data, write_spec, provisioning_copy):
    spec_data["slos"].append(dict(spec_data["slos"][0]))
    path = write_spec(spec_data)
    before = tree_bytes(provisioning_copy)
    result = cli("build", "--spec", str(path), "--out", str(provisioning_copy))
    assert result.exit_code == 1
    assert f"{path}: slos[1].name: duplicate SLO name 'payment_rate' (also slos[0])" in result.stderr
    assert tree_bytes(provisioning_copy) == before


@pytest.mark.parametrize("text, expected", [
    ("version: aethervision/v1\nslos: [\n", "malformed YAML"),
    ("version: aethervision/v1\nversion: aethervision/v1\n", "duplicate key 'version'"),
    ("- just\n- a list\n", "must be a YAML mapping"),
])
def test_malformed_yaml(cli, write_spec, tmp_path, text, expected):
    path = write_spec(text)
    out = tmp_path / "out"
    result = cli("build", "--spec", str(path), "--out", str(out))
    assert result.exit_code == 1
    assert str(path) in result.stderr and expected in result.stderr
    assert not out.exists()


def test_malformed_yaml_names_the_line(write_spec):
    path = write_spec("version: aethervision/v1\nslos:\n  - name: [unclosed\n")
    with pytest.raises(SpecError, match=r"line \d+, column \d+: malformed YAML"):
        spec_mod.load(path)


def test_missing_spec_file(cli, tmp_path):
    result = cli("build", "--spec", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "nope.yaml: file not found" in result.stderr


def test_missing_required_key_is_named(spec_data, write_spec):
    del spec_data["slos"][0]["sli"]["total"]
    with pytest.raises(SpecError) as info:
        spec_mod.load(write_spec(spec_data))
    assert info.value.field == "slos[0].sli.total"
    assert "required key is missing" in str(info.value)


def test_older_specs_without_the_policy_keys_get_the_defaults(spec_data, write_spec):
    for key in ("policy", "min_errors", "burn_alerts"):
        del spec_data["runway"][key]
    spec = spec_mod.load(write_spec(spec_data))
    repo = spec_mod.load(SPEC)
    assert spec.runway.policy == "aethervision" and spec.runway.min_errors == 3
    assert (spec.runway.page_tiers, spec.runway.ticket_tiers) == (repo.runway.page_tiers, repo.runway.ticket_tiers)


@pytest.mark.parametrize("section, message", [
    ({"slos.0.window": {"calendar": "month", "timezone": "Mars/Olympus"}},
     "slos[0].window.timezone: unknown timezone 'Mars/Olympus'"),
    ({"maintenance": [{"name": "m", "start": "2026-11-01T02:00:00", "end": "2026-11-01T03:00:00Z"}]},
     "maintenance[0].start: '2026-11-01T02:00:00' has no UTC offset"),
    ({"maintenance": [{"name": "m", "slos": ["nope"], "start": "2026-11-01T02:00:00Z",
                       "end": "2026-11-01T03:00:00Z"}]}, "maintenance[0].slos[0]: no SLO named 'nope'"),
    ({"maintenance": [{"name": "m", "weekdays": ["sunday"], "from": "23:00", "to": "01:00"}]},
     "maintenance[0].to: must be after `from`"),
    ({"corrections": [{"slo": "payment_rate", "start": "2026-11-02T00:00:00Z", "end": "2026-11-01T00:00:00Z",
                       "reason": "x"}]}, "corrections[0].end: must be after start"),
])
def test_calendar_sections_refuse_bad_input_by_field(section, message, tmp_path):
    import yaml as _yaml

    from support.repo import SPEC as _SPEC
    data = _yaml.safe_load(_SPEC.read_text())
    for key, value in section.items():
        if key.startswith("slos."):
            data["slos"][int(key.split(".")[1])][key.split(".")[2]] = value
        else:
            data[key] = value
    path = tmp_path / "aethervision.yaml"
    path.write_text(_yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(SpecError) as raised:
        spec_mod.load(path)
    assert message in str(raised.value)
