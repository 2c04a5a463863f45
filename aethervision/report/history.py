"""What a report reads from a Prometheus: each SLO's bad and all events per 5-minute tile
(the SLI's own expressions, the exact increase where the SLI has counters), its alert
episodes (`ALERTS`, as they fired), and the daily lowest days-to-breach it recorded. One
query_range per UTC day and series, like the backtest's history reader (backtest/history.py)."""

from __future__ import annotations

from dataclasses import dataclass

from aethervision.clients.prometheus import Client
from aethervision.core.model import SLO, Spec
from aethervision.promql import queries as q
from aethervision.promql import sli

TILE = 300
DAY = 86400


@dataclass(frozen=True)
class Episode:
    alert: str
    severity: str
    start: int  # first firing sample
    end: int  # last firing sample + one step


def tile_exprs(spec: Spec, slo: SLO) -> tuple[str, str]:
    """(bad, all) events per second over the 5 minutes before each evaluation, per group."""
    requests = sli.tile_rates(slo, "5m", TILE, "", "", spec.rules.engine)[1]
    bad, _ = sli.tile_rates(slo, "5m", TILE, "", f"({requests})", spec.rules.engine)
    by = f"sum by ({', '.join(slo.group_by)})" if slo.group_by else "sum"
    return f"{by}({bad})", f"{by}({requests})"


def _days(start: int, end: int, step: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + DAY - step, end)) for lo in range(start, end + 1, DAY)]


def _range(client: Client, expr: str, start: int, end: int, step: int) -> list[tuple[dict, list]]:
    out: dict[tuple, tuple[dict, list]] = {}
    for lo, hi in _days(start, end, step):
        for labels, values in client.query_range(expr, lo, hi, step):
            key = tuple(sorted(labels.items()))
            out.setdefault(key, (labels, []))[1].extend(values)
    return list(out.values())


Tiles = dict[int, tuple[float, float]]  # tile end -> (bad events, all events)


def tiles(client: Client, spec: Spec, slo: SLO, start: int, end: int) -> dict[tuple[str, ...], Tiles]:
    """Per group (the group_by label values; () for an ungrouped SLO), the tiles ending in (start, end]."""
    bad_expr, all_expr = tile_exprs(spec, slo)
    got: dict[tuple[str, ...], dict[int, list[float]]] = {}
    for index, expr in enumerate((bad_expr, all_expr)):
        for labels, values in _range(client, expr, start + TILE, end, TILE):
            group = got.setdefault(tuple(labels.get(g, "") for g in slo.group_by), {})
            for t, v in values:
                group.setdefault(int(t), [0.0, 0.0])[index] = v * TILE
    return {key: {t: (b, a) for t, (b, a) in sorted(group.items())} for key, group in sorted(got.items())}


def total(groups: dict[tuple[str, ...], Tiles]) -> Tiles:
    """The SLO's tiles: every group's summed."""
    out: dict[int, list[float]] = {}
    for group in groups.values():
        for t, (b, a) in group.items():
            pair = out.setdefault(t, [0.0, 0.0])
            pair[0], pair[1] = pair[0] + b, pair[1] + a
    return {t: (b, a) for t, (b, a) in sorted(out.items())}


def episodes(client: Client, slo: SLO, start: int, end: int, step: int = 60) -> list[Episode]:
    """The SLO's firing alerts as episodes: runs of samples `step` apart."""
    out = []
    # Samples of the last step only: a plain selector would see a resolved alert for the 5-minute
    # lookback where no staleness marker ends it (backfilled or federated history).
    expr = f'last_over_time(ALERTS{{alertstate="firing", slo="{slo.name}"}}[{step}s])'
    for labels, values in _range(client, expr, start, end, step):
        times = [int(t) for t, _ in values]
        run_start = previous = None
        for t in times + [None]:
            if run_start is not None and (t is None or t - previous > step):
                out.append(Episode(labels.get("alertname", ""), labels.get("severity", ""), run_start,
                                   previous + step))
                run_start = None
            if t is not None and run_start is None:
                run_start = t
            previous = t
    return sorted(out, key=lambda e: (e.start, e.alert))


def runway_lows(client: Client, slo: SLO, day_ends: list[int]) -> list[tuple[int, float | None]]:
    """(day end, the lowest days-to-breach recorded that day), None where nothing was recorded."""
    out = []
    for t in day_ends:
        got = client.query(f"min(min_over_time({q.days_to_breach(slo)}[1d]))", at=t)
        out.append((t, got[0].value if got else None))
    return out
