"""PromQL for each SLI kind: bad and total events per second over a window.

Every kind is reduced to the same two rates, so the rest of the family (ratios,
budget, runway, alerts) is written once:
  ratio    errors and total counters, as written in the spec;
  latency  total = increase of the histogram's _count, bad = total minus the increase
           of the bucket `le` = `below` (requests slower than the bound), both exact
           (samples now and one window ago; see latency_rates);
  probe    each sample of a 0/1 gauge is an event; every probe counts as one
           event a second, bad in proportion to its failed samples: total =
           number of probes, bad = sum of (1 - avg_over_time). The range is one
           second short of the window: Prometheus 2 ranges include their start,
           VictoriaMetrics' and Prometheus 3's do not, so a full window would
           average one more sample in one engine than in the other (11 against
           10 at one-minute probes over 10m); one second short, both select the
           same samples, and consecutive tiles do not share one.
  raw      the spec's error ratio itself as the "bad rate" against one event a
           second: a time-weighted ratio (there are no counts to weight it by).
Counter ranges are one second longer than the window (`closed`), so rate() reads the
same samples on Prometheus 2 and 3.
`group_by` keeps its labels on both rates (`sum by (...)`), so every series
derived from them is per group.
"""

from __future__ import annotations

import re
from decimal import Decimal

from aethervision.core import durations
from aethervision.core.model import SLI, SLO, SLIKind
from aethervision.promql.parse import metric_names, selector_matchers, selector_text

WINDOW = "$window"  # placeholder in raw SLIs, filled with each recorded window


