"""Prometheus duration strings ("1h30m", "30d") to seconds and back."""

from __future__ import annotations

import re
from functools import lru_cache

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)(ms|[ywdhms])")
PATTERN = r"^([0-9]+(ms|[ywdhms]))+$"


@lru_cache(maxsize=1024)  # a large spec parses the same few windows tens of thousands of times
def parse(text: str) -> int:
    """Return whole seconds for a Prometheus duration; ValueError if malformed."""
    pos, total = 0, 0
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        number, unit = int(match.group(1)), match.group(2)
        total += number // 1000 if unit == "ms" else number * _UNITS[unit]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 15m, 6h, 30d)")
    return total


@lru_cache(maxsize=1024)
def format(seconds: int, weeks: bool = True) -> str:  # noqa: A001 - mirrors parse()
    """Shortest Prometheus duration for whole seconds (86400 -> "1d"); weeks=False for
    spans people read in days (29d23h57m30s rather than 4w1d23h57m30s)."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit in ("w", "d", "h", "m", "s") if weeks else ("d", "h", "m", "s"):
        size = _UNITS[unit]
        if seconds >= size:
            count, seconds = divmod(seconds, size)
            parts.append(f"{count}{unit}")
    return "".join(parts)
