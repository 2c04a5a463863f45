"""A chaos run's report: JSON for machines, markdown for people (also what the CLI prints)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

from aethervision.core.files import write_atomic
from aethervision.ops.chaos.run import Result
from aethervision.ops.verify import Check

EVENTS = (("detection", "alert fires in Prometheus"), ("notification", "Alertmanager holds it"),
          ("autoheal", "autoheal action done"), ("restored", "restored"), ("recovered", "recovered (post-checks)"))


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def as_dict(result: Result) -> dict:
    e = result.experiment
    return {
        "experiment": asdict(e), "outcome": result.outcome, "error": result.error,
        "started": _when(result.started),
        "injected_at": _when(result.injected_at) if result.injected_at else None,
        "injected": result.injected, "restored": result.restored,
        "seconds_after_injection": {k: round(v, 1) for k, v in result.events.items() if v is not None},
        "details": result.details,
        "pre_checks": [asdict(c) for c in result.pre],
        "expectations": [asdict(c) for c in result.expectations],
        "post_checks": [asdict(c) for c in result.post],
    }


def _table(checks: list[Check]) -> list[str]:
    return ["| | check | detail |", "|---|---|---|",
            *(f"| {'✅' if c.ok else '❌'} | {c.name} | {c.detail} |" for c in checks)]


def markdown(result: Result) -> str:
    e = result.experiment
    icon = "✅" if result.outcome == "passed" else "❌"
    lines = [f"# Chaos experiment `{e.name}`: {icon} {result.outcome}", ""]
    if e.description:
        lines += [e.description, ""]
    lines += [f"Started {_when(result.started)}. Expected: **{e.alert}**"
              + (", its notification" if e.notification else "") + (", the autoheal action" if e.autoheal else "")
              + f" within {e.deadline_seconds}s of the injection; recovery within {e.recovery_seconds}s "
              "of the restore.",
              ""]
    if result.error:
        lines += [f"**{result.error}**", ""]
    lines += ["## Pre-checks", "", *_table(result.pre), ""]
    if result.injected_at is None:
        return "\n".join(lines)
    lines += ["## Timeline", "", f"Injected at {_when(result.injected_at)}: {result.injected}.", "",
              "| event | seconds after the injection | detail |", "|---|---:|---|"]
    for name, title in EVENTS:
        at = result.events.get(name)
        detail = result.details.get(name, result.restored if name == "restored" else "")
        lines.append(f"| {title} | {'—' if at is None else f'{at:.1f}'} | {detail} |")
    lines += ["", "## Expectations", "", *_table(result.expectations), ""]
    if result.post:
        lines += ["## Post-checks", "", *_table(result.post), ""]
    return "\n".join(lines)


def write(result: Result, out: Path) -> tuple[Path, Path]:
    """<out>/<experiment>-<UTC time>.json and .md; returns both paths."""
    stem = f"{result.experiment.name}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(result.started))}"
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    write_atomic(json_path, json.dumps(as_dict(result), indent=1, sort_keys=True) + "\n")
    write_atomic(md_path, markdown(result) + "\n")
    return json_path, md_path
