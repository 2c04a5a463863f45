"""`aethervision compare`: a peer tool's alerts and the spec's, replayed over the same history.

The same engine as `backtest` (run.py): one copy of the history, each rule set
backfilled into its own TSDB and its alerts replayed with `for` as Prometheus
applies it. The budget spent at a notification is a property of the data, not of
the rules, so both columns read it from the spec's error-budget series. Cost is
the rules' estimated samples per hour (rules/cost.py), per SLO.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from aethervision import importers
from aethervision import spec as spec_mod
from aethervision.backtest import history, peer, replay
from aethervision.backtest import run as bt
from aethervision.backtest.report import Result, summarise
from aethervision.backtest.rule_backfill import Progress
from aethervision.clients.prometheus import Client
from aethervision.core.errors import UserError
from aethervision.core.model import Spec
from aethervision.importers import render as import_render
from aethervision.importers.findings import REFUSED
from aethervision.rules import cost
from aethervision.rules import files as rule_files

OURS = "AetherVision"


@dataclass(frozen=True)
class Comparison:
    tool: str  # the peer's name
    ours: Result
    theirs: Result
    cost: dict[str, tuple[int, int]]  # SLO -> (peer's, ours) estimated samples per hour
    facts: dict = field(default_factory=dict)


def imported_spec(path: Path, text: str) -> Spec:
    """The spec `aethervision import` would write for the peer's spec, in memory."""
    result, _ = importers.run([str(path)], importers.Options())
    refused = [f for f in result.findings if f.level == REFUSED]
    if refused:
        raise UserError(f"{path}: cannot be imported to compare with: {refused[0]} "
                        "(import what can be, then give the spec with --spec)")
    if not result.slos:
        raise UserError(f"{path}: no SLOs to import")
    return spec_mod.parse(import_render.spec_text(result.slos, result.runway, [str(path)]), f"imported {path.name}")


def _our_cost(spec: Spec, slo: str) -> int:
    recording, alerting = rule_files.slo_groups(spec, (slo,))
    return cost.estimate([{"groups": recording + alerting}])


def run(spec: Spec, peer_rules: peer.PeerRules, client: Client, *, slos: tuple[str, ...] = (),
        days: float | None = None, start: int | None = None, end: int | None = None,
        workdir: Path | None = None, progress: Progress = print) -> Comparison:
    began = time.monotonic()
    slos = bt.chosen_slos(spec, slos)
    ours = bt.rule_set(spec, OURS, slos)
    theirs = replay.Rules(peer_rules.tool, peer_rules.recording, peer_rules.alerting, {})
    inputs = history.inputs(spec, slos)
    seen = {i.selector for i in inputs}
    inputs += [i for i in peer.inputs(peer_rules) if i.selector not in seen]
    peer_reach = bt.reach(replay.needed(theirs))  # only what its alerts read: not Sloth's unread 30d ratio
    slow = spec.rules.long_interval_seconds
    default_days = max(s.window_seconds for s in spec.slos if s.name in slos) / bt.DAY
    window = bt.settle(client, inputs, max(bt.longest_window([ours]), peer_reach) + 2 * slow, days, start, end,
                    default_days, slow)
    progress(f"compare {history.when(window.start)} to {history.when(window.end)}: copying {len(inputs)} "
             f"selector(s) from {history.when(window.history_start)} at {bt.RESOLUTION}s")
    work, own = bt.workdir_for(workdir)
    names = set(slos)
    group_by = {s.name: s.group_by for s in spec.slos if s.name in names}
    try:
        copied = history.fetch(client, inputs, window.history_start, window.end, bt.RESOLUTION, work, progress)
        progress(f"{OURS}: recording rules and alerts over the history")
        mine = replay.run(ours, copied.data, window.history_start, window.start, window.end, work / "ours",
                          progress, lookback=bt.LOOKBACK)
        progress(f"{peer_rules.tool}: recording rules and alerts over the history")
        other = replay.run(theirs, copied.data, window.history_start, window.start, window.end, work / "peer",
                           progress, lookback=bt.LOOKBACK)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
    episodes, note = bt.past_the_start(spec, mine.episodes, window.history_start)
    labelled, unmatched = peer.labelled(other.episodes, names)
    facts = {"spec": spec.source, "peer": peer_rules.source, "url": client.safe_url, "series": copied.series,
             "samples": copied.samples, "resolution": bt.RESOLUTION, "unmatched_peer_episodes": unmatched,
             "seconds": round(time.monotonic() - began, 1)}
    if note:
        facts["history_note"] = note
    ours_result = summarise(OURS, episodes, mine.remaining, group_by, window.start, window.end, mine.seconds, facts)
    theirs_result = summarise(peer_rules.tool, labelled, mine.remaining, group_by, window.start, window.end,
                              other.seconds, facts)
    theirs_cost = peer.cost_per_slo(peer_rules, names)
    costs = {slo: (theirs_cost.get(slo, 0), _our_cost(spec, slo)) for slo in slos}
    progress(f"done in {time.monotonic() - began:.0f}s")
    return Comparison(peer_rules.tool, ours_result, theirs_result, costs, facts)
