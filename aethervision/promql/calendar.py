"""PromQL for calendar periods and windows in a timezone: local time, the period's start
and end, period-to-date sums over the slow group's tiles, and "is a window active".

Every function takes the time it is about as a PromQL vector expression `t` (one sample,
its value UTC epoch seconds, e.g. `vector(time())`), so the same text works at the
evaluation time and, inside a subquery, at each step of the history.
"""

from __future__ import annotations

from aethervision.core import periods

DAY = 86400


def utc_offset(timezone: str, t: str) -> str:
    """The zone's UTC offset at `t`, in seconds: the span's first offset plus each change
    at or before `t` (a sum of steps; see core/periods.py for the span)."""
    first, changes = periods.offsets(timezone)
    terms, previous = [f"({t}) * 0 + {first}"], first
    for at, offset in changes:
        terms.append(f"({t} >= bool {at}) * {offset - previous}")
        previous = offset
    return " + ".join(terms) if len(terms) > 1 else terms[0]


def local(timezone: str, t: str) -> str:
    """`t` as local time: epoch seconds whose UTC date functions read the local calendar."""
    return f"({t} + {utc_offset(timezone, t)})"


def local_start(period: str, lt: str) -> str:
    """Local time of the start of the period containing local time `lt` (a recorded series)."""
    midnight = f"({lt} - {lt} % {DAY})"
    if period == "week":  # ISO weeks start on Monday; day_of_week: 0 is Sunday
        return f"{midnight} - ((day_of_week({lt}) + 6) % 7) * {DAY}"
    month = f"({midnight} - (day_of_month({lt}) - 1) * {DAY})"
    if period == "month":
        return month
    # quarter: back over the earlier months of the quarter (0, 1 or 2 of them)
    prev1 = f"days_in_month({month} - {DAY})"
    prev2 = f"days_in_month({month} - ({prev1} + 1) * {DAY})"
    k = f"((month({lt}) - 1) % 3)"
    return f"{month} - ({k} >= bool 1) * {prev1} * {DAY} - ({k} >= bool 2) * {prev2} * {DAY}"


def local_end(period: str, ls: str) -> str:
    """Local time of the end of the period starting at local time `ls` (a recorded series)."""
    if period == "week":
        return f"{ls} + {7 * DAY}"
    d1 = f"days_in_month({ls})"
    if period == "month":
        return f"{ls} + {d1} * {DAY}"
    d2 = f"days_in_month({ls} + {d1} * {DAY})"
    d3 = f"days_in_month({ls} + ({d1} + {d2}) * {DAY})"
    return f"{ls} + ({d1} + {d2} + {d3}) * {DAY}"


def to_utc(timezone: str, lt: str, offset_now: str) -> str:
    """Local time `lt` back to UTC: minus the offset in force then, found at `lt` minus
    today's offset (exact unless a zone changes its clocks within the hour of midnight)."""
    return f"{lt} - ({utc_offset(timezone, f'({lt} - {offset_now})')})"


def since(start: str, lookback: str) -> str:
    """Inside a subquery: the steps after the current period's start (read at the
    evaluation time with `@ end()`), so a tile ending at the start stays in the last period.
    The start is read with last_over_time over `lookback` (its newest sample): VictoriaMetrics
    (1.151) answers nothing for a plain selector with `@ end()` inside a subquery."""
    return f"(vector(time()) > scalar(last_over_time({start}[{lookback}] @ end())))"


def excluded(intervals: list[periods.Interval], t: str) -> str | None:
    """A filter that holds where `t` is in any of the intervals, or None when there are none."""
    if not intervals:
        return None
    return " or ".join(f"({t} > {i.start} and {t} <= {i.end})" for i in intervals)


def maintenance_active(window: periods.Maintenance, t: str) -> str:
    """Holds (one label-less sample) while the window is active at `t`."""
    if window.once is not None:
        return f"({t} >= {window.once.start} and {t} < {window.once.end})"
    lt = local(window.timezone, t)
    days = " or ".join(f"(day_of_week({lt}) == {(periods.WEEKDAYS.index(d) + 1) % 7})" for d in window.weekdays)
    minute = f"({lt} % {DAY})"
    return (f"(({days}) and on() ({minute} >= {window.start_minute * 60}) and on()"
            f" ({minute} < {window.end_minute * 60}))")
