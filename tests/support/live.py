"""Helpers for tests on real processes: a demo stack on free loopback ports, waiting for a condition."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aethervision.demo import stack
from aethervision.runtime import procs


def demo_config(workdir: Path, **settings) -> stack.DemoConfig:
    """A DemoConfig with every service on a free port (never the defaults a user's demo may hold)."""
    ports = {name: procs.free_port() for name in ("prometheus_port", "autoheal_port", "simulator_port",
                                                  "alertmanager_port", "blackbox_port", "crm_api_port")}
    return stack.DemoConfig(workdir=workdir, **ports, **settings)


def wait_for(what: str, probe, timeout: float = 60, every: float = 0.5):
    """probe() until it returns something truthy (returned); the test fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := probe()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)
    return value
