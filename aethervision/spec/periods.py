"""The spec's calendar sections -> the frozen model: a calendar `window`, `maintenance`,
`corrections` and `budget_consumed_alerts` (core/periods.py). Times are ISO 8601 with a
UTC offset (`2026-11-14T02:00:00+01:00`), quoted or not (YAML reads unquoted ones as
timestamps); a time without an offset is refused rather than guessed."""

from __future__ import annotations

import datetime as dt

from aethervision.core import defaults as d
from aethervision.core import periods
from aethervision.core.errors import SpecError


def _zone(source: str, name, where: str) -> str:
    try:
        periods.zone(str(name))
    except ValueError as err:
        raise SpecError(source, where, str(err)) from err
    return str(name)


def calendar(source: str, i: int, window: dict) -> tuple[periods.Calendar, str]:
    """A calendar window and its nominal rolling length."""
    zone = _zone(source, window.get("timezone", "UTC"), f"slos[{i}].window.timezone")
    return periods.Calendar(window["calendar"], zone), periods.NOMINAL_WINDOW[window["calendar"]]


def instant(source: str, value, where: str) -> int:
    """UTC epoch seconds of an ISO 8601 time with its offset."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise SpecError(source, where, f"{value} is a date: give a time with its offset, e.g. {value}T00:00:00Z")
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError as err:
        raise SpecError(source, where, f"{value!r} is not an ISO 8601 time (2026-11-14T02:00:00+01:00)") from err
    if moment.tzinfo is None:
        raise SpecError(source, where, f"{value!r} has no UTC offset: add one (Z, +01:00), so it means one instant")
    return int(moment.timestamp())


def _interval(source: str, raw: dict, where: str) -> periods.Interval:
    start, end = instant(source, raw["start"], f"{where}.start"), instant(source, raw["end"], f"{where}.end")
    if end <= start:
        raise SpecError(source, f"{where}.end", "must be after start")
    return periods.Interval(start, end)


def _minute(text: str) -> int:
    hours, _, minutes = str(text).partition(":")
    return int(hours) * 60 + int(minutes)  # the schema's pattern holds HH:MM, 00:00 to 24:00


def maintenance(source: str, raw: list, slos: tuple[str, ...]) -> tuple[periods.Maintenance, ...]:
    out = []
    for i, m in enumerate(raw):
        where = f"maintenance[{i}]"
        for j, name in enumerate(m.get("slos", ())):
            if name not in slos:
                raise SpecError(source, f"{where}.slos[{j}]", f"no SLO named {name!r} (SLOs: {', '.join(slos)})")
        common = {"name": m["name"], "slos": tuple(m.get("slos") or slos),
                  "exclude_from_budget": bool(m.get("exclude_from_budget", False))}
        if "start" in m:
            out.append(periods.Maintenance(once=_interval(source, m, where), **common))
            continue
        start, end = _minute(m["from"]), _minute(m["to"])
        if end <= start:
            raise SpecError(source, f"{where}.to", "must be after `from` on the same day (a window across "
                                                    "midnight is two entries)")
        out.append(periods.Maintenance(once=None, weekdays=tuple(m["weekdays"]), start_minute=start, end_minute=end,
                                       timezone=_zone(source, m.get("timezone", "UTC"), f"{where}.timezone"),
                                       **common))
    names = [m.name for m in out]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise SpecError(source, f"maintenance[{i}].name", f"{name!r} is used twice")
    return tuple(out)


def corrections(source: str, raw: list, slos: tuple[str, ...]) -> tuple[periods.Correction, ...]:
    out = []
    for i, c in enumerate(raw):
        if c["slo"] not in slos:
            raise SpecError(source, f"corrections[{i}].slo", f"no SLO named {c['slo']!r} (SLOs: {', '.join(slos)})")
        out.append(periods.Correction(c["slo"], _interval(source, c, f"corrections[{i}]"), c["reason"]))
    return tuple(out)


def budget_alerts(raw: list | None) -> tuple[periods.BudgetAlert, ...]:
    given = d.BUDGET_CONSUMED_ALERTS if raw is None else raw
    return tuple(periods.BudgetAlert(float(a["share"]), a["severity"]) for a in given)
