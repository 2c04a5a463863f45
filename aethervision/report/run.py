"""Build the report: per SLO, the period in its timezone, its tiles and episodes, and the
runway lows of this period and the ones before (progress on stderr through `progress`)."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Callable

from aethervision.clients.prometheus import Client
from aethervision.core.errors import UserError
from aethervision.core.model import SLIKind, Spec
from aethervision.report import figures as fig
from aethervision.report import history, periods

Progress = Callable[[str], None]


def _day_ends(period: periods.Period, timezone: str) -> list[int]:
    """Each local day's end within the period (the last one is the period's end)."""
    tz = zoneinfo.ZoneInfo(timezone)
    day = dt.datetime.fromtimestamp(period.start, tz).replace(hour=0, minute=0, second=0)
    out = []
    while True:
        day = (day + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0)
        end = int(day.timestamp())
        out.append(min(end, period.end))
        if end >= period.end:
            return out


def run(spec: Spec, client: Client, period: str | None, start: int | None, end: int | None,
        slos: tuple[str, ...] = (), previous: int = 2, progress: Progress = lambda _: None) -> list[fig.Figures]:
    known = [s.name for s in spec.slos]
    for name in slos:
        if name not in known:
            raise UserError(f"--slo {name}: no such SLO in {spec.source} (SLOs: {', '.join(known)})")
    chosen = [s for s in spec.slos if not slos or s.name in slos]
    out = []
    started = time.monotonic()
    for n, slo in enumerate(chosen, 1):
        if slo.sli.kind is SLIKind.RAW:
            progress(f"  {slo.name}: skipped (a raw SLI is a ratio, not events to count)")
            continue
        timezone = slo.calendar.timezone if slo.calendar else "UTC"
        this = periods.parse(period, timezone) if period else periods.span(start, end)
        before = periods.previous(this, previous, timezone)
        progress(f"  {slo.name} ({n}/{len(chosen)}): {this.label} ({timezone}): tiles, alerts, runway "
                 f"({time.monotonic() - started:.0f}s)")
        groups = history.tiles(client, spec, slo, this.start, this.end)
        episodes = history.episodes(client, slo, this.start, this.end)
        figures = fig.compute(spec, slo, this, history.total(groups), episodes)
        if slo.group_by:  # each group's attainment, with the same corrections and exclusions
            for key, tiles in groups.items():
                one = fig.compute(spec, slo, this, tiles, [])
                figures.groups.append((dict(zip(slo.group_by, key)), one.bad, one.all))
        figures.runway = [(p.label, history.runway_lows(client, slo, _day_ends(p, timezone)))
                          for p in [*before, this]]
        out.append(figures)
    if not out:
        raise UserError("no SLO to report on (raw SLIs are skipped)")
    return out
