"""Recording rules over past data, as Prometheus would have recorded them.

Each rule is evaluated as `promtool tsdb create-blocks-from rules` evaluates it:
a range query at the rule's interval against a running Prometheus, the rule's
labels on every series. A rule can only read what that Prometheus already holds,
so the rules go in dependency levels: a temporary Prometheus serves the TSDB, one
level is queried (a UTC day per task, `parallel` processes, one per core) and
imported as one block per day, the Prometheus stops, the blocks move in, and the
next level starts. promtool itself writes a block per rule and 2 hours, which
costs about 13x the queries and, at 10 SLOs over a month, more files than a process may
open (docs/backtest-speed.md). The demo's backfill, the backtest and the engine
comparison test all run through here.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aethervision.clients import promtool
from aethervision.clients.prometheus import Client
from aethervision.core.errors import UserError
from aethervision.rules.graph import Batch
from aethervision.runtime.procs import free_port, prometheus_binary, spawn, stop, wait_http

Progress = Callable[[str], None]
DAY = 86400


@dataclass(frozen=True)
class Pass:
    """Recording rules evaluated every `step` seconds from `start` to `end` (Unix seconds)."""
    rules: tuple[dict, ...]
    start: int
    end: int
    step: int

    @property
    def names(self) -> str:
        return ", ".join(r["record"] for r in self.rules)


def from_batches(levels: list[list[Batch]], end: int) -> list[list[Pass]]:
    """The rule graph's passes (rules/graph.py), each evaluated up to `end` on its own step."""
    return [[Pass(b.rules, b.start, end - end % b.step, b.step) for b in level] for level in levels]


@contextmanager
def serving(data: Path, workdir: Path, name: str, host: str = "127.0.0.1",
            lookback: int | None = None, binary: str | None = None) -> Iterator[Client]:
    """A Prometheus without targets or rules over the TSDB at `data`, for as long as the block runs.

    Retention is 100 years: the default 15 days would delete an imported history at startup.
    `lookback` (seconds) replaces the 5-minute lookback of instant selectors (see run);
    `binary` runs one Prometheus build rather than the default (the engine matrix)."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "prometheus-replay.yml"
    config.write_text("global: {evaluation_interval: 1m}\n")
    port = free_port(host)
    url = f"http://{host}:{port}"
    proc = spawn(name, [binary or prometheus_binary(), f"--config.file={config.resolve()}",
                        f"--storage.tsdb.path={data.resolve()}", "--storage.tsdb.retention.time=36500d",
                        f"--web.listen-address={host}:{port}", "--query.max-samples=200000000",
                        *([f"--query.lookback-delta={lookback}s"] if lookback else [])],
                 workdir / "logs" / f"{name}.log")
    try:
        wait_http(f"{url}/-/ready", proc, timeout=300)
        yield Client(url, timeout=600)
    finally:
        stop(proc)


def _day_text(rules: tuple[dict, ...], answers: list[list[dict]]) -> str:
    """OpenMetrics for recorded series: each rule's name, its answer's labels plus the rule's labels.

    Answers that differ only in their metric name (`a < b or b`) become one recorded
    series, as in a live Prometheus: their points are merged in time order."""
    out = []
    for rule, answer in zip(rules, answers):
        series: dict[str, dict[float, str]] = {}
        for item in answer:
            labels = {k: v for k, v in item["metric"].items() if k != "__name__"}
            labels.update(rule.get("labels", {}))
            text = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(labels.items()))
            points = series.setdefault(f"{rule['record']}{{{text}}} ", {})
            for t, v in item["values"]:
                points.setdefault(t, v)
        for head, points in series.items():
            out.append("".join(f"{head}{points[t]} {t}\n" for t in sorted(points)))
    return "".join(out)


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def import_file(source: Path, data: Path, blocks: Path) -> None:
    """An OpenMetrics file -> 24h blocks (built in `blocks`, then moved into `data`); the file goes."""
    shutil.rmtree(blocks, ignore_errors=True)
    run_ = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=24h",
                        str(source), str(blocks), timeout=3600)
    if run_.returncode != 0:
        raise UserError(f"promtool could not import {source}: {run_.stderr.strip()[-500:]}")
    source.unlink()
    for block in blocks.iterdir():
        block.rename(data / block.name)
    shutil.rmtree(blocks)


def import_day(text: str, data: Path, workdir: Path, tag: str) -> None:
    """OpenMetrics text of one UTC day -> one 24h block moved into `data`."""
    source = workdir / f"{tag}.om"
    source.write_text(text + "# EOF\n")
    import_file(source, data, workdir / f"{tag}.blocks")


def _days(job: Pass) -> list[tuple[int, int]]:
    """[first, last] evaluation times of the pass within each UTC day."""
    out = []
    for day in range(job.start // DAY * DAY, job.end + 1, DAY):
        lo = max(job.start, day + (-(day - job.start)) % job.step)
        hi = min(job.end, day + DAY - 1)
        if lo <= hi:
            out.append((lo, hi - (hi - lo) % job.step))
    return out


def _record_day(client: Client, jobs: list[Pass], day: int, data: Path, workdir: Path, tag: str) -> int:
    """Every pass's rules over one UTC day, written as one block; the number of samples."""
    texts, samples = [], 0
    for job in jobs:
        for lo, hi in _days(job):
            if lo // DAY * DAY != day:
                continue
            answers = [client.get("/api/v1/query_range", query=r["expr"], start=str(lo), end=str(hi),
                                  step=str(job.step))["result"] for r in job.rules]
            samples += sum(len(item["values"]) for answer in answers for item in answer)
            texts.append(_day_text(job.rules, answers))
    if samples:
        import_day("".join(texts), data, workdir, tag)
    return samples


def run(passes: list[list[Pass]], data: Path, workdir: Path, progress: Progress, parallel: int = 2,
        name: str = "prometheus-backfill", host: str = "127.0.0.1", lookback: int | None = None) -> float:
    """Record each level's passes into `data`, level after level; returns the seconds it took.

    Each rule is evaluated as promtool's rule backfill evaluates it (a range query at the
    rule's interval, the rule's labels on every series), but each level's answers are
    written as one block per UTC day, not one per rule and 2 hours: thousands of small
    blocks would cost more than the queries (and run out of file handles).

    Backfilled series carry no staleness markers, so with the default 5-minute lookback
    a recorded series that stops is still read for 5 minutes, where a live Prometheus
    marks it stale at once. When every instant-read series is sampled at least every
    `lookback` + 1 seconds (the backtest's copy: every 60 s, rules every 30 s), a
    `lookback` just under that spacing makes a stop visible within that spacing."""
    started = time.monotonic()
    for level, jobs in enumerate(passes, 1):
        if not jobs:
            continue
        days = sorted({lo // DAY * DAY for job in jobs for lo, _ in _days(job)})
        with serving(data, workdir, name, host, lookback) as client, ProcessPoolExecutor(max_workers=parallel) as pool:
            futures = [pool.submit(_record_day, client, jobs, day, data, workdir, f"level{level}-{i}")
                       for i, day in enumerate(days)]
            samples = sum(f.result() for f in futures)
        if not samples:
            raise UserError(f"recording {'; '.join(job.names for job in jobs)} gave nothing: do the inputs "
                            f"have samples between {jobs[0].start} and {jobs[0].end}? See {workdir / 'logs'}")
        progress(f"  rules: level {level}/{len(passes)} recorded ({sum(len(j.rules) for j in jobs)} rules, "
                 f"{samples:,} samples, {time.monotonic() - started:.0f}s)")
    return time.monotonic() - started
