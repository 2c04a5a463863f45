"""Calendar periods, maintenance windows and corrections: the frozen model, and the
timezone facts the rules need (UTC offsets and their changes, from the IANA database).

PromQL has no timezones: its date functions read UTC. A zone's local time is UTC plus an
offset that changes at daylight-saving transitions, so the rules carry the zone's
transitions over a fixed span (TRANSITIONS_FROM..TRANSITIONS_TO, fixed so that a build
is the same on any day) and add the offset that applies. Past the span the last offset
holds; rebuild before then.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

# The rolling window a calendar SLO's burn and runway use (fast alert tiers stay rolling).
NOMINAL_WINDOW = {"week": "7d", "month": "30d", "quarter": "90d"}
# The longest period of each kind: the range the period-to-date sums read.
LONGEST = {"week": "7d", "month": "31d", "quarter": "92d"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TRANSITIONS_FROM, TRANSITIONS_TO = 2020, 2045


@dataclass(frozen=True)
class Calendar:
    period: str  # week (ISO, from Monday), month or quarter
    timezone: str  # IANA name; the period starts at local midnight there


@dataclass(frozen=True)
class Interval:
    """A past or one-off span, UTC epoch seconds [start, end)."""
    start: int
    end: int


@dataclass(frozen=True)
class Maintenance:
    name: str
    slos: tuple[str, ...]  # the SLOs it covers (every SLO when the spec names none)
    once: Interval | None  # a one-off window ...
    weekdays: tuple[str, ...] = ()  # ... or recurring: these days, from..to local time
    start_minute: int = 0
    end_minute: int = 0
    timezone: str = "UTC"
    exclude_from_budget: bool = False


@dataclass(frozen=True)
class Correction:
    slo: str
    interval: Interval
    reason: str


@dataclass(frozen=True)
class BudgetAlert:
    share: float  # of the period's budget spent, 0 < share <= 1
    severity: str  # warning (ticket) or critical (page)


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone, or ValueError naming it (the loader turns it into a spec error)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown timezone {name!r} (an IANA name such as Europe/Berlin)") from err


@functools.cache
def offsets(name: str) -> tuple[int, list[tuple[int, int]]]:
    """(offset at the span's start, [(UTC epoch of a change, new offset)]) in seconds, found
    hour by hour and then to the second (zones change on whole minutes)."""
    tz = zone(name)

    def at(t: int) -> int:
        return int(dt.datetime.fromtimestamp(t, tz).utcoffset().total_seconds())

    start = int(dt.datetime(TRANSITIONS_FROM, 1, 1, tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime(TRANSITIONS_TO, 1, 1, tzinfo=dt.UTC).timestamp())
    first, changes, t = at(start), [], start
    current = first
    while t < end:
        step = t + 3600
        if at(step) != current:
            lo, hi = t, step  # at(lo) == current, at(hi) differs: the change is in (lo, hi]
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if at(mid) == current else (lo, mid)
            current = at(hi)
            changes.append((hi, current))
        t = step
    return first, changes
