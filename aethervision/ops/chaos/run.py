"""One chaos experiment, start to finish: pre-checks, injection, expectations, restore, post-checks.

Every time is measured from the injection, polling Prometheus (ALERTS), Alertmanager
(/api/v2/alerts) and autoheal (its status: the actions it took, with their start times).
Restoring happens in a `finally`, with Ctrl-C deferred until it is done, so a missed
expectation, an error or an interrupt all leave the demo as it was.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aethervision.autoheal.service import EXECUTED
from aethervision.clients import alertmanager
from aethervision.clients.prometheus import Client
from aethervision.core.errors import AetherVisionError
from aethervision.core.model import Spec
from aethervision.ops import verify
from aethervision.ops.chaos import inject as injector
from aethervision.ops.chaos.experiments import Experiment
from aethervision.ops.chaos.inject import Demo
from aethervision.ops.verify import Check
from aethervision.promql import queries as q

Progress = Callable[[str], None]
DOWN_PROBES = "count(probe_success == 0)"


@dataclass
class Result:
    experiment: Experiment
    started: float  # unix seconds
    pre: list[Check] = field(default_factory=list)
    injected: str = ""
    injected_at: float | None = None
    events: dict[str, float | None] = field(default_factory=dict)  # seconds after the injection
    details: dict[str, str] = field(default_factory=dict)
    expectations: list[Check] = field(default_factory=list)
    restored: str = ""
    post: list[Check] = field(default_factory=list)
    outcome: str = "passed"  # passed | failed | pre-checks failed | interrupted | error
    error: str = ""


def _firing(client: Client, alert: str) -> bool:
    return client.value(f'count(ALERTS{{alertname="{alert}", alertstate="firing"}})') is not None


def pre_checks(client: Client, spec: Spec, demo: Demo, experiment: Experiment) -> list[Check]:
    """What must hold before breaking anything, in the order an operator reads them."""
    checks = verify.run(client, spec)
    failing = [c for c in checks if not c.ok]
    out = [Check(not failing, "verify", f"{len(checks)} checks green" if not failing else
                 "; ".join(f"{c.name}: {c.detail}" for c in failing))]
    down = client.value(DOWN_PROBES)
    up = client.value(q.probes_up())
    out.append(Check(down is None and up is not None, "probes up",
                     f"{up or 0:.0f} up, {down or 0:.0f} down" if spec.probes else "the spec has no probes"))
    runway = client.value(q.DAYS_TO_BREACH)
    out.append(Check(runway is not None, "runway recorded",
                     f"{runway:.1f} days to breach" if runway is not None else "no aethervision:days_to_breach"))
    firing = _firing(client, experiment.alert)
    out.append(Check(not firing, "alert quiet", f"{experiment.alert} is {'already' if firing else 'not'} firing"))
    if experiment.notification:
        out.append(Check("alertmanager" in demo.urls, "Alertmanager",
                         demo.urls.get("alertmanager", "the demo has no Alertmanager (spec without one)")))
    if experiment.autoheal:
        out.append(_autoheal_ready(demo, experiment))
    return out


def _autoheal_ready(demo: Demo, experiment: Experiment) -> Check:
    status = injector.get_json(demo.url("autoheal"))
    if not status.get("enabled"):
        return Check(False, "autoheal", "disabled: it would only record the action (start the demo with "
                                        "AUTOHEAL_ENABLED=true, as `make demo` does)")
    if experiment.alert not in status.get("mappings", {}):
        return Check(False, "autoheal", f"no action mapped for {experiment.alert}")
    cooldown = status.get("cooldowns", {}).get(experiment.alert)
    if cooldown:
        return Check(False, "autoheal", f"{experiment.alert} is in its cooldown for another {cooldown:.0f}s "
                                        "(an earlier run or a real alert): run again after it")
    return Check(True, "autoheal", f"enabled; {experiment.alert} -> "
                                   f"{' '.join(status['mappings'][experiment.alert]['command'][-4:])}")


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block is done, then raise it: restoring is never cut short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


class _Watch:
    """Polls for the expected events after the injection; records the first time each is seen."""

    def __init__(self, client: Client, demo: Demo, result: Result, clock: Callable[[], float]):
        self.client, self.demo, self.result, self.clock = client, demo, result, clock
        self.experiment = result.experiment

    def wanted(self) -> list[str]:
        e = self.experiment
        return ["detection"] + (["notification"] if e.notification else []) + (["autoheal"] if e.autoheal else [])

    def poll(self) -> None:
        events, e, t0 = self.result.events, self.experiment, self.result.injected_at
        now = self.clock()
        if events.get("detection") is None and _firing(self.client, e.alert):
            events["detection"] = now - t0
        if e.notification and events.get("notification") is None:
            held = [a for a in alertmanager.Client(self.demo.url("alertmanager")).alerts()
                    if a["labels"].get("alertname") == e.alert and a["status"]["state"] == "active"]
            if held:
                events["notification"] = now - t0
                self.result.details["notification"] = "routed to " + ", ".join(
                    sorted({r["name"] for a in held for r in a.get("receivers", [])}))
        if e.autoheal and events.get("autoheal") is None:
            for action in injector.get_json(self.demo.url("autoheal")).get("recent_actions", []):
                if action["alert"] == e.alert and action["time"] >= t0 and action["result"] != "resolved":
                    done = action["time"] + action.get("seconds", 0) - t0
                    events["autoheal"] = done if action["result"] in EXECUTED else None
                    self.result.details["autoheal"] = f"{action['result']}: {' '.join(action['command'] or [])}"
                    if action["result"] not in EXECUTED:
                        raise _Missed(f"autoheal did not act ({action['result']})")
                    break

    def done(self) -> bool:
        return all(self.result.events.get(name) is not None for name in self.wanted())


class _Missed(Exception):
    """An expectation that can no longer be met (autoheal answered without acting)."""


def post_checks(client: Client, spec: Spec, experiment: Experiment, probes_before: float | None) -> list[Check]:
    firing = _firing(client, experiment.alert)
    down = client.value(DOWN_PROBES)
    up = client.value(q.probes_up())
    runway = client.value(q.DAYS_TO_BREACH)
    floor, below = spec.runway.warning.below_seconds / 86400, spec.runway.warning.below
    return [
        Check(not firing, "alert resolved", f"{experiment.alert} {'still firing' if firing else 'not firing'}"),
        Check(down is None and (up or 0) >= (probes_before or 0), "probes up",
              f"{up or 0:.0f} up (before: {probes_before or 0:.0f}), {down or 0:.0f} down"),
        Check(runway is not None and runway > floor, "runway back",
              f"{runway:.1f} days to breach (warning below {below})" if runway is not None
              else "no runway recorded"),
    ]


def run(spec: Spec, demo: Demo, experiment: Experiment, progress: Progress = print, poll: float = 1.0,
        clock: Callable[[], float] = time.time) -> Result:
    client = Client(demo.url("prometheus"))
    result = Result(experiment, clock())
    injector.check_target(demo, experiment)
    progress("pre-checks")
    result.pre = pre_checks(client, spec, demo, experiment)
    if not all(c.ok for c in result.pre):
        result.outcome = "pre-checks failed"
        return result
    probes_before = client.value(q.probes_up())
    ratio_before = injector.before(demo, experiment)
    watch = _Watch(client, demo, result, clock)
    try:
        with deferred_interrupt():  # an injection is never left half-done
            result.injected_at = clock()
            result.injected = injector.inject(demo, experiment)
        progress(f"injected: {result.injected}; waiting up to {experiment.deadline_seconds}s for "
                 f"{', '.join(watch.wanted())}")
        _wait(watch, result, experiment, progress, poll, clock)
    except KeyboardInterrupt:
        result.outcome = "interrupted"
    except _Missed as exc:
        result.outcome, result.error = "failed", str(exc)
    except AetherVisionError as exc:
        result.outcome, result.error = "error", str(exc)
    finally:
        with deferred_interrupt():
            if result.injected_at is not None:
                progress("restoring")
                result.restored = injector.restore(demo, experiment, ratio_before)
                result.events["restored"] = clock() - result.injected_at
    _expectations(result)
    if result.outcome == "passed" and not all(c.ok for c in result.expectations):
        result.outcome = "failed"
    if result.outcome in ("passed", "failed"):
        try:
            _recover(client, spec, result, probes_before, progress, poll, clock)
        except KeyboardInterrupt:  # restored already: only the post-checks are cut short
            result.outcome = "interrupted"
    return result


def _wait(watch: _Watch, result: Result, experiment: Experiment, progress: Progress, poll: float,
          clock: Callable[[], float]) -> None:
    deadline = result.injected_at + experiment.deadline_seconds
    seen: set[str] = set()
    while not watch.done() and clock() < deadline:
        watch.poll()
        for name, at in result.events.items():
            if at is not None and name not in seen:
                seen.add(name)
                progress(f"  {name} after {at:.1f}s" + (f" ({result.details[name]})" if name in result.details else ""))
        if not watch.done():
            time.sleep(poll)


def _expectations(result: Result) -> None:
    e = result.experiment
    what = {"detection": f"{e.alert} fires in Prometheus", "notification": f"Alertmanager holds {e.alert}",
            "autoheal": f"autoheal runs the action for {e.alert}"}
    for name in ["detection"] + (["notification"] if e.notification else []) + (["autoheal"] if e.autoheal else []):
        at = result.events.get(name)
        ok = at is not None and at <= e.deadline_seconds
        if at is not None:
            detail = f"after {at:.1f}s"
        elif result.outcome in ("interrupted", "error"):
            detail = f"not seen before the run stopped ({result.outcome})"
        else:
            detail = f"not within {e.deadline_seconds}s"
        if name in result.details:
            detail += f" ({result.details[name]})"
        result.expectations.append(Check(ok, what[name], detail))


def _recover(client: Client, spec: Spec, result: Result, probes_before: float | None, progress: Progress,
             poll: float, clock: Callable[[], float]) -> None:
    e = result.experiment
    progress(f"post-checks: waiting up to {e.recovery_seconds}s for recovery")
    deadline = clock() + e.recovery_seconds
    while True:
        result.post = post_checks(client, spec, e, probes_before)
        if all(c.ok for c in result.post):
            result.events["recovered"] = clock() - result.injected_at
            return
        if clock() > deadline:
            result.outcome = "failed"
            return
        time.sleep(poll)
