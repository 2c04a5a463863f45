"""A Prometheus's history of the SLI inputs, copied into a local TSDB the backtest owns.

The inputs are read with `query_range` (the one history API Prometheus, Thanos,
Mimir and VictoriaMetrics all serve), one UTC day per request, at `resolution`
seconds: 60 s by default, so the shortest alert window (10m) still holds 10
samples and a rate over it is a rate, not a guess. Each day is written as
OpenMetrics and imported with `promtool tsdb create-blocks-from openmetrics`
into one 24h block, so no two blocks overlap (overlapping blocks would keep the
temporary Prometheus compacting while it replays the rules).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aethervision.backtest import rule_backfill
from aethervision.clients.prometheus import Client
from aethervision.core.errors import UserError
from aethervision.core.model import SLIKind, Spec
from aethervision.promql import sli

DAY = 86400
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Imported:
    data: Path  # the TSDB folder: one 24h block per day
    series: int  # distinct input series copied
    samples: int


@dataclass(frozen=True)
class Input:
    selector: str
    slos: tuple[str, ...]  # the SLOs whose rules read it
    required: bool  # False for an error counter: it may not exist before the first error


def inputs(spec: Spec, slos: tuple[str, ...]) -> list[Input]:
    """Every series selector a chosen SLO's rules read. A raw SLI is a whole expression:
    its metrics are copied whole."""
    found: dict[str, tuple[list[str], bool]] = {}
    for slo in spec.slos:
        if slo.name not in slos:
            continue
        if slo.sli.kind is SLIKind.RAW:
            chosen = {f'{{__name__="{name}"}}': True for name in sorted(sli.input_names(slo.sli))}
        else:
            chosen = {selector: field != "sli.errors" for field, selector in sli.selectors(slo.sli).items()}
        for selector, required in chosen.items():
            names, before = found.get(selector, ([], False))
            found[selector] = ([*names, slo.name], before or required)
    return [Input(selector, tuple(names), required) for selector, (names, required) in found.items()]


def oldest_sample(client: Client, selector: str, before: int, lookback: int, step: int) -> int | None:
    """When `selector` first has samples within `lookback` seconds before `before` (to `step`)."""
    expr = f"min_over_time(timestamp(count({selector}))[{lookback}s:{step}s])"
    answer = client.query(expr, at=before)
    return int(answer[0].value) if answer else None


def _day_text(chunks: list[tuple[dict, list]]) -> tuple[str, int]:
    """OpenMetrics for one day's query_range answers; series two selectors share are written once."""
    lines, samples, seen = [], 0, set()
    by_name: dict[str, list[str]] = {}
    for labels, values in chunks:
        key = tuple(sorted(labels.items()))
        if key in seen:
            continue
        seen.add(key)
        text = ",".join(f'{k}="{rule_backfill.escape(v)}"' for k, v in key if k != "__name__")
        head = f"{labels.get('__name__', '')}{{{text}}} "
        by_name.setdefault(labels.get("__name__", ""), []).append("".join(f"{head}{v} {t}\n" for t, v in values))
        samples += len(values)
    for name in sorted(by_name):
        lines += by_name[name]
    return "".join(lines), samples


def _copy_day(client: Client, selectors: list[str], lo: int, hi: int, resolution: int, data: Path,
              workdir: Path, tag: str) -> tuple[list[int], set[tuple], int]:
    """One UTC day of every selector into one block: series per selector, the series, the samples."""
    answers, found = [], []
    for selector in selectors:
        got = client.get("/api/v1/query_range", query=selector, start=str(lo), end=str(hi),
                         step=str(resolution))["result"]
        found.append(len(got))
        answers += [(item["metric"], item["values"]) for item in got]  # string values: no float round trip
    text, samples = _day_text(answers)
    if samples:
        rule_backfill.import_day(text, data, workdir, tag)
    return found, {tuple(sorted(labels.items())) for labels, _ in answers}, samples


def fetch(client: Client, selectors: list[Input], start: int, end: int, resolution: int,
          workdir: Path, progress: Progress) -> Imported:
    """Copy [start, end] of every selector into workdir/history (a TSDB folder), two days at a time
    (in two processes: reading the answers is Python's work, importing them promtool's)."""
    started = time.monotonic()
    data = workdir / "history"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    days = [(max(lo, start), min(lo + DAY - resolution, end)) for lo in range(start // DAY * DAY, end + 1, DAY)]
    names = [i.selector for i in selectors]
    per_selector, series, samples = [0] * len(names), set(), 0
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_copy_day, client, names, lo, hi, resolution, data, workdir, f"day-{n}")
                   for n, (lo, hi) in enumerate(days)]
        for n, future in enumerate(futures):
            found, day_series, day_samples = future.result()
            per_selector = [a + b for a, b in zip(per_selector, found)]
            series |= day_series
            samples += day_samples
            progress(f"  history: day {n + 1}/{len(days)} ({time.strftime('%d %b', time.gmtime(days[n][0]))}) "
                     f"{day_samples:,} samples, {time.monotonic() - started:.0f}s")
    empty = [i for i, n in zip(selectors, per_selector) if i.required and not n]
    if empty:
        raise UserError(f"no series for {empty[0].selector} (SLO {', '.join(empty[0].slos)}) between "
                        f"{when(start)} and {when(end)}: is the selector right?")
    return Imported(data, len(series), samples)


def when(t: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t))
