"""`aethervision breach`: each SLO's runway as Prometheus records it now, with reasons for gaps."""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

from aethervision.clients.prometheus import Client
from aethervision.core import durations
from aethervision.core.model import SLO, Spec
from aethervision.promql import queries as q
from aethervision.promql import sli


@dataclass(frozen=True)
class Runway:
    """One SLO's (or one group's) recorded figures; None where Prometheus has no value."""
    slo: str
    service: str
    group: dict[str, str]  # the group_by labels of this runway; {} for an ungrouped SLO
    hours: float | None
    hours_1h: float | None
    hours_6h: float | None
    days: float | None
    budget_remaining: float | None
    burn_1h: float | None
    burn_6h: float | None
    budget_burn_1h: float | None  # errors against the window's average traffic (the runway's divisor)
    budget_burn_6h: float | None
    requests_per_second: float | None  # 1h rate of the SLI's total counter
    reason: str  # why runway figures are missing or capped; "" when they are real
    period_budget_spent: float | None = None  # calendar SLOs: the period so far (docs/periods.md)
    period_error_ratio: float | None = None
    period_end_seconds: float | None = None
    period_hours_to_breach: float | None = None
    period_hours_left: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def fetch(client: Client, spec: Spec) -> list[Runway]:
    """Query every SLO's runway series (a few instant queries per SLO), one Runway per group."""
    return [runway for slo in spec.slos for runway in _fetch_one(client, spec, slo)]


def _fetch_one(client: Client, spec: Spec, slo: SLO) -> list[Runway]:
    h1, h6 = q.RUNWAY_WINDOWS
    queries = {
        "hours": q.hours_to_breach(slo),
        "hours_1h": q.hours_to_breach(slo, h1),
        "hours_6h": q.hours_to_breach(slo, h6),
        "days": q.days_to_breach(slo),
        "budget_remaining": q.budget_remaining(slo),
        "burn_1h": q.burn_rate(slo, h1),
        "burn_6h": q.burn_rate(slo, h6),
        "budget_burn_1h": q.budget_burn(slo, h1),
        "budget_burn_6h": q.budget_burn(slo, h6),
        "requests_per_second": q.requests_rate(slo, h1),
    }
    if slo.calendar is not None:
        queries |= {f"period_{what}": q.period(slo, what)
                    for what in ("budget_spent", "error_ratio", "end_seconds", "hours_to_breach", "hours_left")}
    by_group: dict[tuple[str, ...], dict[str, float | None]] = {}
    for field, expr in queries.items():
        for sample in client.query(expr):
            key = tuple(sample.labels.get(label, "") for label in slo.group_by)
            value = None if math.isnan(sample.value) else sample.value
            by_group.setdefault(key, dict.fromkeys(queries))[field] = value
    if not by_group:  # nothing recorded at all: one runway of gaps, with the reason
        by_group[tuple("" for _ in slo.group_by)] = dict.fromkeys(queries)
    return [Runway(slo=slo.name, service=slo.service, group=dict(zip(slo.group_by, key)),
                   reason=_reason(spec, slo, values), **values)
            for key, values in sorted(by_group.items())]


def _reason(spec: Spec, slo: SLO, v: dict) -> str:
    if v["requests_per_second"] is None:
        inputs = ", ".join(sorted(sli.input_names(slo.sli)))
        return (f"no SLI data yet: Prometheus has no samples of {inputs} "
                "(is its scrape job up? a fresh Prometheus needs a few minutes)")
    if v["hours"] is None:
        if v["requests_per_second"] == 0:
            return "no traffic in the last hour, so no burn rate to project"
        return f"runway pending: the SLI has data; {first_runway(spec)}"
    if v["budget_remaining"] == 0:
        return "error budget exhausted: the SLO is already breached over its window"
    if v["hours"] >= spec.runway.cap_hours:
        return f"no burn: runway at or above the {spec.runway.cap_hours / 24:g}-day cap"
    return ""


def _hours(value: float | None, cap_hours: float) -> str:
    if value is None:
        return "n/a"
    if value >= cap_hours:
        return "no burn"
    return f"{value:.1f} h"


def _burns(*values: float | None) -> str:
    return " · ".join(f"{w} {'n/a' if b is None else f'{b:.2f}x'}" for w, b in zip(q.RUNWAY_WINDOWS, values))


def render(runways: list[Runway], spec: Spec, source: str) -> str:
    """Plain-text report, one block per SLO."""
    cap = spec.runway.cap_hours
    lines = [f"AetherVision runway · {source}", ""]
    slos = {slo.name: slo for slo in spec.slos}
    for r in runways:
        slo = slos[r.slo]
        group = "".join(f" {k}={v}" for k, v in r.group.items())
        lines.append(f"{slo.name}{group} ({slo.service}): {slo.title}, objective {slo.objective * 100:g}%"
                     f" over {slo.window}, {slo.sli.kind} SLI")
        days = "n/a" if r.days is None else ("no burn" if r.hours and r.hours >= cap else f"{r.days:.2f} d")
        lines.append(f"  days to breach      {days}")
        lines.append(f"  hours to breach     {q.runway_label(spec)} {_hours(r.hours, cap)} · 1h burn "
                     f"{_hours(r.hours_1h, cap)} · 6h burn {_hours(r.hours_6h, cap)}")
        budget = "n/a" if r.budget_remaining is None else f"{r.budget_remaining:.1%}"
        lines.append(f"  error budget left   {budget}")
        lines.append(f"  burn rate           {_burns(r.burn_1h, r.burn_6h)}")
        lines.append(f"  budget burn         {_burns(r.budget_burn_1h, r.budget_burn_6h)}")
        if slo.calendar is not None:
            lines.append(f"  {slo.calendar.period} ({slo.calendar.timezone}) " + _period(r, cap))
        if r.reason:
            lines.append(f"  note                {r.reason}")
        lines.append("")
    return "\n".join(lines)


def _period(r: Runway, cap: float) -> str:
    """The calendar period so far: budget spent, its end, and whether the budget lasts until then."""
    if r.period_budget_spent is None or r.period_end_seconds is None:
        return "no period figures yet (recorded every slow interval once the period has traffic)"
    ends = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(r.period_end_seconds))
    text = f"spent {r.period_budget_spent:.1%} of its budget, ends {ends}"
    if r.period_hours_to_breach is not None and r.period_hours_left is not None:
        lasts = r.period_hours_to_breach >= r.period_hours_left
        text += (f" ({r.period_hours_left:.0f} h left): " + ("the budget lasts the period" if lasts else
                 f"the budget runs out in {_hours(r.period_hours_to_breach, cap)}, before the period ends"))
    return text


def first_runway(spec: Spec) -> str:
    """When a new SLI's (or group's) first runway is recorded, from the spec's intervals: the
    first tile needs one tile of samples, the slow group records it at its next evaluation,
    the fast group reads it at its next one."""
    r = spec.rules
    bound = durations.format(2 * r.long_interval_seconds + r.interval_seconds)
    return (f"the first runway is recorded within {bound} of its first sample (a {r.long_interval} tile of "
            f"samples, the slow group's next evaluation every {r.long_interval}, then the fast group's every "
            f"{r.interval})")
