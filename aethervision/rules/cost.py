"""What rules cost Prometheus: samples read per hour, estimated from the rules alone.

The exact figure comes from a Prometheus's query statistics (`aethervision cost`,
api/cost.py). Without one, each range selector `x[R]` is taken to read R over the
interval of x (its recording group's interval, or the scrape interval for raw
series) samples from one series, and each instant selector one sample; a rule
counts once per evaluation of its group. Real raw selectors match several series,
so the estimate is per series: it ranks changes, it does not price them.
"""

from __future__ import annotations

import re

from aethervision.core import durations

_RANGE = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{[^}]*\})?\s*\[((?:\d+(?:ms|[ywdhms]))+)\]")
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def _intervals(rule_docs, default: int) -> dict[str, int]:
    """Recorded series -> the interval of the group that records it."""
    out = {}
    for doc in rule_docs:
        for group in (doc or {}).get("groups", []):
            for rule in group.get("rules", []):
                if "record" in rule:
                    out[rule["record"]] = durations.parse(group.get("interval") or f"{default}s")
    return out


def rule_samples(expr: str, series_interval: dict[str, int], scrape: int) -> int:
    """Estimated samples one evaluation of `expr` reads."""
    text = _STRING.sub('""', expr)
    total = 0
    for name, window in _RANGE.findall(text):
        total += max(1, durations.parse(window) // series_interval.get(name, scrape))
    return total


def estimate(rule_docs, scrape: int = 15, evaluation: int = 30) -> int:
    """Estimated samples per hour of every rule in `rule_docs` (per raw series, see above)."""
    rule_docs = list(rule_docs)
    series_interval = _intervals(rule_docs, evaluation)
    total = 0.0
    for doc in rule_docs:
        for group in (doc or {}).get("groups", []):
            per_hour = 3600 / durations.parse(group.get("interval") or f"{evaluation}s")
            for rule in group.get("rules", []):
                total += rule_samples(str(rule.get("expr", "")), series_interval, scrape) * per_hour
    return round(total)
