"""The autoheal service: decide on webhook alerts, run mapped commands safely, export metrics.

Safety rules: a command runs only when the service is enabled, only for a
firing alert that asks for autoheal and has a mapping, never more than once
per cooldown per alert, with no shell and a hard timeout (the whole process
group is killed). Disabled, it records what it would have run.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge

from aethervision.autoheal.actions import Action
from aethervision.autoheal.webhook import Alert

EXECUTED = ("ran", "failed", "timeout", "error")  # results that count as an action taken
UNMAPPED_LABEL = "_unmapped"  # metric label of every alert name without a mapping: bounded series
OUTPUT_TAIL = 400  # characters of command output kept per record


class Autoheal:
    def __init__(self, actions: dict[str, Action], enabled: bool, history: int = 50,
                 clock: Callable[[], float] = time.time):
        self.actions = actions
        self.enabled = enabled
        self.clock = clock
        self.registry = CollectorRegistry(auto_describe=True)
        self._enabled_gauge = Gauge("autoheal_enabled", "Whether autoheal is enabled (1/0)",
                                    registry=self.registry)
        self._actions_total = Counter(
            "autoheal_actions", "Autoheal decisions by alert and result: ran, failed, timeout, "
            "error (a command was started) or would_run, cooldown, unmapped (none was)",
            ["alert", "result"], registry=self.registry)
        self._notifications = Counter(
            "autoheal_notifications", "Alerts received from Alertmanager, by status (firing, resolved)",
            ["status"], registry=self.registry)
        self._last_action = Gauge("autoheal_last_action_epoch",
                                  "Unix epoch of last autoheal action (0: none yet)",
                                  registry=self.registry)
        self._enabled_gauge.set(1 if enabled else 0)
        self._last_epoch = 0.0
        self._lock = threading.Lock()
        self._cooldown_until: dict[str, float] = {}
        self._recent: deque[dict] = deque(maxlen=history)
        self._pending = 0
        self._queue: queue.Queue[Action | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="autoheal-worker", daemon=True)
        self._worker.start()

    # -- decisions -------------------------------------------------------------
    def handle(self, alerts: list[Alert]) -> list[dict]:
        """Decide for each alert of one webhook call; commands run in the background, in order."""
        decisions = []
        with self._lock:
            now = self.clock()
            for alert in alerts:
                self._notifications.labels(status=alert.status).inc()
                decisions.append({"alert": alert.name, "result": self._decide(alert, now)})
        return decisions

    def _decide(self, alert: Alert, now: float) -> str:
        if alert.status != "firing":
            self._recent.appendleft({"time": round(now, 3), "alert": alert.name, "result": "resolved",
                                     "command": None})
            return "ignored: resolved"
        if not alert.autoheal:
            return "ignored: no autoheal=\"true\" label or annotation"
        action = self.actions.get(alert.name)
        if action is None:
            return self._record(alert.name, "unmapped", now)
        if now < self._cooldown_until.get(alert.name, 0.0):
            return self._record(alert.name, "cooldown", now, action)
        self._cooldown_until[alert.name] = now + action.cooldown_seconds
        if not self.enabled:
            return self._record(alert.name, "would_run", now, action)
        self._pending += 1
        self._queue.put(action)
        return "queued"

    def _record(self, alert: str, result: str, at: float, action: Action | None = None,
                **detail) -> str:
        # Label values only from the mapping: unauthenticated senders cannot grow /metrics.
        self._actions_total.labels(alert=alert if alert in self.actions else UNMAPPED_LABEL, result=result).inc()
        if result in EXECUTED:
            self._last_epoch = at
            self._last_action.set(at)
        self._recent.appendleft({"time": round(at, 3), "alert": alert, "result": result,
                                 "command": list(action.command) if action else None, **detail})
        return result

    # -- execution -------------------------------------------------------------
    def _work(self) -> None:
        while True:
            action = self._queue.get()
            if action is None:
                return
            started = self.clock()
            result, detail = run_command(action)
            detail["seconds"] = round(self.clock() - started, 3)
            with self._lock:
                self._record(action.alert, result, started, action, **detail)
                self._pending -= 1

    def close(self) -> None:
        """Finish queued commands, then stop the worker."""
        self._queue.put(None)
        self._worker.join()

    # -- views -----------------------------------------------------------------
    def status(self) -> dict:
        with self._lock:
            now = self.clock()
            return {
                "service": "aethervision-autoheal",
                "enabled": self.enabled,
                "mappings": {name: a.as_dict() for name, a in sorted(self.actions.items())},
                "recent_actions": list(self._recent),
                "last_action_epoch": self._last_epoch or None,
                "pending": self._pending,
                "cooldowns": {name: round(until - now, 1)
                              for name, until in sorted(self._cooldown_until.items()) if until > now},
            }


def run_command(action: Action) -> tuple[str, dict]:
    """Run one mapped command: no shell, no stdin, a timeout that kills its process group."""
    try:
        proc = subprocess.Popen(list(action.command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    except OSError as exc:
        return "error", {"detail": f"could not start {action.command[0]!r}: {exc.strerror}"}
    try:
        output, _ = proc.communicate(timeout=action.timeout_seconds)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        output, _ = proc.communicate()
        return "timeout", {"detail": f"killed after {action.timeout_seconds}s",
                           "output": _tail(output)}
    result = "ran" if proc.returncode == 0 else "failed"
    return result, {"exit_code": proc.returncode, "output": _tail(output)}


def _tail(output: bytes | None) -> str:
    return (output or b"").decode("utf-8", "replace")[-OUTPUT_TAIL:]
