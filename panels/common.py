"""Shared panel building blocks: datasource, targets, thresholds, mappings."""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence

from grafanalib.core import Target, Threshold

# Every query goes through the dashboard's datasource variable, so the JSON
# works with whichever Prometheus datasource the viewer picks.
DATASOURCE_VARIABLE = "datasource"
DATASOURCE = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}


def targets(queries: Iterable[tuple[str, str]]) -> list[Target]:
    """(expr, legend) pairs to targets with refIds A, B, C, ..."""
    return [
        Target(expr=expr, legendFormat=legend, refId=ref, datasource=DATASOURCE)
        for (expr, legend), ref in zip(queries, string.ascii_uppercase)
    ]


def steps(base: str, *above: tuple[float, str]) -> list[Threshold]:
    """Threshold steps: a base colour, then (value, colour) in ascending order."""
    out = [Threshold(base, 0, 0.0)]  # the builder turns the base into value null
    out += [Threshold(color, i, float(value)) for i, (value, color) in enumerate(above, 1)]
    return out


def steps_from(pairs: Sequence[tuple[str, float]]) -> list[Threshold]:
    """Spec thresholds [(colour, value), ...]: the first is the base."""
    (base, _), rest = pairs[0], pairs[1:]
    return steps(base, *((value, color) for color, value in rest))


def value_map(mapping: dict[str, tuple[str, str]]) -> dict:
    """{value: (text, colour)} to a Grafana value mapping."""
    return {
        "type": "value",
        "options": {
            value: {"text": text, "color": color, "index": i}
            for i, (value, (text, color)) in enumerate(mapping.items())
        },
    }


def range_map(low: float | None, high: float | None, text: str, color: str, index: int = 0) -> dict:
    """Values in [low, high] (None = unbounded) display as text."""
    return {"type": "range",
            "options": {"from": low, "to": high, "result": {"text": text, "color": color, "index": index}}}
