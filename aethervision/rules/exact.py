"""Long windows exact at every evaluation: the slow group's tiles plus the raw edges.

The slow group records, every tile, each long window's mean tile rate and a snapshot of the
events counted so far (the counters' values summed per group). At a fast evaluation t, with
t_s the newest slow evaluation and C the counted events:

  events over (t - W, t] = tiles over (t_s - W, t_s]          mean tile rate x W
                         + C(t) - C(t_s)                      the head, since the newest tile
                         - (C(t - W) - C(t_s - W))            the tail, left the window since

which telescopes to C(t) - C(t - W): the raw increase over exactly W, at every evaluation,
where the tiles alone lag by up to one tile (a 6h ratio three minutes into an outage read
74% low). The edges read each raw series once now and once W ago (instant selectors), so the
cost stays near the tiles'. Resets are handled per tile as before; at an edge a reset (or a
series leaving) makes that edge negative, and it counts as zero: the window is then as late
as the tiles alone, never wrong by more. Probes and raw SLIs have no counters, and SLOs whose
maintenance windows are excluded from the budget drop tiles the edges cannot see: both keep
the tiles alone.
"""

from __future__ import annotations

from aethervision.core import durations
from aethervision.core.model import SLO, Spec
from aethervision.promql import queries as q
from aethervision.promql import sli

WHICH = ("requests", "errors")  # requests first: the errors' zero reads them


def applies(spec: Spec, slo: SLO) -> bool:
    excluded = any(w.exclude_from_budget and slo.name in w.slos for w in spec.maintenance)
    return sli.counted(slo) is not None and not excluded


def _counted(slo: SLO, which: str, offset: str = "") -> str:
    bad, every = sli.counted(slo, offset)
    return every if which == "requests" else bad


def _on(slo: SLO) -> str:
    return f"on({', '.join(slo.group_by)})"


def _newest(spec: Spec, series: str, offset: str = "") -> str:
    """The slow group's newest sample (two of its intervals, as _latest in rules/slo.py)."""
    at = f" offset {offset}" if offset else ""
    return f"last_over_time({series}[{durations.format(2 * spec.rules.long_interval_seconds)}]{at})"


def snapshots(slo: SLO) -> list[tuple[str, str]]:
    """(record, expr) for the slow group: the counted events at each tile."""
    return [(q.counted(slo, which), _counted(slo, which)) for which in WHICH]


def heads(spec: Spec, slo: SLO) -> list[tuple[str, str]]:
    """(record, expr) for the fast group, before the long windows: events since the newest tile.
    No error counted yet (the counter has no series) is zero where requests are."""
    out = []
    for which in WHICH:
        expr = f"clamp_min({_counted(slo, which)} - {_on(slo)} {_newest(spec, q.counted(slo, which))}, 0)"
        if which == "errors":
            expr += f" or {_on(slo)} 0 * {q.since_tile(slo, 'requests')}"
        out.append((q.since_tile(slo, which), expr))
    return out


def window_rate(spec: Spec, slo: SLO, window: str, which: str) -> str:
    """Events per second over exactly `window`: the tiles' mean, plus the head, minus the tail
    (zero where the data is younger than the window, an edge saw a reset, or the counters are gone)."""
    seconds = durations.parse(window)
    offset = durations.format(seconds, weeks=False)
    slow = q.slow(q.requests_rate(slo, window) if which == "requests" else q.errors_rate(slo, window))
    head = q.since_tile(slo, which)
    on, tiles = _on(slo), _newest(spec, slow)
    tail = f"clamp_min({_counted(slo, which, offset)} - {on} {_newest(spec, q.counted(slo, which), offset)}, 0)"
    # Each edge is zero where it has no series (a group whose counters vanished keeps its tiles'
    # window, so the no-data alert still sees it: it watches the long window outlive the short).
    return (f"({tiles} * {seconds} + {on} ({head} or {on} 0 * {tiles})\n"
            f"  - {on} ({tail} or {on} 0 * {tiles})) / {seconds}")
