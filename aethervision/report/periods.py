"""Which periods a report covers: `--period 2026-11` (a month), `2026-Q4`, `2026-W45`, or
`--from/--to`; each in the SLO's timezone (calendar SLOs) or UTC, and the periods before it."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from aethervision.core.errors import UserError


@dataclass(frozen=True)
class Period:
    label: str  # 2026-11, 2026-Q4, 2026-W45, or from..to
    start: int  # UTC epoch seconds
    end: int


def _month(year: int, month: int, tz) -> Period:
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return Period(f"{year}-{month:02d}", int(start.timestamp()), int(end.timestamp()))


def parse(text: str, timezone: str = "UTC") -> Period:
    """A period name in `timezone`; UserError with the accepted spellings otherwise."""
    tz = zoneinfo.ZoneInfo(timezone)
    if found := re.fullmatch(r"(\d{4})-(\d{2})", text):
        year, month = int(found[1]), int(found[2])
        if 1 <= month <= 12:
            return _month(year, month, tz)
    if found := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        year, q = int(found[1]), int(found[2])
        first, last = _month(year, 3 * q - 2, tz), _month(year, 3 * q, tz)
        return Period(text, first.start, last.end)
    if found := re.fullmatch(r"(\d{4})-W(\d{2})", text):
        try:
            monday = dt.date.fromisocalendar(int(found[1]), int(found[2]), 1)
        except ValueError:
            monday = None
        if monday is not None:
            start = dt.datetime(monday.year, monday.month, monday.day, tzinfo=tz)
            end = start + dt.timedelta(days=7)
            return Period(text, int(start.timestamp()), int(end.timestamp()))  # aware + days: wall clock
    raise UserError(f"--period {text!r}: give a month (2026-11), a quarter (2026-Q4) or an ISO week (2026-W45)")


def previous(period: Period, count: int, timezone: str = "UTC") -> list[Period]:
    """The `count` periods of the same kind before `period`, oldest first."""
    out, current = [], period
    tz = zoneinfo.ZoneInfo(timezone)
    for _ in range(count):
        label = current.label
        if re.fullmatch(r"\d{4}-\d{2}", label):
            year, month = map(int, label.split("-"))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
            current = _month(year, month, tz)
        elif "-Q" in label:
            year, q = int(label[:4]), int(label[-1])
            current = parse(f"{year}-Q{q - 1}" if q > 1 else f"{year - 1}-Q4", timezone)
        elif "-W" in label:
            monday = dt.datetime.fromtimestamp(current.start, tz) - dt.timedelta(days=7)
            iso = monday.isocalendar()
            current = parse(f"{iso.year}-W{iso.week:02d}", timezone)
        else:  # --from/--to: the same length just before
            length = current.end - current.start
            current = Period(f"{_day(current.start - length)}..{_day(current.start)}", current.start - length,
                             current.start)
        out.append(current)
    return out[::-1]


def _day(t: int) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d")


def span(start: int, end: int) -> Period:
    if end <= start:
        raise UserError("--to must be after --from")
    return Period(f"{_day(start)}..{_day(end)}", start, end)
