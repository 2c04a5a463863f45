"""SLO runway panel pieces: the headline days-to-breach stat, and what every runway chart shares."""

from __future__ import annotations

from grafanalib.core import Stat

from aethervision.core.model import Spec
from aethervision.panels.common import DATASOURCE, range_map, steps, steps_from, targets
from aethervision.promql import queries as q

DAYS_TO_BREACH_TITLE = "🧭 Days to Breach (Conservative)"
RUNWAY_TITLE = "Runway to Breach (hours) — 1h vs 6h"
NO_DATA = "No SLI data yet"


def no_burn(spec: Spec, per_hour: float, text: str | None = None) -> dict:
    """Mapping for capped runways: the rules record the cap when nothing burns."""
    cap = spec.runway.cap_hours / per_hour
    return range_map(cap, None, text or f"No burn (≥ {spec.runway.cap_seconds // 86400} d)", "green")


def runway_thresholds(spec: Spec) -> list:
    """The runway alert thresholds as chart lines: critical, then warning."""
    rw = spec.runway
    return steps("red", (rw.critical.below_hours, "orange"), (rw.warning.below_hours, "green"))


def days_to_breach(spec: Spec) -> Stat:
    """The headline stat: worst (shortest) runway in days over all SLOs."""
    pairs = [(t.color, t.value) for t in spec.runway.days_to_breach_thresholds]
    return Stat(
        title=DAYS_TO_BREACH_TITLE,
        description=f"Days until the error budget is exhausted at the current pace "
                    f"({q.runway_meaning(spec)}; worst SLO).",
        dataSource=DATASOURCE,
        targets=targets([(q.DAYS_TO_BREACH, "days to breach")]),
        format="d", decimals=1, reduceCalc="lastNotNull", graphMode="area",
        thresholds=steps_from(pairs), noValue=NO_DATA,
        mappings=[no_burn(spec, 24)],
    )
