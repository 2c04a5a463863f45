"""Code hygiene the tests enforce: layer contracts (import-linter), ruff, module size."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.repo import ROOT

BIN = Path(sys.executable).parent


def _run(tool: str, *args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = BIN / tool
    if not exe.exists():
        pytest.fail(f"{tool} is not installed: `pip install -e '.[test]'` (make test does)")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def test_layer_contracts_are_kept():
    result = _run("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_contract(tmp_path):
    """The contract is not vacuous: core importing the CLI is reported."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "aethervision", copy / "aethervision", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    files = copy / "aethervision" / "core" / "files.py"
    files.write_text(files.read_text() + "\nfrom aethervision.cli import main  # deliberately wrong\n")
    result = _run("lint-imports", "--no-cache", cwd=copy, env={"PYTHONPATH": str(copy), "PATH": str(BIN)})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and "aethervision.core.files -> aethervision.cli" in result.stdout


def test_ruff_passes():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_is_over_300_lines():
    roots = [ROOT / d for d in ("aethervision", "panels", "dashboards", "builder", "bench")]
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text().splitlines())
             for root in roots for p in root.rglob("*.py") if not p.is_symlink()}
    assert sizes and {k: v for k, v in sizes.items() if v > 330} == {}
