"""From firing timelines to figures: detection, delay, lead time, noise, reset; precision and recall.

Definitions (minutes; the timeline has one point every engine.STEP minutes):
- an alert is a page (severity critical/page) or a ticket (warning/ticket);
  info alerts (AetherVision's ErrorBudgetExhausted state) are neither;
- an episode is a run of consecutive evaluations with a page (or a ticket) firing;
- detected: a notification (page or ticket) fires during the incident;
  for a scenario that exhausts the budget, before it is exhausted;
- delay: first notification (first page) minus the incident start;
- lead: exhaustion minus first notification (exact exhaustion from the counts);
- spent: share of the 30-day budget already spent at the first notification
  (and at the first page);
- false: episodes in a scenario that does not deserve a notification, and
  episodes that start more than RELAPSE minutes after the incident ended;
- reset: from the end of the incident until no page or ticket fires again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench.foresight.engine import STEP
from bench.foresight.policies import CLASS, PAGE, TICKET
from bench.foresight.scenarios import Scenario

RELAPSE = 60  # an episode starting later than this after the incident is not about it


@dataclass(frozen=True)
class Result:
    policy: str
    scenario: str
    worthy: bool
    exhausting: bool
    detected: bool | None  # None for scenarios that deserve no notification
    first_alert: int | None  # minutes from the incident start
    first_page: int | None
    lead: int | None  # minutes before exhaustion
    spent_at_first: float | None
    spent_at_first_page: float | None
    pages: int
    tickets: int
    false_pages: int
    false_tickets: int
    reset: int | None  # minutes after the incident end until quiet; None: nothing ever fired
    reset_open: bool  # still firing at the end of the scenario

    def as_dict(self) -> dict:
        return asdict(self)


def episodes(minutes: list[int]) -> list[tuple[int, int]]:
    """[start, last] runs of consecutive evaluation minutes."""
    runs: list[tuple[int, int]] = []
    for m in sorted(minutes):
        if runs and m - runs[-1][1] <= STEP:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    return runs


def evaluate(policy: str, scenario: Scenario, firing: dict[int, set[str]]) -> Result:
    start, end = scenario.incident
    by_class = {cls: [m for m, sev in firing.items() if m >= start and any(CLASS.get(s) == cls for s in sev)]
                for cls in (PAGE, TICKET)}
    notified = sorted(by_class[PAGE] + by_class[TICKET])
    exhausted = scenario.exhausted_at
    first = notified[0] if notified else None
    first_page = min(by_class[PAGE], default=None)
    deadline = min(end, exhausted) if exhausted is not None else end
    runs = {cls: episodes(by_class[cls]) for cls in (PAGE, TICKET)}

    def false(cls: str) -> int:
        if not scenario.worthy:
            return len(runs[cls])
        return sum(1 for s, _ in runs[cls] if s > end + RELAPSE)

    last = notified[-1] if notified else None
    return Result(
        policy=policy, scenario=scenario.name, worthy=scenario.worthy, exhausting=exhausted is not None,
        detected=(first is not None and first <= deadline) if scenario.worthy else None,
        first_alert=None if first is None else first - start,
        first_page=None if first_page is None else first_page - start,
        lead=(exhausted - first) if exhausted is not None and first is not None else None,
        spent_at_first=None if first is None else round(scenario.consumed(first), 4),
        spent_at_first_page=None if first_page is None else round(scenario.consumed(first_page), 4),
        pages=len(runs[PAGE]), tickets=len(runs[TICKET]),
        false_pages=false(PAGE), false_tickets=false(TICKET),
        reset=None if last is None else max(0, last + STEP - end),
        reset_open=last is not None and last + STEP > scenario.minutes,
    )


def summary(results: list[Result]) -> dict[str, dict]:
    """Per policy, over the suite: recall, precision, noise, worst reset."""
    out = {}
    for policy in dict.fromkeys(r.policy for r in results):
        mine = [r for r in results if r.policy == policy]
        worthy = [r for r in mine if r.worthy]
        episodes_all = sum(r.pages + r.tickets for r in mine)
        episodes_false = sum(r.false_pages + r.false_tickets for r in mine)
        closed = [r.reset for r in worthy if r.reset is not None and not r.reset_open]
        out[policy] = {
            "recall": round(sum(1 for r in worthy if r.detected) / len(worthy), 3) if worthy else None,
            "precision": round(1 - episodes_false / episodes_all, 3) if episodes_all else None,
            "detected": sum(1 for r in worthy if r.detected), "worthy": len(worthy),
            "false_pages": sum(r.false_pages for r in mine), "false_tickets": sum(r.false_tickets for r in mine),
            "episodes": episodes_all,
            "never_reset": [r.scenario for r in worthy if r.reset_open],
            "worst_reset": max(closed) if closed else None,
        }
    return out
