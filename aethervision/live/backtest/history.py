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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aethervision.clients import promtool
from aethervision.clients.prometheus import Client
from aethervision.core.errors import UserError
from aethervision.core.model import SLIKind, Spec
from aethervision.promql import sli

DAY = 86400
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Imported:
    data: Path  # the TSDB folder: one 24h block per day
    start: int  # first and last sample time asked for
    end: int
    series: int  # distinct input series copied
    samples: int
    seconds: float


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
        name = labels.get("__name__", "")
        text = ",".join(f'{k}="{_escape(v)}"' for k, v in key if k != "__name__")
        head = f"{name}{{{text}}} "
        by_name.setdefault(name, []).append("".join(f"{head}{v} {t}\n" for t, v in values))
        samples += len(values)
    for name in sorted(by_name):
        lines += by_name[name]
    return "".join(lines) + "# EOF\n", samples


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _raw_range(client: Client, selector: str, lo: int, hi: int, step: int) -> list[tuple[dict, list]]:
    """The selector's series over [lo, hi] as returned (string values kept: no float round trip)."""
    data = client.get("/api/v1/query_range", query=selector, start=str(lo), end=str(hi), step=str(step))
    return [(item["metric"], item["values"]) for item in data["result"]]


def fetch(client: Client, selectors: list[Input], start: int, end: int, resolution: int,
          workdir: Path, progress: Progress) -> Imported:
    """Copy [start, end] of every selector into workdir/history (a TSDB folder)."""
    started = time.monotonic()
    data = workdir / "history"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    days = [(max(lo, start), min(lo + DAY - resolution, end))
            for lo in range(start // DAY * DAY, end + 1, DAY)]
    seen_by_selector: dict[str, int] = {i.selector: 0 for i in selectors}
    totals = {"series": set(), "samples": 0}

    def one(index: int, lo: int, hi: int) -> None:
        answers = []
        for item in selectors:
            got = _raw_range(client, item.selector, lo, hi, resolution)
            seen_by_selector[item.selector] += len(got)
            answers += got
        text, samples = _day_text(answers)
        totals["series"].update(tuple(sorted(labels.items())) for labels, _ in answers)
        totals["samples"] += samples
        if samples:
            source = workdir / f"day-{index}.om"
            source.write_text(text)
            blocks = workdir / f"blocks-{index}"
            run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=24h",
                               str(source), str(blocks), timeout=1800)
            if run.returncode != 0:
                raise UserError(f"promtool could not import the history of {time.strftime('%d %b', time.gmtime(lo))}"
                                f" ({source}): {run.stderr.strip()[-500:]}")
            source.unlink()
            for block in blocks.iterdir():
                block.rename(data / block.name)
            shutil.rmtree(blocks)
        progress(f"  history: day {index + 1}/{len(days)} ({time.strftime('%d %b', time.gmtime(lo))}) "
                 f"{samples:,} samples, {time.monotonic() - started:.0f}s")

    with ThreadPoolExecutor(max_workers=2) as pool:  # one day parses while promtool imports another
        for future in [pool.submit(one, n, lo, hi) for n, (lo, hi) in enumerate(days)]:
            future.result()
    empty = [i for i in selectors if i.required and not seen_by_selector[i.selector]]
    if empty:
        raise UserError(f"no series for {empty[0].selector} (SLO {', '.join(empty[0].slos)}) between "
                        f"{when(start)} and {when(end)}: is the selector right?")
    return Imported(data, start, end, len(totals["series"]), totals["samples"], time.monotonic() - started)


def when(t: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(t))
