"""Shared fixtures: the Grafana schemas, the CLI, spec variants. Helpers live in support/."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from aethervision.cli import main
from aethervision.clients import servers

from support import scheduling
from support.repo import EXPECTED, SPEC, schema_dir


def pytest_collection_modifyitems(items):
    scheduling.longest_first(items)


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` (make test): a unit per file, and per engine in the scenario files."""
    if config.getvalue("dist") == "loadfile":
        return scheduling.ByFileAndEngine(config, log)
    return None


_FILE_SECONDS: dict[str, float] = {}  # worker seconds per test file, on the controller


def pytest_runtest_logreport(report):
    name = Path(report.fspath).name
    _FILE_SECONDS[name] = _FILE_SECONDS.get(name, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    late = scheduling.unlisted_long_files(_FILE_SECONDS)
    if late and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.write_line("long files missing from tests/support/scheduling.py LONGEST_FIRST "
                                    "(they start late): " + ", ".join(f"{n} {s:.0f} s" for n, s in late))


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


# -- engine results: what docs/compatibility.md is made from (tools/compatibility.py) ----------

_ENGINE_RESULTS: dict[tuple[str, str], dict[str, int]] = {}
_STARTED = time.time()  # engine-result files older than this are leftovers of an earlier run


def _engine_of(item) -> str | None:
    """The engine a test ran on: its `engine` or `results` parameter, else the default
    Prometheus for tests that start servers (`live`) or run promtool."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        for name in ("engine", "results"):
            value = callspec.params.get(name)
            if isinstance(value, str) and value in servers.ENGINES:
                return value
    if item.get_closest_marker("live") or item.get_closest_marker("promtool"):
        return "default"
    return None


def pytest_runtest_makereport(item, call):
    if call.when != "call" and not (call.when == "setup" and call.excinfo is not None):
        return
    engine = _engine_of(item)
    if engine is None:
        return
    outcome = "passed" if call.excinfo is None else (
        "skipped" if call.excinfo.errisinstance(pytest.skip.Exception) else "failed")
    counts = _ENGINE_RESULTS.setdefault((engine, Path(str(item.fspath)).stem), {})
    counts[outcome] = counts.get(outcome, 0) + 1


def pytest_sessionfinish(session):
    """build/engine-results.json: passed/failed per engine and test module, with the versions.

    Under pytest-xdist each worker writes its own counts (engine-results.<worker>.json) and the
    controller, finishing last, adds them up."""
    build = Path(__file__).resolve().parent.parent / "build"
    build.mkdir(exist_ok=True)
    worker = getattr(session.config, "workerinput", {}).get("workerid")
    if worker:
        rows = [{"engine": e, "module": m, **c} for (e, m), c in _ENGINE_RESULTS.items()]
        (build / f"engine-results.{worker}.json").write_text(json.dumps(rows))
        return
    for part in sorted(build.glob("engine-results.gw*.json")):
        if part.stat().st_mtime >= _STARTED:  # a worker of this run, not a leftover
            for row in json.loads(part.read_text()):
                counts = _ENGINE_RESULTS.setdefault((row.pop("engine"), row.pop("module")), {})
                for outcome, n in row.items():
                    counts[outcome] = counts.get(outcome, 0) + n
        part.unlink()
    if not _ENGINE_RESULTS:
        return
    out = build / "engine-results.json"
    rows = [{"engine": e, "module": m, **c} for (e, m), c in sorted(_ENGINE_RESULTS.items())]
    out.write_text(json.dumps({"at": time.strftime("%Y-%m-%d", time.gmtime()), "results": rows,
                               "versions": servers.versions()}, indent=1) + "\n")
