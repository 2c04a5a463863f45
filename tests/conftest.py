"""Shared fixtures: the Grafana schemas, the CLI, spec variants. Helpers live in support/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aethervision.cli import main

from support.repo import EXPECTED, SPEC, schema_dir


@pytest.fixture
def grafana_schema() -> Path:
    return schema_dir()


@pytest.fixture
def cli():
    """Invoke the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    def invoke(*args: str, env: dict | None = None):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return invoke


@pytest.fixture
def spec_data() -> dict:
    """The repository's spec as a dict, to modify per test."""
    return yaml.safe_load(SPEC.read_text())


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec dict (or raw text) to tmp_path/aethervision.yaml."""
    def write(data, name: str = "aethervision.yaml") -> Path:
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
        return path
    return write


@pytest.fixture
def provisioning_copy(tmp_path) -> Path:
    """A copy of the fixture spec's expected provisioning/ folder."""
    dest = tmp_path / "provisioning"
    shutil.copytree(EXPECTED, dest)
    return dest
