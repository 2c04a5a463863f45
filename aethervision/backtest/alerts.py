"""Alert episodes from an alert expression's answers at every evaluation, with `for` as Prometheus applies it.

promtool's rule backfill skips alerting rules, so the backtest asks the
temporary Prometheus for each alert expression over the range (at the alert
group's interval: the same instants a live Prometheus would evaluate) and
replays the alerting state machine of Prometheus 2.x per label set:
- the first evaluation that returns the label set makes the alert pending;
- it fires at the first evaluation at least `for` after it became pending
  (at once when `for` is 0);
- it resolves at the first evaluation that no longer returns it.
Labels are the expression's (without the metric name) plus the rule's, which win.
"""

from __future__ import annotations

from dataclasses import dataclass

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Episode:
    """One firing of one alert for one label set: [start, end) in Unix seconds."""
    alert: str
    severity: str
    labels: Labels  # the alert's labels, severity and alertname included
    pending: int  # first evaluation the expression held
    start: int  # first evaluation it fired
    end: int | None  # first evaluation it no longer held; None: still firing at the end of the range

    def until(self, end: int) -> int:
        return self.end if self.end is not None else end

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)


def alert_labels(result: dict[str, str], rule: dict) -> Labels:
    merged = {k: v for k, v in result.items() if k != "__name__"}
    merged.update(rule.get("labels", {}))
    merged["alertname"] = rule["alert"]
    return tuple(sorted(merged.items()))


def replay(rule: dict, held: dict[Labels, list[int]], start: int, end: int, step: int, for_: int) -> list[Episode]:
    """Episodes of `rule` given, per label set, the evaluation times (on the grid start + k*step,
    up to end) at which its expression returned that label set."""
    episodes = []
    for labels, times in held.items():
        runs: list[list[int]] = []
        for t in sorted(times):
            if runs and t - runs[-1][1] <= step:
                runs[-1][1] = t
            else:
                runs.append([t, t])
        for first, last in runs:
            fires = first + -(-for_ // step) * step  # the first evaluation at least `for` after pending
            if fires > last:
                continue
            resolved = last + step if last + step <= end else None
            episodes.append(Episode(rule["alert"], dict(labels).get("severity", ""), labels, first, fires, resolved))
    return sorted(episodes, key=lambda e: (e.start, e.alert, e.labels))
