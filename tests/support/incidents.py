"""A payment history with known incidents, and the alerts it should raise, computed from the counts.

The counts are per minute (requests and errors of crm_payments_total). The
expected alerts come from the default policy's documented conditions
(docs/alerts.md) evaluated on exact window sums of those counts, not from the
generated rules: a burn is errors in the window over the window's share of the
30-day requests, divided by the budget; the budget left is 1 - the 30-day error
ratio over the budget; the runway is budget left x window hours / burn.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

from aethervision.core import durations
from aethervision.core.model import Spec

MINUTE, HOUR, DAY = 60, 3600, 86400
RPM = 1000  # requests per minute
BASE_ERRORS = 1  # per minute: 0.1% errors, a tenth of the 1% budget


@dataclass(frozen=True)
class Incident:
    name: str
    start: int  # minute from the history's start
    minutes: int
    errors: int  # per minute
    requests: int = RPM


def incidents(backtest_from: int) -> list[Incident]:
    """The four situations of the issue, at fixed days into the backtested range (14 days or more)."""
    d = backtest_from // MINUTE
    return [
        Incident("sharp outage", d + 1 * 1440 + 600, 60, 400),  # 40% errors for an hour
        Incident("slow burn", d + 3 * 1440, 4 * 1440, 25),  # 2.5% errors for four days
        # four days later: the 3d ticket window has left the slow burn behind
        Incident("blip", d + 11 * 1440 + 300, 2, RPM),  # every request fails for two minutes
        Incident("quiet night", d + 12 * 1440 + 60, 360, 0, 2),  # 2 requests a minute, no errors
    ]


def counts(total_minutes: int, backtest_from: int) -> tuple[list[int], list[int]]:
    requests, errors = [RPM] * total_minutes, [BASE_ERRORS] * total_minutes
    for i in incidents(backtest_from):
        for m in range(i.start, i.start + i.minutes):
            requests[m], errors[m] = i.requests, i.errors
    return requests, errors


def openmetrics(start: int, requests: list[int], errors: list[int]) -> str:
    """The two counters, one sample a minute (minute m's counts are in the sample at m + 1)."""
    lines = []
    for status, increments in (("success", [r - e for r, e in zip(requests, errors)]), ("failed", errors)):
        total = 0
        for m, inc in enumerate(increments):
            total += inc
            lines.append(f'crm_payments_total{{status="{status}"}} {total} {start + (m + 1) * MINUTE}')
    return "\n".join(lines) + "\n# EOF\n"


@dataclass(frozen=True)
class Expected:
    alert: str
    severity: str
    start: int  # Unix seconds
    end: int | None


class Policy:
    """The default policy's alerts over exact per-minute counts, evaluated every `step` seconds."""

    def __init__(self, spec: Spec, start: int, requests: list[int], errors: list[int]):
        self.spec, self.start = spec, start
        self.req = [0, *accumulate(requests)]
        self.err = [0, *accumulate(errors)]
        (self.slo,) = spec.slos
        self.window = self.slo.window_seconds

    def _sum(self, prefix: list[int], t: int, seconds: int) -> int:
        m = (t - self.start) // MINUTE
        return prefix[m] - prefix[max(0, m - seconds // MINUTE)]

    def state(self, t: int, step: int = 30) -> dict[str, bool]:
        budget, hours = self.slo.error_budget, self.window / HOUR
        hold = self.spec.runway.hold_seconds

        def left(at: int) -> float:
            return max(0.0, 1 - self._sum(self.err, at, self.window) / self._sum(self.req, at, self.window) / budget)

        def burn(w: str, at: int = t) -> float:
            s = durations.parse(w)
            return (self._sum(self.err, at, s) / s) / (self._sum(self.req, at, self.window) / self.window) / budget

        def errors(w: str) -> int:
            return self._sum(self.err, t, durations.parse(w))

        def enough(long: str, short: str) -> bool:
            """min_errors in the long window, and two failures (at most min_errors) in the short."""
            n = self.spec.runway.min_errors
            return not n or (errors(long) >= n and errors(short) >= min(n, 2))

        def runway(w: str, at: int = t) -> float:
            b = burn(w, at)
            return 0.0 if left(at) == 0 else min(left(at) * hours / b, 8760) if b > 0 else 8760

        def held(w: str) -> list[int]:
            """The evaluations a short window is read at: now, and back over what the hold adds to
            it (runway.hold; a range excludes its start, as Prometheus 3's do)."""
            extra = hold - durations.parse(w)
            return [t - k * step for k in range(max(1, -(-extra // step)))] if extra > 0 else [t]

        runway_pairs = (("1h", "10m"), ("6h", "30m"))
        out = {}
        for alert, name in ((self.spec.runway.warning, "PredictedBreachSoon"),
                            (self.spec.runway.critical, "PredictedBreachCritical")):
            below = alert.below_hours
            out[name] = left(t) > 0 and any(
                runway(long) < below and min(runway(short, at) for at in held(short)) < below
                and max(burn(short, at) for at in held(short)) > 1
                and enough(long, short) for long, short in runway_pairs)
        for tiers, name in ((self.spec.runway.page_tiers, "ErrorBudgetFastBurn"),
                            (self.spec.runway.ticket_tiers, "ErrorBudgetSlowBurn")):
            out[name] = any(burn(w.long) > w.factor and max(burn(w.short, at) for at in held(w.short)) > w.factor
                            and enough(w.long, w.short) for w in tiers)
        out["ErrorBudgetExhausted"] = left(t) == 0
        return out

    def episodes(self, start: int, end: int, step: int) -> list[Expected]:
        severity = {"PredictedBreachSoon": "warning", "PredictedBreachCritical": "critical",
                    "ErrorBudgetFastBurn": "critical", "ErrorBudgetSlowBurn": "warning",
                    "ErrorBudgetExhausted": "info"}
        hold = {"PredictedBreachSoon": self.spec.runway.warning.for_,
                "PredictedBreachCritical": self.spec.runway.critical.for_}
        since: dict[str, int | None] = dict.fromkeys(severity)
        firing: dict[str, int] = {}
        found = []
        for t in range(start, end + 1, step):
            for name, holds in self.state(t, step).items():
                if holds:
                    since[name] = since[name] if since[name] is not None else t
                    if name not in firing and t - since[name] >= durations.parse(hold.get(name, "0s")):
                        firing[name] = t
                else:
                    since[name] = None
                    if name in firing:
                        found.append(Expected(name, severity[name], firing.pop(name), t))
        found += [Expected(n, severity[n], t, None) for n, t in firing.items()]
        return sorted(found, key=lambda e: (e.start, e.alert))
