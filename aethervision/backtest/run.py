"""`aethervision backtest`: the spec's alerts (and a base ref's) over a Prometheus's own history.

1. Find how far back the server holds every SLI input, and settle the range.
2. Copy the inputs' history into a local TSDB (history.fetch).
3. Per rule set (head, and the base ref's spec when asked): backfill its
   recording rules over that history and replay its alerts (replay.run).
4. Summarise each (report.summarise); render picks the format.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from aethervision import spec as spec_mod
from aethervision.backtest import history, replay
from aethervision.backtest.report import Result, summarise
from aethervision.backtest.rule_backfill import Progress
from aethervision.clients.prometheus import Client
from aethervision.core import durations
from aethervision.core.errors import UserError
from aethervision.core.model import Spec
from aethervision.promql import queries as q
from aethervision.rules import files as rule_files
from aethervision.rules.graph import Graph

DAY = 86400
RESOLUTION = 60  # seconds between history samples: the 10m alert window holds 10
# Instant selectors look back just under one copied sample: a recorded series that stops is gone
# within a minute, not five (live, staleness markers make it gone at once; rule_backfill.run).
LOOKBACK = RESOLUTION - 1


@dataclass(frozen=True)
class Window:
    history_start: int  # the first sample copied (the long windows look back from `start`)
    start: int  # the alerts are replayed over [start, end]
    end: int


def base_spec(ref: str, spec_path: Path) -> Spec:
    """The spec as committed at a git ref, read with `git show` (errors name ref:path)."""
    where = spec_path.resolve().parent
    try:
        shown = subprocess.run(["git", "show", f"{ref}:./{spec_path.name}"], cwd=where, capture_output=True,
                               text=True, timeout=60, check=False)
    except FileNotFoundError as exc:
        raise UserError("--base needs git on PATH") from exc
    if shown.returncode != 0:
        raise UserError(f"--base {ref}: git cannot show {spec_path.name} at {ref}: {shown.stderr.strip()}")
    return spec_mod.parse(shown.stdout, f"{ref}:{spec_path.name}")


def chosen_slos(spec: Spec, names: tuple[str, ...]) -> tuple[str, ...]:
    known = [s.name for s in spec.slos]
    for name in names:
        if name not in known:
            raise UserError(f"{spec.source}: slos: no SLO named {name!r} (the spec has {', '.join(known)})")
    return names or tuple(known)


def rule_set(spec: Spec, name: str, slos: tuple[str, ...]) -> replay.Rules:
    names = tuple(n for n in slos if n in {s.name for s in spec.slos})
    recording, alerting = rule_files.slo_groups(spec, names)
    return replay.Rules(name, tuple(recording), tuple(alerting),
                        {s.name: q.budget_remaining(s) for s in spec.slos if s.name in names},
                        {s.name: q.hours_to_breach(s) for s in spec.slos if s.name in names})


def reach(rules: list[dict]) -> int:
    """The input history these rules read before their first evaluation (seconds; 0 for none)."""
    return Graph([{"name": "rules", "rules": rules}]).history()


def longest_window(rule_sets: list[replay.Rules]) -> int:
    """The input history the rule sets' first evaluation needs (seconds)."""
    return max((replay.graph(rules).history() for rules in rule_sets), default=0)


def settle(client: Client, inputs: list[history.Input], lookback: int, days: float | None, start: int | None,
           end: int | None, default_days: float, step: int) -> Window:
    """The backtest's range, refused when the server does not hold it."""
    end = (end if end is not None else int(time.time()) - 2 * RESOLUTION) // step * step
    wanted = start if start is not None else end - int((days or default_days) * DAY)
    if wanted >= end:
        raise UserError(f"the backtest would start ({history.when(wanted)}) at or after its end ({history.when(end)})")
    oldest = None
    for item in inputs:
        first = history.oldest_sample(client, item.selector, end, end - wanted + lookback + DAY, 3600)
        if first is None:  # hourly steps miss a history younger than the hour: look minute by minute
            first = history.oldest_sample(client, item.selector, end, 2 * HOUR, 60)
        if first is None:
            if item.required:
                raise UserError(f"no series for {item.selector} (SLO {', '.join(item.slos)}) on {client.safe_url} "
                                f"in the {(end - wanted) / DAY:.0f} days before {history.when(end)}: "
                                "is the selector right, is the job scraped?")
            continue
        oldest = first if oldest is None else max(oldest, first)
    if oldest is None:
        raise UserError(f"no series for any SLI input on {client.safe_url}: {', '.join(i.selector for i in inputs)}")
    oldest = -(-oldest // step) * step
    held = math.floor((end - oldest) / DAY * 10) / 10  # never more than it holds
    if end - oldest < HOUR:
        raise UserError(f"{client.safe_url} holds {(end - oldest) / 60:.0f} minutes of history for these SLIs "
                        f"(from {history.when(oldest)}): a backtest needs at least an hour of it")
    if wanted < oldest:
        if days is not None or start is not None:
            fits = f"--days {held:g} or fewer" if held >= 0.1 else f"--from {history.when(oldest)} or later"
            span = f"{held:g} days" if end - oldest >= DAY else f"{(end - oldest) / HOUR:.1f} hours"
            raise UserError(f"{client.safe_url} holds {span} of history for these SLIs (from "
                            f"{history.when(oldest)}, to the hour); ask for {fits}")
        wanted = oldest  # the default range shrinks to what the server holds
    if end - wanted < HOUR:
        raise UserError(f"the backtest's range is {(end - wanted) / 60:.0f} minutes long: it needs at least an hour")
    return Window(max(oldest, wanted - lookback) // step * step, wanted // step * step, end)


HOUR = 3600
MARKER = ".aethervision-backtest"  # a --workdir holding this is ours to clear


def workdir_for(workdir: Path | None) -> tuple[Path, bool]:
    """(folder, ours to delete after): a temporary one, or --workdir, which must be new, empty or ours."""
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="aethervision-backtest-")), True
    if workdir.exists() and any(workdir.iterdir()):
        if not (workdir / MARKER).exists():
            raise UserError(f"--workdir {workdir}: not empty and not a backtest's folder; give a new or empty one")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / MARKER).write_text("made by aethervision backtest; cleared by the next one\n")
    return workdir, False