def _go_float(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64), how Go client libraries write `le` (1e+06, 0.25, 1)."""
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + exponent  # digits before the decimal point
    x = point - 1
    if x < -4 or x >= 6:  # Go: shortest formatting switches to %e at exponent 6
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{mantissa}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return "0." + "0" * -point + text
    if point >= len(text):
        return text + "0" * (point - len(text))
    return text[:point] + "." + text[point:]


def le_spellings(below: float) -> list[str]:
    """Every way client libraries (and Prometheus 3's normalisation) write the bound `below`."""
    spellings = {_go_float(below), repr(float(below))}  # Go: 1, 0.25; Python/Java, Prometheus 3: 1.0
    if float(below).is_integer():
        spellings |= {str(int(below)), f"{int(below)}.0"}
    return sorted(spellings)


def le_matcher(below: float) -> str:
    """An `le` matcher that holds for the bound however it is spelled."""
    alternatives = "|".join(re.escape(s).replace("\\", "\\\\") for s in le_spellings(below))
    return f'le=~"{alternatives}"'


def _selector(metric: str, selector: str, *extra: str) -> str:
    matchers = [f'{label}{op}"{value}"' for label, op, value in selector_matchers(selector)[1]]
    return selector_text(metric, matchers + list(extra))


def latency_selectors(sli: SLI) -> tuple[str, str]:
    """(_count selector, _bucket selector at the bound); a native histogram's selector twice."""
    if sli.native:
        native = _selector(sli.histogram, sli.selector)
        return native, native
    return (_selector(f"{sli.histogram}_count", sli.selector),
            _selector(f"{sli.histogram}_bucket", sli.selector, le_matcher(sli.below)))


def native_rates(slo: SLO, window: str, engine: str = "prometheus") -> tuple[str, str]:
    """(slow, all) requests per second over `window` from a native histogram: the summed rate
    (a histogram per group), its count, and the share above `below` by histogram_fraction,
    exact where `below` is a bucket boundary and interpolated inside a bucket otherwise."""
    rate = f"{_sum(slo)}(rate({latency_selectors(slo.sli)[0]}[{closed(window, engine)}]))"
    return (f"histogram_count({rate}) * (1 - histogram_fraction(0, {slo.sli.below!r}, {rate}))",
            f"histogram_count({rate})")


def raw_query(sli: SLI, window: str) -> str:
    return sli.raw.replace(WINDOW, window)


def _sum(slo: SLO) -> str:
    return f"sum by ({', '.join(slo.group_by)}) " if slo.group_by else "sum"


def _no_errors_yet(slo: SLO, traffic: str) -> str:
    """`or` zero where the traffic is: an error counter that never incremented has no series
    yet, which means zero errors, not "no data". `traffic` is the recorded request rate (or
    tile) of the same evaluation, so a zero is recorded only where a request rate is: a
    series too new for a rate gives no errors figure rather than a zero that would dilute
    the long windows' averages (and it reads no raw series again)."""
    return f" or on({', '.join(slo.group_by)}) 0 * {traffic}"


def _left_open(window: str) -> str:
    """A range one second short of `window`: the same samples on every engine (see probe)."""
    return durations.format(durations.parse(window) - 1, weeks=False)


def closed(window: str, engine: str = "prometheus") -> str:
    """The range rate() reads for `window` so that it holds the sample at the window's start.

    Prometheus 3 made ranges left-open, so `[1h]` over samples that line up with the
    evaluation (promtool, backfills, backtests) drops the start sample and rate()
    extrapolates the rest; `[1h1s]` keeps it on 2.x and 3.x alike, and rate() extrapolating
    over that one second gives exactly the increase over the hour divided by the hour.
    MetricsQL's rate() already reads the last sample before its range, so for
    VictoriaMetrics `[1h]` is exact and `[1h1s]` would reach one scrape further back."""
    if engine == "victoriametrics":
        return window
    return durations.format(durations.parse(window) + 1, weeks=False)


def errors_rate(slo: SLO, window: str, engine: str = "prometheus", traffic: str = "") -> str:
    """Bad events per second over `window` (raw: the error ratio), for `engine` (see closed);
    `traffic`: the recorded request rate where a ratio SLI's missing error counter means 0."""
    sli, total = slo.sli, _sum(slo)
    if sli.kind is SLIKind.RATIO:
        return f"{total}(rate({sli.errors}[{closed(window, engine)}])){_no_errors_yet(slo, traffic)}"
    if sli.kind is SLIKind.LATENCY:
        return latency_rates(slo, window, engine)[0]
    if sli.kind is SLIKind.PROBE:
        return f"{total}(1 - avg_over_time({sli.probe}[{_left_open(window)}]))"
    # raw: `>= 0` drops NaN (0/0 when there is no traffic), which is "no data", not a ratio.
    return f"({raw_query(sli, closed(window, engine))}) >= 0"


def requests_rate(slo: SLO, window: str, recorded_errors: str, engine: str = "prometheus") -> str:
    """All events per second over `window`; raw SLIs count one event a second."""
    sli, total = slo.sli, _sum(slo)
    if sli.kind is SLIKind.RATIO:
        return f"{total}(rate({sli.total}[{closed(window, engine)}]))"
    if sli.kind is SLIKind.LATENCY:
        return latency_rates(slo, window, engine)[1]
    if sli.kind is SLIKind.PROBE:
        count = f"count by ({', '.join(slo.group_by)}) " if slo.group_by else "count"
        return f"{count}(avg_over_time({sli.probe}[{_left_open(window)}]))"
    return f"{recorded_errors} * 0 + 1"


def _delta(selector: str, window: str, wrap: str = "{}") -> str:
    """Each series' increase over the last `window` from its samples, without rate()'s
    extrapolation: consecutive tiles telescope to the exact increase, where rates of
    abutting windows miss or double the increments between them. After a reset the
    count starts from zero; a series absent `window` ago (new, or back from a scrape
    gap) adds nothing to this tile rather than its whole counter."""
    now, then = wrap.format(selector), wrap.format(f"{selector} offset {window}")  # offset binds to a selector
    return f"({now} - {then} >= 0 or {now} < {then})"


def latency_rates(slo: SLO, window: str, engine: str = "prometheus") -> tuple[str, str]:
    """(slow, all) requests per second over `window` from a classic histogram, as exact
    increases of the bucket at the bound and of `_count` (the samples now and `window` ago).

    Not rate(): Prometheus 3 rewrites `le="1"` as `le="1.0"` when it scrapes, so across the
    upgrade the bucket becomes a new series while `_count` goes on. rate() of the two bucket
    series would miss the requests of the restart gap and count them as slow (a phantom burn
    near 17 for an hour on a 99.9% SLO after a one-minute restart). `max without (le)` joins
    the spellings into one counter, and its increase over the window is whole."""
    if slo.sli.native:
        return native_rates(slo, window, engine)
    total, seconds = _sum(slo), durations.parse(window)
    count, bucket = latency_selectors(slo.sli)
    good = _delta(bucket, window, "max without (le) ({})")
    return (f"clamp_min({total}({_delta(count, window)}) - {total}({good}), 0) / {seconds}",
            f"{total}({_delta(count, window)}) / {seconds}")


def tile_rates(slo: SLO, window: str, seconds: int, recorded_errors: str, recorded_requests: str,
               engine: str = "prometheus") -> tuple[str, str]:
    """(bad, all) events per second over the last `window` for the slow group's tiles.

    Counter kinds use the exact per-tile increase (above); probes and raw SLIs have no
    counter, and use their rates over the tile as every other window does. The requests
    tile is recorded first: the errors tile is 0 only where it exists (_no_errors_yet)."""
    sli, total = slo.sli, _sum(slo)
    if sli.kind is SLIKind.RATIO:
        return (f"{total}({_delta(sli.errors, window)}) / {seconds}{_no_errors_yet(slo, recorded_requests)}",
                f"{total}({_delta(sli.total, window)}) / {seconds}")
    if sli.kind is SLIKind.LATENCY:
        return latency_rates(slo, window, engine)
    return errors_rate(slo, window, engine), requests_rate(slo, window, recorded_errors, engine)


def counted(slo: SLO, offset: str = "") -> tuple[str, str] | None:
    """(bad, all) events counted so far per group: the counters' values summed, `offset` ago
    when given. The long windows add the increase since the newest tile from these (exact
    windows at every evaluation, rules/slo.py); None where the SLI has no counter (probe, raw)."""
    sli, total = slo.sli, _sum(slo)
    at = f" offset {offset}" if offset else ""
    if sli.kind is SLIKind.RATIO:
        return f"{total}({sli.errors}{at})", f"{total}({sli.total}{at})"
    if sli.kind is not SLIKind.LATENCY:
        return None
    count, bucket = latency_selectors(sli)
    if sli.native:
        histogram = f"{total}({count}{at})"
        return (f"histogram_count({histogram}) * (1 - histogram_fraction(0, {sli.below!r}, {histogram}))",
                f"histogram_count({histogram})")
    every = f"{total}({count}{at})"
    return f"clamp_min({every} - {total}(max without (le) ({bucket}{at})), 0)", every


def counts_events(sli: SLI) -> bool:
    """False for raw SLIs: their rates are a ratio, so `min_errors` cannot apply."""
    return sli.kind is not SLIKind.RAW


def selectors(sli: SLI) -> dict[str, str]:
    """The SLI's series selectors by spec field (sli.errors, sli.latency, ...), to check and to list."""
    if sli.kind is SLIKind.RATIO:
        return {"sli.errors": sli.errors, "sli.total": sli.total}
    if sli.kind is SLIKind.LATENCY:
        count, bucket = latency_selectors(sli)
        return {"sli.latency": count} if sli.native else {"sli.latency": count, "sli.latency.below": bucket}
    if sli.kind is SLIKind.PROBE:
        return {"sli.probe": sli.probe}
    return {"sli.raw": raw_query(sli, "5m")}


def input_names(sli: SLI) -> set[str]:
    """Metric names the SLI reads from Prometheus."""
    names: set[str] = set()
    for text in selectors(sli).values():
        names |= metric_names(text)
    return names


def live_probes(slo: SLO) -> list[tuple[str, str, str]]:
    """(spec field, PromQL, what an empty result means) to ask a live Prometheus whether
    the SLI's series exist. The latency bound is checked apart (bucket_bounds)."""
    sli = slo.sli
    if sli.kind is SLIKind.RATIO:
        return [("sli.total", f"count({sli.total})", "no series: is the scrape job up, are the labels right?"),
                ("sli.errors", f"count({sli.errors})", "")]  # "" = may be absent: no error yet
    if sli.kind is SLIKind.LATENCY:
        count = latency_selectors(sli)[0]
        field = "sli.latency.native_histogram" if sli.native else "sli.latency.histogram"
        return [(field, f"count({count})", f"no series for {count}")]
    if sli.kind is SLIKind.PROBE:
        return [("sli.probe", f"count({sli.probe})", "no series: is the blackbox exporter scraped?")]
    return [("sli.raw", f"count({raw_query(sli, '5m')})", "the query returns nothing over 5m")]


def bucket_bounds(sli: SLI) -> str:
    """The `le` labels the histogram's buckets carry (query: one series per bound)."""
    return f"count by (le) ({_selector(f'{sli.histogram}_bucket', sli.selector)})"
