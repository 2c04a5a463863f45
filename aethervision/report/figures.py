"""A period's figures for one SLO, from its tiles, episodes and runway lows: pure functions,
so the report's arithmetic is tested without a server.

- attained = 1 - bad / all over the period's tiles, leaving out the tiles a correction or
  a maintenance window with `exclude_from_budget` overlaps;
- budget spent = bad / (allowed share x all), remaining = 1 - spent;
- an incident's cost = its bad events (the tiles that overlap the episode) over the
  period's budget, in events; episodes of the SLO's alerts that overlap merge into one
  incident, named by its alerts.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from aethervision.core.model import SLO, Spec
from aethervision.core.periods import WEEKDAYS, Maintenance
from aethervision.report.history import TILE, Episode
from aethervision.report.periods import Period


@dataclass(frozen=True)
class Incident:
    start: int
    end: int
    alerts: tuple[str, ...]
    bad: float  # events
    budget_share: float  # of the period's budget


@dataclass(frozen=True)
class Correction:
    start: int
    end: int
    reason: str
    bad: float  # events left out
    all: float


@dataclass
class Figures:
    slo: str
    objective: float
    period: Period
    bad: float = 0.0
    all: float = 0.0
    incidents: list[Incident] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    excluded_tiles: int = 0  # in maintenance windows with exclude_from_budget
    runway: list[tuple[str, list[tuple[int, float | None]]]] = field(default_factory=list)  # period -> lows
    groups: list[tuple[dict[str, str], float, float]] = field(default_factory=list)  # labels, bad, all
    burndown: list[tuple[int, float]] = field(default_factory=list)  # tile end -> budget spent so far

    @property
    def attained(self) -> float | None:
        return 1 - self.bad / self.all if self.all else None

    @property
    def budget_events(self) -> float:
        return (1 - self.objective) * self.all

    @property
    def spent(self) -> float | None:
        return self.bad / self.budget_events if self.budget_events else None

    @property
    def met(self) -> bool | None:
        return None if self.attained is None else self.attained >= self.objective


def overlaps(t: int, start: int, end: int) -> bool:
    """Does the tile ending at t, (t - TILE, t], overlap [start, end)?"""
    return t > start and t - TILE < end


def in_maintenance(window: Maintenance, t: int) -> bool:
    if window.once is not None:
        return overlaps(t, window.once.start, window.once.end)
    for moment in (t, t - TILE + 1):  # the tile's end and just after its start, as the rules do
        local = dt.datetime.fromtimestamp(moment, zoneinfo.ZoneInfo(window.timezone))
        minute = local.hour * 60 + local.minute
        if WEEKDAYS[local.weekday()] in window.weekdays and window.start_minute <= minute < window.end_minute:
            return True
    return False


def compute(spec: Spec, slo: SLO, period: Period, tiles: dict[int, tuple[float, float]],
            episodes: list[Episode]) -> Figures:
    out = Figures(slo.name, slo.objective, period)
    mine = [c for c in spec.corrections if c.slo == slo.name]
    windows = [w for w in spec.maintenance if w.exclude_from_budget and slo.name in w.slos]
    kept: dict[int, tuple[float, float]] = {}
    dropped = {id(c): [0.0, 0.0] for c in mine}
    for t, (bad, total) in tiles.items():
        if not period.start < t <= period.end:
            continue
        correction = next((c for c in mine if overlaps(t, c.interval.start, c.interval.end)), None)
        if correction is not None:
            dropped[id(correction)][0] += bad
            dropped[id(correction)][1] += total
        elif any(in_maintenance(w, t) for w in windows):
            out.excluded_tiles += 1
        else:
            kept[t] = (bad, total)
    out.bad, out.all = sum(b for b, _ in kept.values()), sum(a for _, a in kept.values())
    out.corrections = [Correction(c.interval.start, c.interval.end, c.reason, *dropped[id(c)]) for c in mine
                       if c.interval.end > period.start and c.interval.start < period.end]
    budget = out.budget_events
    running = 0.0
    for t, (bad, _) in kept.items():
        running += bad
        out.burndown.append((t, running / budget if budget else 0.0))
    for start, end, alerts in _merged(episodes, period):
        bad = sum(b for t, (b, _) in kept.items() if overlaps(t, start, end))
        out.incidents.append(Incident(start, end, alerts, bad, bad / budget if budget else 0.0))
    return out


def _merged(episodes: list[Episode], period: Period) -> list[tuple[int, int, tuple[str, ...]]]:
    """Overlapping episodes (within the period) as one incident each: (start, end, alert names)."""
    out: list[list] = []
    for e in sorted(episodes, key=lambda e: e.start):
        start, end = max(e.start, period.start), min(e.end, period.end)
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
            out[-1][2].add(e.alert)
        else:
            out.append([start, end, {e.alert}])
    return [(s, e, tuple(sorted(a))) for s, e, a in out]