def run(spec: Spec, spec_path: Path, client: Client, *, slos: tuple[str, ...] = (), days: float | None = None,
        start: int | None = None, end: int | None = None, base: str | None = None,
        workdir: Path | None = None, progress: Progress = print) -> tuple[Result, Result | None]:
    """Backtest head (and base): the results, head first."""
    began = time.monotonic()
    slos = chosen_slos(spec, slos)
    sides = [(spec, rule_set(spec, "head", slos), str(spec_path))]
    if base:
        old = base_spec(base, spec_path)
        sides.append((old, rule_set(old, base, slos), old.source))
    inputs: list[history.Input] = []
    for side_spec, _, _ in sides:
        seen = {i.selector for i in inputs}
        inputs += [i for i in history.inputs(side_spec, slos) if i.selector not in seen]
    slow = spec.rules.long_interval_seconds
    default_days = max(s.window_seconds for s in spec.slos if s.name in slos) / DAY
    window = settle(client, inputs, longest_window([rules for _, rules, _ in sides]) + 2 * slow, days, start, end,
                    default_days, slow)
    progress(f"backtest {history.when(window.start)} to {history.when(window.end)}: copying "
             f"{len(inputs)} SLI selector(s) from {history.when(window.history_start)} at {RESOLUTION}s")
    work, own = workdir_for(workdir)
    try:
        copied = history.fetch(client, inputs, window.history_start, window.end, RESOLUTION, work, progress)
        results = []
        for side_spec, rules, source in sides:
            progress(f"{rules.name}: recording rules and alerts over the history")
            outcome = replay.run(rules, copied.data, window.history_start, window.start, window.end,
                                 work / rules.name.replace("/", "_"), progress, lookback=LOOKBACK)
            group_by = {s.name: s.group_by for s in side_spec.slos if s.name in slos}
            episodes, warmup = past_the_start(side_spec, outcome.episodes, window.history_start)
            shortest = _shortest(rules)
            facts = {"spec": source, "url": client.safe_url, "series": copied.series, "samples": copied.samples,
                     "resolution": RESOLUTION,
                     "shortest_window": durations.format(shortest, weeks=False) if shortest else "-",
                     "points_in_shortest": shortest // RESOLUTION,
                     "alert_interval": rules.alerting[0]["interval"] if rules.alerting else "-",
                     "seconds": round(time.monotonic() - began, 1)}
            if warmup:
                facts["history_note"] = warmup
            results.append(summarise(rules.name, episodes, outcome.remaining, group_by,
                                     window.start, window.end, outcome.seconds, facts,
                                     outcome.runway, side_spec.runway.cap_seconds))
        progress(f"done in {time.monotonic() - began:.0f}s")
        return results[0], (results[1] if len(results) > 1 else None)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)


def past_the_start(spec: Spec, episodes, first: int) -> tuple[tuple, str]:
    """Episodes without the no-data alerts that only say where the copied history begins.

    Until an SLI's 10m rate has two samples it is "absent": an SLINoData that begins within
    the 10m rate, its `for` and two slow intervals of the history's first sample is an
    artifact of the copy (visible when the history starts inside the range), not an event."""
    slow = 2 * spec.rules.long_interval_seconds
    limits = {s.alert_prefix + "SLINoData": first + durations.parse(q.BUDGET_RATE_WINDOW) +
              durations.parse(s.no_data.for_) + slow for s in spec.slos}
    kept = tuple(e for e in episodes if not (e.alert in limits and e.pending < limits[e.alert]))
    dropped = len(episodes) - len(kept)
    note = (f"the history begins at {history.when(first)}, inside the range: {dropped} no-data episode(s) "
            "that only mark that start are not reported") if dropped else ""
    return kept, note


def _shortest(rules: replay.Rules) -> int:
    """The shortest window a rule reads raw samples over (10m at the default tiers)."""
    return replay.graph(rules).shortest_raw_span()
