"""The chaos experiments file and command without a demo: the shipped playbook loads, bad files and
names are refused naming file, experiment and field, and nothing runs without a recorded demo."""

from __future__ import annotations

import pytest
import yaml

from aethervision.core.errors import SpecError
from aethervision.ops.chaos import experiments

from support.repo import REPO_SPEC, ROOT, SPEC

SHIPPED = ROOT / "chaos" / "experiments.yaml"


def test_the_shipped_playbook_has_the_seed_experiments():
    loaded = experiments.load(SHIPPED)
    assert {name: (e.kind, e.target, e.alert, e.autoheal) for name, e in loaded.items()} == {
        "tcp": ("stop", "crm-api", "TcpEndpointDownFast", True),
        "http": ("http_status", "crm-api", "HttpEndpointDownFast", True),
        "burn": ("error_ratio", "simulator", "PaymentRateErrorBudgetFastBurn", True),
    }
    assert loaded["http"].value == 500 and loaded["burn"].value == 0.5
    assert loaded["burn"].deadline_seconds == 25 * 60 and loaded["tcp"].recovery_seconds == 300


def test_every_expected_alert_is_generated_with_the_autoheal_label_and_mapped_in_deploy():
    """make chaos-* expects autoheal to act: the repository spec must label the alert and
    deploy/autoheal-actions.yaml must map it."""
    from aethervision import spec as spec_mod
    from aethervision.demo import demo_files

    marked = set(demo_files.autoheal_alerts(spec_mod.load(REPO_SPEC)))
    mapped = set(yaml.safe_load((ROOT / "deploy" / "autoheal-actions.yaml").read_text())["actions"])
    for e in experiments.load(SHIPPED).values():
        assert e.alert in marked and e.alert in mapped, e.alert


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"inject": {"stop": "crm-api", "error_ratio": 0.5}}, "experiments.tcp.inject",
     "exactly one of stop, http_status, error_ratio"),
    ({"inject": {"http_status": {"target": "crm-api", "status": 200}}},
     "experiments.tcp.inject.http_status.status", "must be >= 400"),
    ({"inject": {"error_ratio": 1.5}}, "experiments.tcp.inject.error_ratio", "must be <= 1"),
    ({"expect": {"notification": True}}, "experiments.tcp.expect", "alert"),
    ({"deadline": "soon"}, "experiments.tcp.deadline", "soon"),
    ({"deadline": "0s"}, "experiments.tcp.deadline", "at least 1s"),
    ({"inject": {"stop": "crm-api"}, "expect": {"alert": "X"}, "colour": "red"}, "experiments.tcp", "colour"),
])
def test_a_bad_experiment_is_refused_naming_file_experiment_and_field(tmp_path, change, field, message):
    data = yaml.safe_load(SHIPPED.read_text())
    data["experiments"]["tcp"].update(change)
    path = tmp_path / "experiments.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(SpecError) as caught:
        experiments.load(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: {field}") and message in text, text


def test_the_command_lists_refuses_unknown_names_and_needs_a_running_demo(cli, tmp_path):
    listed = cli("chaos", "--experiments", str(SHIPPED))
    assert listed.exit_code == 0 and [line.split()[0] for line in listed.output.splitlines()] == \
        ["burn", "http", "tcp"]
    unknown = cli("chaos", "nope", "--experiments", str(SHIPPED), "--spec", str(SPEC))
    assert unknown.exit_code == 1
    assert "experiments.nope: no such experiment (the file has burn, http, tcp)" in unknown.stderr
    nodemo = cli("chaos", "tcp", "--experiments", str(SHIPPED), "--spec", str(SPEC), "--workdir", str(tmp_path))
    assert nodemo.exit_code == 1 and f"no demo recorded in {tmp_path}" in nodemo.stderr
    assert not (tmp_path / "chaos").exists()  # nothing ran, no report


def test_heal_without_a_demo_says_so(cli, tmp_path):
    result = cli("demo", "heal", "--workdir", str(tmp_path))
    assert result.exit_code == 1 and f"no demo recorded in {tmp_path}" in result.stderr
