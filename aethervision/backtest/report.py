"""What a rule set's alerts did over the history: episodes, pages, tickets and incidents per SLO.

Definitions (the backtest's vocabulary; docs/backtest.md repeats them):
- an alert's class is its Alertmanager route: critical pages, warning opens a
  ticket, info is quiet (ops.alertmanager.RECEIVERS);
- an episode is one alert firing for one label set, from its first firing
  evaluation to the first evaluation it no longer holds;
- an incident is a run of page or ticket episodes of one SLO (and group) with
  less than INCIDENT_GAP between one's end and the next's start;
- budget spent at the first notification is 1 - the SLO's recorded
  error_budget_remaining at that evaluation; the lead is the time from the first
  notification to the first evaluation with no budget left, if the budget ran
  out before the next incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aethervision.backtest.alerts import Episode, Labels
from aethervision.configs.alertmanager import RECEIVERS
from aethervision.core import forecast

INCIDENT_GAP = 3600
WEEK = 7 * 86400


def notify_class(severity: str) -> str:
    """page, ticket or quiet: the receiver the generated Alertmanager config routes it to."""
    return {"page": "page", "ticket": "ticket"}.get(severity, RECEIVERS.get(severity, "quiet"))


@dataclass(frozen=True)
class Incident:
    start: int  # first notification
    end: int | None  # last notification's end; None: still open at the end of the range
    first_page: int | None
    pages: int
    tickets: int
    spent_at_first: float | None  # share of the budget spent at the first notification
    exhausted: int | None  # first evaluation with no budget left, during the incident
    first_class: str = "ticket"

    @property
    def lead(self) -> int | None:
        return None if self.exhausted is None else self.exhausted - self.start


@dataclass(frozen=True)
class Summary:
    """One SLO (and group) under one rule set."""
    slo: str
    group: Labels  # the SLO's group_by labels; () for an ungrouped SLO
    episodes: tuple[Episode, ...]
    incidents: tuple[Incident, ...]
    pages: int
    tickets: int
    paging_seconds: int
    forecast: dict = field(default_factory=dict)  # core.forecast.summary of the runway against the budget

    @property
    def key(self) -> tuple[str, Labels]:
        return self.slo, self.group


@dataclass(frozen=True)
class Result:
    rules: str  # "head" or the base ref
    start: int
    end: int
    summaries: tuple[Summary, ...]
    seconds: float = 0.0
    facts: dict = field(default_factory=dict)

    @property
    def weeks(self) -> float:
        return (self.end - self.start) / WEEK


def _union_seconds(spans: list[tuple[int, int]]) -> int:
    total, reach = 0, None
    for lo, hi in sorted(spans):
        if reach is None or lo > reach:
            total += hi - lo
            reach = hi
        elif hi > reach:
            total += hi - reach
            reach = hi
    return total


def _incidents(episodes: list[Episode], remaining: list[tuple[int, float]], end: int) -> list[Incident]:
    notifying = sorted((e for e in episodes if notify_class(e.severity) != "quiet"), key=lambda e: e.start)
    runs: list[list[Episode]] = []
    for e in notifying:
        if runs and e.start - max(x.until(end) for x in runs[-1]) < INCIDENT_GAP:
            runs[-1].append(e)
        else:
            runs.append([e])
    left = dict(remaining)
    out = []
    for i, run in enumerate(runs):
        first = run[0].start
        until = runs[i + 1][0].start if i + 1 < len(runs) else end + 1
        exhausted = next((t for t, v in remaining if first <= t < until and v <= 0), None)
        pages = [e for e in run if notify_class(e.severity) == "page"]
        ends = [e.end for e in run]
        out.append(Incident(
            start=first, end=None if None in ends else max(ends),
            first_page=min((e.start for e in pages), default=None), pages=len(pages),
            tickets=len(run) - len(pages),
            spent_at_first=None if first not in left else round(1 - left[first], 4), exhausted=exhausted,
            first_class=notify_class(run[0].severity)))
    return out


def _of_group(series: dict[Labels, list], group: Labels) -> list:
    return next((points for labels, points in series.items() if all(dict(labels).get(k) == v for k, v in group)), [])


def summarise(rules: str, episodes: tuple[Episode, ...], remaining: dict[str, dict[Labels, list]],
              group_by: dict[str, tuple[str, ...]], start: int, end: int, seconds: float = 0.0,
              facts: dict | None = None, runway: dict[str, dict[Labels, list]] | None = None,
              cap_seconds: float = 0.0) -> Result:
    """Per SLO and group: its episodes, counts and incidents. `group_by` names every SLO reported."""
    by_key: dict[tuple[str, Labels], list[Episode]] = {}
    for e in episodes:
        labels = e.label_map
        slo = labels.get("slo", "")
        if slo in group_by:
            group = tuple((k, labels[k]) for k in group_by[slo] if k in labels)
            by_key.setdefault((slo, group), []).append(e)
    for slo, keys in group_by.items():  # every SLO (and group seen in its budget) gets a line
        for labels in remaining.get(slo, {}) or [()]:
            found = dict(labels)
            by_key.setdefault((slo, tuple((k, found[k]) for k in keys if k in found)), [])
    summaries = []
    for (slo, group), found in sorted(by_key.items()):
        found.sort(key=lambda e: (e.start, e.alert, e.labels))
        budget = _of_group(remaining.get(slo, {}), group)
        hours = _of_group((runway or {}).get(slo, {}), group)
        scored = forecast.score_series([(t, h * 3600) for t, h in hours], budget, end, cap_seconds)
        pages = [e for e in found if notify_class(e.severity) == "page"]
        summaries.append(Summary(
            slo, group, tuple(found), tuple(_incidents(found, budget, end)), len(pages),
            sum(1 for e in found if notify_class(e.severity) == "ticket"),
            _union_seconds([(max(e.start, start), e.until(end)) for e in pages]),
            forecast.summary(scored) if hours else {}))
    return Result(rules, start, end, tuple(summaries), seconds, facts or {})
