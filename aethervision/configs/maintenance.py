"""Maintenance windows in alertmanager.yml: each window as a named time interval, and the
routes of the SLOs it covers muted during it.

Alertmanager mutes a route, not an alert, so the SLOs a window covers get a route of their
own in front of the others, holding a copy of the whole routing tree with
`mute_time_intervals` on every copied route (child routes do not inherit it). Alerts still
fire in Prometheus; only their notifications (autoheal's webhook included) wait. A one-off
window is written in UTC, split at midnight (Alertmanager's `times` are within a day); a
weekly one in its own `location`.
"""

from __future__ import annotations

import copy
import datetime as dt

from aethervision.core.model import Spec
from aethervision.core.periods import Maintenance

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _one_off(window: Maintenance) -> list[dict]:
    out = []
    start = dt.datetime.fromtimestamp(window.once.start, dt.UTC)
    end = dt.datetime.fromtimestamp(window.once.end, dt.UTC)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        nxt = day + dt.timedelta(days=1)
        a, b = max(start, day), min(end, nxt)
        first = (a - day).seconds // 60
        last = 1440 if b == nxt else (b - day).seconds // 60 + (1 if (b - day).seconds % 60 else 0)
        out.append({"times": [{"start_time": _hhmm(first), "end_time": _hhmm(last)}],
                    "days_of_month": [str(day.day)], "months": [MONTHS[day.month - 1]], "years": [str(day.year)]})
        day = nxt
    return out


def time_interval(window: Maintenance) -> dict:
    """The window as Alertmanager's `time_intervals` entry."""
    if window.once is not None:
        return {"name": window.name, "time_intervals": _one_off(window)}
    return {"name": window.name, "time_intervals": [{
        "weekdays": list(window.weekdays),
        "times": [{"start_time": _hhmm(window.start_minute), "end_time": _hhmm(window.end_minute)}],
        "location": window.timezone}]}


def _muted(route: dict, names: list[str]) -> dict:
    out = {**copy.deepcopy(route), "mute_time_intervals": names}
    if route.get("routes"):
        out["routes"] = [_muted(r, names) for r in route["routes"]]
    return out


def routes(spec: Spec, normal: list[dict]) -> list[dict]:
    """Routes to put in front of `normal`: per set of SLOs sharing the same windows, a copy of
    `normal` muted during them."""
    by_slo: dict[str, tuple[str, ...]] = {}
    for slo in spec.slos:
        names = tuple(w.name for w in spec.maintenance if slo.name in w.slos)
        if names:
            by_slo[slo.name] = names
    out = []
    for names in sorted(set(by_slo.values())):
        slos = sorted(s for s, n in by_slo.items() if n == names)
        out.append({"receiver": "quiet", "matchers": [f'slo=~"{"|".join(slos)}"'],
                    "routes": [_muted(r, list(names)) for r in normal]})
    return out
