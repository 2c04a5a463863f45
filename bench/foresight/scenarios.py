"""Benchmark scenarios: per-minute request and error counts, and their exact budget.

Every scenario starts after 31 days of its own healthy history, so the 30-day
window is full when the incident starts (minute T0). Counts are whole numbers
per minute, so the counters promtool expands are exact. The budget figures here
come straight from the counts, not from any rule: the error budget consumed at
minute t is errors / (B * requests) over the 30 days ending at t, and the
budget is exhausted at the first minute it reaches 1.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate

MINUTE, HOUR, DAY = 1, 60, 1440  # in minutes
WINDOW = 30 * DAY
T0 = 31 * DAY
OBJECTIVE = 0.99
BUDGET = 1 - OBJECTIVE
RPM = 10_000  # requests per minute in the steady scenarios (~167/s)
# An incident that spends at least this share of the 30-day budget deserves a
# notification; below it, a page or ticket is a false alarm. 10% is the SRE
# Workbook's smallest budget spend worth acting on (a ticket: 10% in 3 days).
WORTHY_SHARE = 0.10


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    requests: tuple[int, ...]  # per minute, from minute 0
    errors: tuple[int, ...]
    incident: tuple[int, int]  # [start, end) minutes of the injected event (the tail for noise)

    @property
    def minutes(self) -> int:
        return len(self.requests)

    @cached_property
    def _sums(self) -> tuple[list[int], list[int]]:
        """Prefix sums of requests and errors: window totals in constant time."""
        return [0, *accumulate(self.requests)], [0, *accumulate(self.errors)]

    def consumed(self, t: int) -> float:
        """Share of the 30-day budget spent in the window ending at minute t (may exceed 1)."""
        req, err = self._sums
        lo = max(0, t - WINDOW)
        requests = req[t] - req[lo]
        return (err[t] - err[lo]) / (BUDGET * requests) if requests else 0.0

    @cached_property
    def exhausted_at(self) -> int | None:
        """First minute at or after the incident start with the whole budget spent."""
        # 1e-9: BUDGET is 1 - 0.99 in floating point (0.01000...0009), so a budget spent to the
        # event would read 0.9999999999999991 and the exhaustion a minute late.
        return next((t for t in range(self.incident[0], self.minutes + 1) if self.consumed(t) >= 1 - 1e-9), None)

    @property
    def incident_share(self) -> float:
        """Errors during the incident as a share of the budget at its start."""
        start, end = self.incident
        budget = BUDGET * sum(self.requests[max(0, start - WINDOW):start])
        return sum(self.errors[start:end]) / budget

    @property
    def worthy(self) -> bool:
        """Ground truth: this scenario deserves a notification."""
        return self.exhausted_at is not None or self.incident_share >= WORTHY_SHARE


# -- building blocks ---------------------------------------------------------------
Segment = tuple[list[int], list[int]]


def steady(minutes: int, ratio: float, rpm: int = RPM) -> Segment:
    errors = ratio * rpm
    if abs(errors - round(errors)) > 1e-9:
        raise ValueError(f"{ratio} of {rpm} requests per minute is not a whole number")
    return [rpm] * minutes, [round(errors)] * minutes


def join(*segments: Segment) -> tuple[tuple[int, ...], tuple[int, ...]]:
    requests, errors = [], []
    for r, e in segments:
        requests += r
        errors += e
    return tuple(requests), tuple(errors)


def _scenario(name: str, what: str, tail: list[Segment], history: Segment | None = None,
              incident_minutes: int | None = None) -> Scenario:
    """History then the tail; the incident is the tail's first segment (or `incident_minutes`)."""
    requests, errors = join(history or steady(T0, 0.001), *tail)
    length = incident_minutes if incident_minutes is not None else len(tail[0][0])
    return Scenario(name, what, requests, errors, (T0, T0 + length))


def _flapping(cycles: int, bad: int, good: int, ratio: float) -> Segment:
    requests, errors = [], []
    for _ in range(cycles):
        for r, e in (steady(bad, ratio), steady(good, 0.001)):
            requests += r
            errors += e
    return requests, errors


def _low_traffic(minutes: int, failures: set[int], start: int = 0) -> Segment:
    """One request every 5 minutes; the requests at `failures` (minutes) fail."""
    requests = [1 if (start + m) % 5 == 0 else 0 for m in range(minutes)]
    errors = [1 if (start + m) in failures and requests[m] else 0 for m in range(minutes)]
    return requests, errors


def _daily(m: int) -> float:
    """Requests per minute over the day: 24 at 02:00 to 1800 at 14:00."""
    return 60 * (15.2 - 14.8 * math.cos(2 * math.pi * ((m % DAY) - 2 * HOUR) / DAY))


def _diurnal(minutes: int, errors_per_minute: int = 5) -> Segment:
    """Traffic from 24 requests per minute at 02:00 to 1800 at 14:00; errors constant."""
    return [round(_daily(m)) for m in range(minutes)], [errors_per_minute] * minutes


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count: Knuth's product of uniforms up to a mean of 30, above it the normal
    approximation (rounded, never negative), whose error there is under 1% of a count."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k, product = k + 1, product * rng.random()
    return k


def noisy(minutes: int, rpm: float | None, ratio: float, rng: random.Random, start: int = 0) -> Segment:
    """Poisson requests around `rpm` a minute (None: the diurnal curve), each failing with
    probability `ratio` (errors Poisson around requests x ratio, at most the requests)."""
    requests = [poisson(rng, rpm if rpm is not None else _daily(start + m)) for m in range(minutes)]
    return requests, [min(r, poisson(rng, r * ratio)) for r in requests]


