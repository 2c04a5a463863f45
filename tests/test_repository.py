"""The repository's own aethervision.yaml: only what holds for any valid spec.

A user edits that file; every other test uses fixture specs under tests/golden/,
so adding an SLO as the README shows never turns the suite red.
"""

from __future__ import annotations

import pytest

from support.repo import REPO_SPEC, ROOT


def test_the_repository_spec_builds_and_provisioning_is_up_to_date(cli):
    result = cli("build", "--check", "--spec", str(REPO_SPEC), "--out", str(ROOT / "provisioning"))
    assert result.exit_code == 0, f"run `make dashboards` and commit provisioning/\n{result.output}"


@pytest.mark.promtool
def test_the_repository_spec_validates(cli, grafana_schema):
    result = cli("validate", "--spec", str(REPO_SPEC), "--grafana-schema", str(grafana_schema))
    assert result.exit_code == 0, result.output
    assert "SKIPPED" not in result.output
