"""How right a runway forecast was: the one scoring used by the foresight benchmark and `backtest`.

At an evaluation t the runway says the budget runs out at t + forecast. Against the time E it
really ran out (the first evaluation with no budget left), the error is |t + forecast - E|,
grouped by the true time left, E - t. A forecast at the cap ("no burn") before an exhaustion is
no forecast at all and counts apart; where the budget never ran out, a forecast that fell before
the end of what was observed is a phantom exhaustion. Times are seconds.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass, field

HOUR, DAY = 3600, 86400
HORIZONS = (("under 6h", 0, 6 * HOUR), ("6-24h", 6 * HOUR, DAY), ("1-7 days", DAY, 7 * DAY),
            ("over 7 days", 7 * DAY, None))


def horizon(seconds: int) -> str:
    return next(name for name, lo, hi in HORIZONS if seconds >= lo and (hi is None or seconds < hi))


@dataclass
class Score:
    errors: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: {h: [] for h, _, _ in HORIZONS})
    no_burn: int = 0  # evaluations before an exhaustion that said "no burn"
    before_exhaustion: int = 0
    phantom: int = 0  # evaluations forecasting an exhaustion before the end that never came
    without_exhaustion: int = 0

    def add(self, points: list[tuple[int, float]], exhausted: int | None, end: int, cap_seconds: float) -> None:
        """`points`: (t, forecast seconds) after the burn began; `exhausted`: when the budget ran
        out (None: not by `end`, the end of what was observed)."""
        for t, ahead in points:
            if exhausted is not None and t >= exhausted:
                continue
            says_burn = ahead < cap_seconds
            if exhausted is None:
                self.without_exhaustion += 1
                self.phantom += says_burn and t + ahead < end
                continue
            self.before_exhaustion += 1
            if not says_burn:
                self.no_burn += 1
            else:
                self.errors[horizon(exhausted - t)].append((round(abs(t + ahead - exhausted)), exhausted - t))


def percentile(values: list[int], share: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(score: Score) -> dict:
    """Per horizon the count, median and 90th percentile absolute error (seconds); over all, the
    median error as a share of the true time left (an hour off a 3-day forecast is fine, an hour
    off a 2-hour one is not)."""
    rows = {h: {"n": len(v), "median": int(statistics.median(e for e, _ in v)) if v else None,
                "p90": percentile([e for e, _ in v], 0.9)} for h, v in score.errors.items()}
    relative = [e / left for v in score.errors.values() for e, left in v if left]
    return {"horizons": rows, "relative": round(statistics.median(relative), 4) if relative else None,
            "no_burn": score.no_burn, "before_exhaustion": score.before_exhaustion, "phantom": score.phantom,
            "without_exhaustion": score.without_exhaustion}


def score_series(runway: list[tuple[int, float]], remaining: list[tuple[int, float]], end: int,
                 cap_seconds: float) -> Score:
    """A recorded runway (t, seconds) against the recorded budget left (t, share): each forecast
    against the next evaluation with no budget left (a backtest's history, which may hold several)."""
    out, following = Score(), None
    upcoming: dict[int, int | None] = {}
    for t, left in sorted(remaining, reverse=True):  # the next exhaustion at or after each time
        following = t if left <= 0 else following
        upcoming[t] = following
    times = sorted(upcoming)
    for t, ahead in sorted(runway):
        i = bisect.bisect_left(times, t)
        out.add([(t, ahead)], upcoming[times[i]] if i < len(times) else None, end, cap_seconds)
    return out


def describe(summary_: dict, span) -> str:
    """One line: the error by horizon (median / 90th percentile), "no burn" before an exhaustion,
    phantom exhaustions. `span` formats seconds."""
    parts = [f"{h} {span(r['median'])} / {span(r['p90'])} ({r['n']})"
             for h, r in summary_["horizons"].items() if r["n"]]
    text = ("off by " + ", ".join(parts)) if parts else "no exhaustion to forecast"
    if summary_["before_exhaustion"]:
        text += f"; \"no burn\" {summary_['no_burn']} of {summary_['before_exhaustion']} times before it ran out"
    return text + f"; phantom exhaustions {summary_['phantom']} of {summary_['without_exhaustion']} evaluations"
