"""One rule set over an imported history: its recording rules backfilled, its alerts replayed.

Each rule set gets its own TSDB folder holding hard links to the history's blocks
(blocks are immutable, so base and head share the bytes) and its own recorded
series. Each recording rule is recorded at its group's interval from as far before
the range as the rules reading it look (rules/graph.py): the tiles over the whole
window, so the long windows are as full as in production, the budget the hour the
runway's slope reads, everything else from a little before the range.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from aethervision.backtest import rule_backfill
from aethervision.backtest.alerts import Episode, Labels, alert_labels, replay
from aethervision.backtest.rule_backfill import Pass, Progress
from aethervision.clients.prometheus import Client
from aethervision.core import durations
from aethervision.rules.graph import Graph

MAX_POINTS = 10_000  # per series and range query (Prometheus refuses more than 11,000)


@dataclass(frozen=True)
class Rules:
    """A rule set: the SLOs' recording groups and alert groups (each with its interval)."""
    name: str  # "head", or the base ref
    recording: tuple[dict, ...]
    alerting: tuple[dict, ...]
    remaining: dict[str, str]  # SLO -> its error-budget-remaining series
    runway: dict[str, str] = field(default_factory=dict)  # SLO -> its runway in hours (the forecast score)


@dataclass(frozen=True)
class Outcome:
    episodes: tuple[Episode, ...]
    remaining: dict[str, dict[Labels, list[tuple[int, float]]]]  # SLO -> labels -> (t, budget left)
    seconds: float
    runway: dict[str, dict[Labels, list[tuple[int, float]]]] = field(default_factory=dict)  # (t, hours)


def _link_history(history: Path, data: Path) -> None:
    data.mkdir(parents=True)
    for block in history.iterdir():
        if block.is_dir() and (block / "meta.json").exists():
            (data / block.name).mkdir()
            for path in block.rglob("*"):
                target = data / block.name / path.relative_to(block)
                if path.is_dir():
                    target.mkdir(exist_ok=True)
                else:
                    os.link(path, target)


def graph(rules: Rules) -> Graph:
    """The rule set's graph: its recording rules, and its alerts as readers (their held windows)."""
    return Graph((*rules.recording, *rules.alerting))


def needed(rules: Rules, extra: tuple[str, ...] = ()) -> list[dict]:
    """The recording rules the alerts and the budget read, directly or through other rules
    (the dashboards' extras, like days to breach, change no alert: `extra` expressions add them)."""
    g = graph(rules)
    names = _read(g, rules, extra)
    return [rule for rule in g.recording_rules() if rule["record"] in names]


def _read(g: Graph, rules: Rules, extra: tuple[str, ...]) -> set[str]:
    """The recorded names the alerts, the budget, the runway and `extra` read, with their sources."""
    return g.read_in((*(r["expr"] for r in g.alerting_rules()), *rules.remaining.values(),
                      *rules.runway.values(), *extra))


def passes(rules: Rules, history_start: int, start: int, end: int, extra: tuple[str, ...] = (),
           min_step: int = 0) -> list[list[Pass]]:
    """The recording rules by level; each level's rules by (interval, from where): a rule begins
    as far before the range as its readers look (rules/graph.py), not before the history's first
    whole tile. `extra` expressions record what they read too; `min_step` (seconds) floors every
    group's interval."""
    g = graph(rules)
    slow = max(durations.parse(gr["interval"]) for gr in rules.recording)
    levels = g.passes(_read(g, rules, extra), history_start + slow, start - 2 * slow, min_step)
    return rule_backfill.from_batches(levels, end)


def _ranged(client: Client, expr: str, start: int, end: int, step: int) -> dict[Labels, list[tuple[int, float]]]:
    """A range query over any length: chunks of MAX_POINTS steps, series joined by labels."""
    out: dict[Labels, list[tuple[int, float]]] = {}
    for lo in range(start, end + 1, MAX_POINTS * step):
        hi = min(end, lo + (MAX_POINTS - 1) * step)
        for labels, values in client.query_range(expr, lo, hi, step):
            out.setdefault(tuple(sorted(labels.items())), []).extend((int(t), v) for t, v in values)
    return out


def alert(client: Client, rule: dict, step: int, start: int, end: int) -> list[Episode]:
    """The rule's episodes over [start, end], its expression evaluated every `step` seconds."""
    for_ = durations.parse(rule.get("for", "0s"))
    warm = start - -(-for_ // step) * step  # pending before the range can fire inside it
    held: dict[Labels, list[int]] = {}
    for labels, points in _ranged(client, rule["expr"], warm, end, step).items():
        held.setdefault(alert_labels(dict(labels), rule), []).extend(t for t, _ in points)
    return [e for e in replay(rule, held, warm, end, step, for_) if e.until(end) > start]


def run(rules: Rules, history: Path, history_start: int, start: int, end: int, workdir: Path,
        progress: Progress, lookback: int | None = None) -> Outcome:
    """Backfill the rule set's recording rules over the history, then replay its alerts over [start, end]."""
    began = time.monotonic()
    data = workdir / "tsdb"
    _link_history(history, data)
    rule_backfill.run(passes(rules, history_start, start, end), data, workdir, progress,
                      name=f"prometheus-backtest-{rules.name}", lookback=lookback)
    progress(f"  alerts: replaying {sum(len(g['rules']) for g in rules.alerting)} alert rules of {rules.name}")
    jobs = [(rule, durations.parse(g["interval"])) for g in rules.alerting for rule in g["rules"]]
    with rule_backfill.serving(data, workdir, f"prometheus-backtest-{rules.name}", lookback=lookback) as client, \
            ProcessPoolExecutor(max_workers=2) as pool:  # reading the answers is Python's work: two processes
        futures = [pool.submit(alert, client, rule, step, start - start % step, end) for rule, step in jobs]
        fast = min((step for _, step in jobs), default=60)
        remaining = {slo: _ranged(client, expr, start - start % fast, end, fast)
                     for slo, expr in rules.remaining.items()}
        runway = {slo: _ranged(client, expr, start - start % fast, end, fast) for slo, expr in rules.runway.items()}
        episodes = tuple(e for future in futures for e in future.result())
    return Outcome(episodes, remaining, time.monotonic() - began, runway)
