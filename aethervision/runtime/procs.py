"""Background processes the demo starts, recorded by pid so that exactly those are stopped."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from aethervision.clients import servers
from aethervision.core.errors import AetherVisionError, UserError
from aethervision.core.files import write_atomic


@dataclass(frozen=True)
class Proc:
    name: str
    pid: int
    argv: list[str]
    log: str
    env: dict[str, str] = field(default_factory=dict)  # set on top of ours; no secrets (token by file)


def binary(names: tuple[str, ...], package: str) -> str:
    """The first of `names` found (the pinned build in .servers/, then PATH); ToolMissing
    naming `make servers` and the Debian package otherwise."""
    return servers.find(*names, package=package)


def prometheus_binary() -> str:
    return binary(("prometheus",), "prometheus")


def spawn(name: str, argv: list[str], log: Path, env: dict[str, str] | None = None) -> Proc:
    """Start argv detached from our terminal (own session), output to log; `env` is set on top
    of our environment and recorded, so that a restart (`demo heal`) starts it the same way."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        try:
            popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True, close_fds=True,
                                     env={**os.environ, **env} if env else None)
        except OSError as exc:
            raise UserError(f"cannot start {name} ({argv[0]}): {exc.strerror}") from exc
    return Proc(name, popen.pid, list(argv), str(log), dict(env or {}))


def alive(pid: int) -> bool:
    """True while pid exists and has not exited (a zombie has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cmdline(pid: int, settle: float = 1.0) -> list[bytes] | None:
    """The command line of a live pid; None when it is gone.

    Right after a spawn the kernel can show an empty command line for a moment
    (the new program is still being set up), so an empty one is read again.
    """
    deadline = time.monotonic() + settle
    while True:
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        if raw or not alive(pid) or time.monotonic() > deadline:
            return raw.split(b"\0")[:-1]
        time.sleep(0.01)


def running(proc: Proc) -> bool:
    """True when proc.pid is alive and still runs the command we started (not a reused pid)."""
    return alive(proc.pid) and _cmdline(proc.pid) == [a.encode() for a in proc.argv]


def stop(proc: Proc, grace: float = 10.0) -> str:
    """SIGTERM, then SIGKILL after `grace` seconds; returns once the process is gone."""
    if not running(proc):
        return "was not running"
    os.kill(proc.pid, signal.SIGTERM)
    outcome = "stopped"
    deadline = time.monotonic() + grace
    while True:
        _reap(proc.pid)
        if not alive(proc.pid):
            return outcome
        if time.monotonic() > deadline and outcome == "stopped":
            os.kill(proc.pid, signal.SIGKILL)
            outcome = "killed"
        time.sleep(0.05)


def _reap(pid: int) -> None:
    """Collect our own exited child, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def log_tail(proc: Proc, lines: int = 15) -> str:
    try:
        return "\n".join(Path(proc.log).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_http(url: str, proc: Proc, timeout: float = 60.0) -> None:
    """Wait until url answers 200; fail early, with the log tail, when proc dies."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback http
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if not alive(proc.pid):
            raise AetherVisionError(f"{proc.name} exited during start-up; last lines of {proc.log}:\n"
                                    f"{log_tail(proc)}")
        if time.monotonic() > deadline:
            raise AetherVisionError(f"{proc.name} did not answer {url} within {timeout:g}s; "
                                    f"see {proc.log}")
        time.sleep(0.2)


def port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def save(path: Path, procs: list[Proc], extra: dict) -> None:
    write_atomic(path, json.dumps({"processes": [asdict(p) for p in procs], **extra},
                                  indent=1, sort_keys=True) + "\n")


def stop_all(procs: list[Proc], state_path: Path) -> list[tuple[Proc, str]]:
    """Stop `procs`, newest first, and forget the record: a stack's down, or a failed start undone."""
    results = [(proc, stop(proc)) for proc in reversed(procs)]
    state_path.unlink(missing_ok=True)
    return results


def stop_recorded(state_path: Path) -> list[tuple[Proc, str]]:
    """Stop exactly the processes a state file records (checked by pid and command line)."""
    return stop_all(load(state_path)[0], state_path)


def load(path: Path) -> tuple[list[Proc], dict]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return [], {}
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: unreadable ({exc}); remove it after checking no demo runs") from exc
    return [Proc(**p) for p in data.pop("processes", [])], data
