"""Break the demo the way an experiment says, and put it back.

`restore` is written to be safe to call at any time and more than once: after
autoheal has already healed, after a half-done injection, or after a Ctrl-C.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from aethervision.core.errors import NetworkError, UserError
from aethervision.demo import endpoint, heal, simulator
from aethervision.ops.chaos.experiments import Experiment
from aethervision.runtime.procs import load, running, stop


@dataclass(frozen=True)
class Demo:
    """The running demo, as `demo up` recorded it in its workdir."""
    workdir: Path
    urls: dict[str, str]
    processes: tuple[str, ...]

    @classmethod
    def find(cls, workdir: Path) -> Demo:
        procs, extra = load(workdir / heal.STATE_FILE)
        if not procs:
            raise UserError(f"no demo recorded in {workdir}: start one with `make demo`")
        down = [p.name for p in procs if not running(p)]
        if down:
            raise UserError(f"the demo in {workdir} is not whole ({', '.join(down)} not running): "
                            "`aethervision demo heal` or `make demo-stop && make demo`")
        return cls(workdir, dict(extra.get("urls", {})), tuple(p.name for p in procs))

    def url(self, name: str) -> str:
        if name not in self.urls:
            raise UserError(f"the demo in {self.workdir} has no {name} (it has {', '.join(sorted(self.urls))})")
        return self.urls[name]


def before(demo: Demo, experiment: Experiment) -> float | None:
    """What restore puts back: the simulator's error ratio before an error_ratio injection."""
    if experiment.kind != "error_ratio":
        return None
    return get_json(demo.url("simulator"))["error_ratio"]


def check_target(demo: Demo, experiment: Experiment) -> None:
    """UserError when the experiment names a process the demo does not have."""
    if experiment.kind in ("stop", "http_status") and experiment.target not in demo.processes:
        raise UserError(f"experiment {experiment.name}: the demo has no process {experiment.target} "
                        f"(it has {', '.join(demo.processes)})")
    if experiment.kind == "http_status":
        demo.url(experiment.target)


def inject(demo: Demo, experiment: Experiment) -> str:
    """Apply the failure; returns a sentence saying what was done."""
    if experiment.kind == "stop":
        procs, _ = load(demo.workdir / heal.STATE_FILE)
        proc = next(p for p in procs if p.name == experiment.target)
        stop(proc)
        return f"stopped {proc.name} (pid {proc.pid})"
    if experiment.kind == "http_status":
        endpoint.set_fault(demo.url(experiment.target), int(experiment.value))
        return f"{experiment.target} answers {int(experiment.value)} on its health check"
    simulator.control(demo.url("simulator"), {"error_ratio": experiment.value})
    return f"the simulator fails {experiment.value:.0%} of the payments"


def restore(demo: Demo, experiment: Experiment, ratio_before: float | None) -> str:
    """Undo the injection (idempotent); returns a sentence saying what was done."""
    if experiment.kind == "error_ratio":
        settings = simulator.control(demo.url("simulator"), {"error_ratio": ratio_before})
        return f"simulator error ratio back to {settings['error_ratio']:g}"
    if experiment.kind == "http_status":
        try:
            endpoint.set_fault(demo.url(experiment.target), 200)
        except NetworkError:
            pass  # down altogether: the heal below starts it
    outcomes = heal.heal(demo.workdir, {experiment.target}, progress=lambda _line: None)
    return "; ".join(f"{name} {outcome}" for name, outcome in outcomes)


def get_json(url: str) -> dict:
    """GET one of the demo's own status pages (simulator, autoheal) as JSON."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the demo's loopback URL
            return json.load(response)
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError) as exc:
        raise NetworkError(f"{url} did not answer with its status ({getattr(exc, 'reason', exc)})") from exc
