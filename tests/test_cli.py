"""CLI behaviour: help, exit codes, error mapping."""

from __future__ import annotations

import subprocess
import sys

from support.repo import ROOT, SPEC


def test_help_lists_commands_and_exit_codes(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "build" in result.output and "validate" in result.output
    assert "Exit codes: 0 ok; 1 bad input" in result.output
    assert "--check" in cli("build", "--help").output


def test_usage_error_is_exit_1(cli):
    result = cli("build", "--no-such-flag")
    assert result.exit_code == 1
    assert "No such option" in result.stderr
    assert cli("no-such-command").exit_code == 1


def test_console_script_runs_and_exits_0(tmp_path):
    exe = ROOT / ".venv" / "bin" / "aethervision"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "aethervision"]
    done = subprocess.run([*command, "build", "--spec", str(SPEC), "--out", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dashboards/aethervision/aethervision.json").is_file()


def _broken_dashboard(monkeypatch):
    """An internal failure (a bug), with a cause, deep in the build."""
    from aethervision.builder import outputs

    def build(spec):
        try:
            {}["panels"]
        except KeyError as exc:
            raise RuntimeError("layout failed") from exc

    monkeypatch.setattr(outputs, "dashboards", build)


def test_unexpected_failure_is_exit_2_without_traceback(cli, tmp_path, monkeypatch):
    _broken_dashboard(monkeypatch)
    result = cli("build", "--spec", str(SPEC), "--out", str(tmp_path / "out"), env={"AETHERVISION_DEBUG": ""})
    assert result.exit_code == 2
    assert result.stderr.startswith("internal error: RuntimeError: layout failed")
    assert "Traceback" not in result.stderr and "--debug" in result.stderr
    assert not (tmp_path / "out").exists()


def test_debug_shows_the_traceback_with_its_cause(cli, tmp_path, monkeypatch):
    _broken_dashboard(monkeypatch)
    for args, env in ((["--debug"], {"AETHERVISION_DEBUG": ""}), ([], {"AETHERVISION_DEBUG": "1"})):
        result = cli(*args, "build", "--spec", str(SPEC), "--out", str(tmp_path / "out"), env=env)
        assert result.exit_code == 2
        assert "Traceback" in result.stderr and "KeyError: 'panels'" in result.stderr
        assert "direct cause" in result.stderr


def test_every_command_has_help_that_explains_it(cli):
    from aethervision.cli import main

    def walk(group, prefix):
        for name, command in group.commands.items():
            yield [*prefix, name], command
            if hasattr(command, "commands"):
                yield from walk(command, [*prefix, name])

    for path, command in walk(main, []):
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert len((command.help or "").split()) >= 5, f"{' '.join(path)} needs a real description"
