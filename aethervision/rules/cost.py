"""What rules cost Prometheus: samples read per hour, estimated from the rules alone.

The exact figure comes from a Prometheus's query statistics (`aethervision cost`,
review/cost.py). Without one, each range selector `x[R]` is taken to read R over the
interval of x (its recording group's interval, or the scrape interval for raw
series) samples from one series, and each instant selector one sample; a rule
counts once per evaluation of its group. Real raw selectors match several series,
so the estimate is per series: it ranks changes, it does not price them.
"""

from __future__ import annotations

from aethervision.core import defaults, durations
from aethervision.rules.graph import Graph

DEFAULT_INTERVAL = durations.parse(defaults.EVALUATION_INTERVAL)


def intervals(rule_docs, default: int = DEFAULT_INTERVAL) -> dict[str, int]:
    """Recorded series -> the interval of the group that records it."""
    g = Graph.of_docs(rule_docs, default)
    return {name: g.interval(name) for name in g.recorded}


def estimate(rule_docs, scrape: int = durations.parse(defaults.SCRAPE_INTERVAL),
             evaluation: int = DEFAULT_INTERVAL, series_interval: dict[str, int] | None = None) -> int:
    """Estimated samples per hour of every rule in `rule_docs` (per raw series, see above);
    `series_interval` when the docs are part of a rule set (recorded series -> interval)."""
    g = Graph.of_docs(rule_docs, evaluation)
    series_interval = {name: g.interval(name) for name in g.recorded} if series_interval is None else series_interval
    return round(sum(3600 / node.interval * sum(max(1, span // series_interval.get(name, scrape))
                                                for name, span in node.selectors)
                     for node in g.nodes))
