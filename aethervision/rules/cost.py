"""What rules cost Prometheus: samples read per hour, estimated from the rules alone.

The exact figure comes from a Prometheus's query statistics (`aethervision cost`,
api/cost.py). Without one, each range selector `x[R]` is taken to read R over the
interval of x (its recording group's interval, or the scrape interval for raw
series) samples from one series, and each instant selector one sample; a rule
counts once per evaluation of its group. Real raw selectors match several series,
so the estimate is per series: it ranks changes, it does not price them.
"""

from __future__ import annotations

from aethervision.core import defaults, durations
from aethervision.promql.parse import ranges

DEFAULT_INTERVAL = durations.parse(defaults.EVALUATION_INTERVAL)


def group_seconds(group: dict, default: int = DEFAULT_INTERVAL) -> int:
    """A rule group's interval; files from before groups stated one take the default."""
    return durations.parse(group["interval"]) if group.get("interval") else default


def intervals(rule_docs, default: int = DEFAULT_INTERVAL) -> dict[str, int]:
    """Recorded series -> the interval of the group that records it."""
    return {rule["record"]: group_seconds(group, default) for doc in rule_docs
            for group in (doc or {}).get("groups", []) for rule in group.get("rules", []) if "record" in rule}


def rule_samples(expr: str, series_interval: dict[str, int], scrape: int) -> int:
    """Estimated samples one evaluation of `expr` reads."""
    return sum(max(1, durations.parse(window) // series_interval.get(name, scrape))
               for name, window in ranges(expr))


def estimate(rule_docs, scrape: int = durations.parse(defaults.SCRAPE_INTERVAL),
             evaluation: int = DEFAULT_INTERVAL, series_interval: dict[str, int] | None = None) -> int:
    """Estimated samples per hour of every rule in `rule_docs` (per raw series, see above);
    `series_interval` when the docs are part of a rule set (recorded series -> interval)."""
    rule_docs = list(rule_docs)
    series_interval = intervals(rule_docs, evaluation) if series_interval is None else series_interval
    total = 0.0
    for doc in rule_docs:
        for group in (doc or {}).get("groups", []):
            per_hour = 3600 / group_seconds(group, evaluation)
            for rule in group.get("rules", []):
                total += rule_samples(str(rule.get("expr", "")), series_interval, scrape) * per_hour
    return round(total)
