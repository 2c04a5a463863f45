"""The benchmark's history: raw SLI counters for N SLOs, backfilled into a Prometheus TSDB.

Each SLO has 20 raw series (5 instances x codes 200/404/500/503; errors are the
10 series with code 5xx) scraped every 15 s for the SLO window plus a margin,
written as OpenMetrics one day at a time and imported with promtool (two at a
time, one per core).

The long-range recorded inputs of each rule set (AetherVision's tiles and
timestamps, Sloth's 5m ratio) are written in the same chunks at their own group's
interval, as `make demo` backfills them; their values are the exact rates the
generator implies (only their sample counts enter the cost figures). From the
history's end on, a live exporter in the benchmark serves the same counters and
the measuring Prometheus scrapes it every 15 s, so every window is full.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aethervision.backtest import rule_backfill

SCRAPE = 15  # seconds
INSTANCES = 5
CODES = {"200": 9.0, "404": 0.5, "500": 0.05, "503": 0.02}  # requests per second per instance
METRIC = "bench_requests_total"
ERRORS_RATE = INSTANCES * (CODES["500"] + CODES["503"])
TOTAL_RATE = INSTANCES * sum(CODES.values())
SERIES_PER_SLO = INSTANCES * len(CODES)
DAY = 86400


@dataclass(frozen=True)
class History:
    slos: int
    start: int  # the first sample; the counters are k * rate * 15 at start + 15 k
    end: int  # where the imported history stops and the live exporter takes over
    data: Path


def slo_name(i: int) -> str:
    return f"s{i:03d}"


def errors_selector(i: int) -> str:
    return f'{METRIC}{{slo="{slo_name(i)}", code=~"5.."}}'


def total_selector(i: int) -> str:
    return f'{METRIC}{{slo="{slo_name(i)}"}}'


Recorded = list[tuple[str, dict, int, float | None]]  # (name, labels, interval, value or None: the timestamp)


def _chunk(path: Path, slos: int, start: int, lo: int, hi: int, recorded: Recorded) -> None:
    """OpenMetrics for [lo, hi): the raw counters, and the recorded inputs at their own interval."""
    first = -(-(lo - start) // SCRAPE)
    stamps = [(k, start + SCRAPE * k) for k in range(first, (hi - start + SCRAPE - 1) // SCRAPE)]
    with path.open("w") as out:
        out.write(f"# TYPE {METRIC.removesuffix('_total')} counter\n")
        for i in range(slos):
            for instance in range(INSTANCES):
                for code, rate in CODES.items():
                    head = f'{METRIC}{{slo="{slo_name(i)}",instance="i{instance}",code="{code}"}} '
                    inc = rate * SCRAPE
                    out.write("".join(f"{head}{int(k * inc)} {t}\n" for k, t in stamps))
        for metric in sorted({m for m, _, _, _ in recorded}):
            out.write(f"# TYPE {metric} gauge\n")
            for name, labels, interval, value in recorded:
                if name == metric:
                    head = metric + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "} "
                    times = range(-(-max(lo, start + interval) // interval) * interval, hi, interval)
                    out.write("".join(f"{head}{t if value is None else value} {t}\n" for t in times))
        out.write("# EOF\n")


def counter(rate: float, start: int, at: float) -> int:
    """A benchmark counter's value at time `at` (the history and the live exporter agree)."""
    return int(int((at - start) // SCRAPE) * (rate * SCRAPE))


def exposition(slos: int, start: int, at: float) -> str:
    """The live exporter's page: every counter's value now, continuing the imported history."""
    lines = [f"# TYPE {METRIC} counter"]
    for i in range(slos):
        for instance in range(INSTANCES):
            for code, rate in CODES.items():
                lines.append(f'{METRIC}{{slo="{slo_name(i)}",instance="i{instance}",code="{code}"}} '
                             f"{counter(rate, start, at)}")
    return "\n".join(lines) + "\n"


def history_start(end: int, window: int) -> int:
    return (end - window - 2 * 3600) // SCRAPE * SCRAPE


def history(workdir: Path, slos: int, window: int, end: int, recorded: Recorded, say=print) -> History:
    """Import N SLOs' counters (and the rule sets' recorded inputs) from end - window - 2h to `end`.

    One chunk per UTC day, so each import yields exactly one 24h block and no two blocks
    overlap (overlaps would keep Prometheus compacting while it is measured)."""
    data = workdir / f"tsdb-{slos}"
    data.mkdir(parents=True, exist_ok=True)
    start = history_start(end, window)
    days = range(start // DAY * DAY, end, DAY)
    chunks = [(max(lo, start), min(lo + DAY, end)) for lo in days]
    samples = slos * SERIES_PER_SLO * ((end - start) // SCRAPE)
    say(f"  writing {samples:,} raw samples ({slos} SLOs x {SERIES_PER_SLO} series, every {SCRAPE}s for "
        f"{(end - start) / DAY:.1f} days) and {len(recorded)} recorded series, in {len(chunks)} daily "
        "chunks, two imports at a time")
    started = time.monotonic()

    def one(index: int, lo: int, hi: int) -> None:
        source = workdir / f"chunk-{slos}-{index}.om"
        _chunk(source, slos, start, lo, hi, recorded)
        rule_backfill.import_file(source, data, workdir / f"blocks-{slos}-{index}")
        say(f"    chunk {index + 1}/{len(chunks)} imported ({time.monotonic() - started:.0f}s)")

    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(one, n, lo, hi) for n, (lo, hi) in enumerate(chunks)]:
            future.result()
    return History(slos=slos, start=start, end=end, data=data)
