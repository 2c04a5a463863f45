"""Calendar SLOs (`window: {calendar, timezone}`): period-to-date figures and the
budget-consumed alerts.

The slow group (every tile) finds the period from the evaluation time in the SLO's
timezone (promql/calendar.py) and sums the period's tiles with one subquery per counter:
a tile is in the period when it ends after the period's start, read at the evaluation
time with `@ end()`. Corrections drop the tiles they overlap; maintenance windows with
`exclude_from_budget` have dropped theirs already (rules/maintenance.py). The budget of
a period is the objective's share of its requests, those so far plus the rest of the
period at the SLO window's request rate, so the share spent only grows as errors come
(at the period's end the projection is the count). The fast group re-records the newest
values, and the runway against the period: hours until the errors still allowed run out
at the 1h error rate, beside the hours left in the period.
"""

from __future__ import annotations

from aethervision.core import durations, periods
from aethervision.core.model import SLO, Spec
from aethervision.promql import calendar as cal
from aethervision.promql import queries as q

NOW = "vector(time())"
# Re-recorded by the fast group under their plain names (the slow ones end in :slow).
LATEST = ("start_seconds", "end_seconds", "error_ratio", "budget_spent", "budget_spent_max", "budget_left:errors")


def _record(name: str, expr: str, slo: SLO) -> dict:
    return {"record": name, "expr": expr, "labels": q.slo_labels(slo)}


def _corrections(spec: Spec, slo: SLO) -> list[periods.Interval]:
    """The SLO's corrections as tile-end intervals: a tile ending in (start, end + tile) overlaps it."""
    tile = spec.rules.long_interval_seconds
    return [periods.Interval(c.interval.start, c.interval.end + tile) for c in spec.corrections if c.slo == slo.name]


def _ptd(spec: Spec, slo: SLO, series: str, start: str, agg: str = "sum") -> str:
    """`agg` over the current period's samples of a slow-group series (one subquery)."""
    inner = f"{series} and on() {cal.since(start, durations.format(2 * spec.rules.long_interval_seconds))}"
    dropped = cal.excluded(_corrections(spec, slo), NOW)
    if dropped and agg == "sum":
        inner = f"({inner}) unless on() ({dropped})"
    span = f"[{periods.LONGEST[slo.calendar.period]}:{spec.rules.long_interval}]"
    return f"{agg}_over_time(({inner}){span})"


def slow_rules(spec: Spec, slo: SLO) -> list[dict]:
    """Appended to the SLO's slow group, after its tiles and window rates."""
    c, tile = slo.calendar, spec.rules.long_interval_seconds
    s = {k: q.slow(q.period(slo, k)) for k in ("utc_offset", "local", "local_start", *LATEST,
                                                 "errors", "requests", "requests_expected")}
    errors_tile, requests_tile = q.tile(q.errors_rate(slo, "")), q.tile(q.requests_rate(slo, ""))
    by = "on(slo) group_left()"
    budget = repr(slo.error_budget)
    return [
        _record(s["utc_offset"], cal.utc_offset(c.timezone, NOW), slo),
        _record(s["local"], f"{s['utc_offset']} + time()", slo),
        _record(s["local_start"], cal.local_start(c.period, s["local"]), slo),
        _record(s["start_seconds"], cal.to_utc(c.timezone, s["local_start"], s["utc_offset"]), slo),
        _record(s["end_seconds"], cal.to_utc(c.timezone, f"({cal.local_end(c.period, s['local_start'])})",
                                             s["utc_offset"]), slo),
        _record(s["errors"], f"{_ptd(spec, slo, errors_tile, s['start_seconds'])} * {tile}", slo),
        _record(s["requests"], f"{_ptd(spec, slo, requests_tile, s['start_seconds'])} * {tile}", slo),
        _record(s["error_ratio"], f"{s['errors']} / ({s['requests']} > 0)", slo),
        _record(s["requests_expected"],
                f"{s['requests']} + {q.slow(q.requests_rate(slo, slo.window))}"
                f" * {by} clamp_min({s['end_seconds']} - time(), 0)", slo),
        _record(s["budget_spent"], f"{s['errors']} / ({s['requests_expected']} * {budget} > 0)", slo),
        _record(s["budget_left:errors"], f"clamp_min({s['requests_expected']} * {budget} - {s['errors']}, 0)", slo),
        _record(s["budget_spent_max"], _ptd(spec, slo, s["budget_spent"], s["start_seconds"], "max"), slo),
    ]


def fast_rules(spec: Spec, slo: SLO) -> list[dict]:
    """Appended to the SLO's fast group: the newest period figures and the period runway."""
    late = durations.format(2 * spec.rules.long_interval_seconds)
    rules = [_record(q.period(slo, k), f"last_over_time({q.slow(q.period(slo, k))}[{late}])", slo) for k in LATEST]
    left, cap = q.period(slo, "budget_left:errors"), repr(float(spec.runway.cap_hours))
    rules += [
        _record(q.period(slo, "budget_remaining"), f"clamp_min(1 - {q.period(slo, 'budget_spent')}, 0)", slo),
        _record(q.period(slo, "hours_left"), f"clamp_min({q.period(slo, 'end_seconds')} - time(), 0) / 3600", slo),
        _record(q.period(slo, "hours_to_breach"),
                f"clamp_max({left} / ({q.errors_rate(slo, '1h')} > 0) / 3600, {cap})\n"
                f"  or ({left} == 0)\n  or ({left} * 0 + {cap})", slo),
    ]
    return rules


def excluding_maintenance(spec: Spec, slo: SLO, tile_expr: str) -> str:
    """A tile's expression without the tiles that overlap a maintenance window with
    `exclude_from_budget` (active at the tile's end, or just after its start): their events
    stay out of every window, the budget and the period. The short raw windows still see
    them for their length after the window ends."""
    tile = spec.rules.long_interval_seconds
    windows = [w for w in spec.maintenance if w.exclude_from_budget and slo.name in w.slos]
    if not windows:
        return tile_expr
    active = " or ".join(cal.maintenance_active(w, t) for w in windows
                         for t in (NOW, f"vector(time() - {tile - 1})"))
    return f"({tile_expr}) unless on() ({active})"