QUIET_DAYS = 7  # a noisy scenario without incident runs a week: false pages per week


def _noisy(name: str, rpm: float | None, what: str, incident: tuple[int, float] | None, seed: int) -> Scenario:
    """31 days of noise at 0.1% errors, then a week of it (incident None) or the incident
    (minutes, error ratio) and a day of recovery."""
    rng = random.Random(seed)
    history = noisy(T0, rpm, 0.001, rng)
    if incident is None:
        return _scenario(name, what, [noisy(QUIET_DAYS * DAY, rpm, 0.001, rng, T0)], history=history)
    minutes, ratio = incident
    return _scenario(name, what, [noisy(minutes, rpm, ratio, rng, T0), noisy(DAY, rpm, 0.001, rng, T0 + minutes)],
                     history=history)


def noisy_scenarios() -> list[Scenario]:
    """Poisson traffic at 2, 60 and 10,000 requests a minute and on the diurnal curve, each quiet
    for a week and with an incident worth a notification (fixed seeds: the same counts every run)."""
    out = []
    for n, (level, rpm, incident, told) in enumerate((
            ("low", 2, (4 * HOUR, 0.5), "4 hours at 50% errors"),
            ("medium", 60, (12 * HOUR, 0.1), "12 hours at 10% errors"),
            ("high", 10_000, (HOUR, 1.0), "1 hour of 100% errors"),
            ("diurnal", None, (12 * HOUR, 0.1), "12 hours at 10% errors from midnight"))):
        traffic = "24 to 1800 (diurnal)" if rpm is None else f"{rpm:,}"
        out.append(_noisy(f"noisy_{level}_quiet", rpm, f"Poisson, {traffic} requests a minute at 0.1% errors, "
                          f"for {QUIET_DAYS} days", None, 2 * n))
        out.append(_noisy(f"noisy_{level}", rpm, f"Poisson, {traffic} requests a minute: {told}",
                          incident, 2 * n + 1))
    return out


def all_scenarios() -> list[Scenario]:
    healthy = 0.001  # burn 0.1
    return [
        _scenario("blip", "5 minutes at 40% errors (burn 40), then healthy",
                  [steady(5, 0.4), steady(6 * HOUR, healthy)]),
        _scenario("sharp_outage", "1 hour of 100% errors (burn 100), then healthy",
                  [steady(HOUR, 1.0), steady(12 * HOUR, healthy)]),
        _scenario("outage_exhausts", "8 hours of 100% errors: the budget runs out after ~6.5h",
                  [steady(8 * HOUR, 1.0), steady(24 * HOUR, healthy)]),
        _scenario("fast_burn", "36 hours at 20% errors (burn 20): exhausted after ~33h",
                  [steady(36 * HOUR, 0.2), steady(12 * HOUR, healthy)]),
        _scenario("slow_burn", "4 days at 2.5% errors (burn 2.5): a third of the budget",
                  [steady(4 * DAY, 0.025), steady(12 * HOUR, healthy)]),
        _scenario("spent_then_mild", "30 days at burn 0.85 (15% left), then 3 days at burn 2.5",
                  [steady(3 * DAY, 0.025), steady(12 * HOUR, healthy)], history=steady(T0, 0.0085)),
        _scenario("recovery_after_exhaustion", "18 hours at 40% errors (exhausted after ~16h), then healthy",
                  [steady(18 * HOUR, 0.4), steady(24 * HOUR, healthy)]),
        _scenario("flapping", "12 hours of 10 minutes at 50% errors / 20 minutes healthy",
                  [_flapping(24, 10, 20, 0.5), steady(12 * HOUR, healthy)]),
        _scenario("low_traffic", "12 requests an hour; three pairs of failures within an hour",
                  [_low_traffic(2 * DAY, {T0 + m for m in (6 * HOUR, 6 * HOUR + 25, 24 * HOUR,
                                                           24 * HOUR + 40, 40 * HOUR, 40 * HOUR + 10)},
                                start=T0)],
                  history=_low_traffic(T0, {m for m in range(7 * HOUR, T0, 2 * DAY)})),
        _scenario("low_traffic_outage", "12 requests an hour, then every request fails for 8 hours",
                  [_low_traffic(8 * HOUR, {T0 + m for m in range(8 * HOUR)}, start=T0),
                   _low_traffic(12 * HOUR, set(), start=T0 + 8 * HOUR)],
                  history=_low_traffic(T0, {m for m in range(7 * HOUR, T0, 2 * DAY)})),
        _scenario("diurnal", "traffic 24 to 1800 requests a minute over the day, 5 failures every minute",
                  [_diurnal_tail(2 * DAY)], history=_diurnal(T0)),
        _scenario("creeping_burn", "16 days at 2% errors (burn 2): exhausted after ~14 days",
                  [steady(16 * DAY, 0.02), steady(12 * HOUR, healthy)]),
        *noisy_scenarios(),
    ]


def _diurnal_tail(minutes: int) -> Segment:
    requests, errors = _diurnal(T0 + minutes)
    return requests[T0:], errors[T0:]


def by_name(names: list[str] | None = None) -> list[Scenario]:
    scenarios = all_scenarios()
    if not names:
        return scenarios
    known = {s.name: s for s in scenarios}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise SystemExit(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]
