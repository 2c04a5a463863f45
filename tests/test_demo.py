"""`aethervision demo`: refusals before anything starts, and stopping only what it started."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from aethervision.runtime import procs

from support.repo import ROOT, SPEC


def test_a_busy_port_is_reported_before_anything_starts(cli, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("demo", "up", "--spec", str(SPEC), "--workdir", str(tmp_path / "d"),
                     "--prometheus-port", str(port), "--actions", str(ROOT / "deploy/autoheal-actions.yaml"))
    assert result.exit_code == 1
    assert f"127.0.0.1:{port} is in use, needed for Prometheus" in result.stderr
    assert not (tmp_path / "d").exists()


def test_a_missing_mapping_file_is_reported_before_anything_starts(cli, tmp_path):
    ports = [str(procs.free_port()) for _ in range(3)]
    result = cli("demo", "up", "--spec", str(SPEC), "--workdir", str(tmp_path / "d"),
                 "--prometheus-port", ports[0], "--autoheal-port", ports[1], "--simulator-port", ports[2],
                 "--actions", str(tmp_path / "none.yaml"))
    assert result.exit_code == 1 and "none.yaml: autoheal mapping file not found" in result.stderr


def test_down_stops_only_processes_whose_pid_and_command_line_match(cli, tmp_path):
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        recorded = procs.Proc("simulator", ours.pid, ours.args, str(tmp_path / "log"))
        # The same pid recorded with another command line: a reused pid, not ours.
        reused = procs.Proc("autoheal", os.getpid(), ["/usr/bin/not-this"], str(tmp_path / "log"))
        procs.save(tmp_path / "demo.json", [reused, recorded], {})
        result = cli("demo", "down", "--workdir", str(tmp_path))
        assert result.exit_code == 0, result.output
        assert f"simulator   pid {ours.pid}: stopped" in result.output
        assert f"autoheal    pid {os.getpid()}: was not running" in result.output
        assert ours.wait(timeout=5) is not None
        assert not (tmp_path / "demo.json").exists()
    finally:
        ours.kill()
    assert "no demo recorded" in cli("demo", "down", "--workdir", str(tmp_path)).output
    assert "no demo recorded" in cli("demo", "status", "--workdir", str(tmp_path)).output
