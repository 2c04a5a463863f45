"""`aethervision demo heal`: start again every demo process that is down or unhealthy.

This is the demo's autoheal action for the endpoint-down alerts (a real system
would restart a deployment) and what a chaos experiment's restore falls back on.
A process counts as healthy when it runs the recorded command and its readiness
URL answers 200; otherwise it is stopped (if still there) and started again with
the recorded command, environment and log, and the state file gets its new pid.
A lock file keeps two heals (autoheal's and a chaos restore) from racing.
"""

from __future__ import annotations

import fcntl
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from aethervision.core.errors import UserError
from aethervision.runtime.procs import Proc, load, running, save, spawn, stop, wait_http

STATE_FILE = "demo.json"  # where `demo up` records its processes (stack.STATE_FILE)
LOCK_FILE = "demo.lock"


def answers(url: str | None, timeout: float = 3.0) -> bool:
    """True when url answers 200 (no URL recorded: nothing to check)."""
    if url is None:
        return True
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback http
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def locked(workdir: Path) -> Iterator[None]:
    """Hold the demo's lock file (blocking) while the state file is read and rewritten."""
    workdir.mkdir(parents=True, exist_ok=True)
    with (workdir / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def heal(workdir: Path, only: set[str] | None = None, progress: Callable[[str], None] = print) -> list[tuple[str, str]]:
    """Restart the recorded processes (all, or those named in `only`) that are down or unhealthy.

    Returns (name, outcome) for every process looked at. UserError when no demo is recorded.
    """
    state = workdir / STATE_FILE
    with locked(workdir):
        procs, extra = load(state)
        if not procs:
            raise UserError(f"no demo recorded in {workdir}: start one with `make demo`")
        unknown = sorted((only or set()) - {p.name for p in procs})
        if unknown:
            raise UserError(f"{workdir}: the demo has no process named {', '.join(unknown)} "
                            f"(it has {', '.join(p.name for p in procs)})")
        health = extra.get("health", {})
        outcomes, current = [], []
        for proc in procs:
            if only is not None and proc.name not in only:
                current.append(proc)
                continue
            is_running = running(proc)
            if is_running and answers(health.get(proc.name)):
                outcomes.append((proc.name, "healthy"))
                current.append(proc)
                continue
            if is_running:
                stop(proc)
            progress(f"{proc.name} was {'unhealthy' if is_running else 'down'}: starting it again")
            fresh = _restart(proc, health.get(proc.name))
            current.append(fresh)
            outcomes.append((proc.name, f"restarted (pid {fresh.pid})"))
            save(state, current + procs[len(current):], extra)  # recorded at once: demo-stop finds it
        save(state, current, extra)
    return outcomes


def _restart(proc: Proc, ready: str | None) -> Proc:
    fresh = spawn(proc.name, proc.argv, Path(proc.log), proc.env)
    if ready:
        wait_http(ready, fresh, timeout=120)
    return fresh
