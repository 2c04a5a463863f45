"""Scenario traffic for `promtool test rules`, and an independent runway model.

A scenario is a list of segments (duration, requests per second, error ratio)
sampled every STEP. The expected values here are computed directly from the
counter increments, not from the generated rules, so the two can disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from aethervision.clients import promtool

STEP = 300  # seconds between samples; 30 days = 8640 samples < promtool's 10k limit
MINUTE, HOUR, DAY = 60, 3600, 86400


@dataclass(frozen=True)
class Segment:
    seconds: int
    rps: float
    error_ratio: float

    @property
    def steps(self) -> int:
        return self.seconds // STEP


def increments(segments: list[Segment]) -> tuple[list[float], list[float]]:
    """Per-step (success, failed) increments."""
    ok, bad = [], []
    for seg in segments:
        total = seg.rps * STEP
        ok += [total * (1 - seg.error_ratio)] * seg.steps
        bad += [total * seg.error_ratio] * seg.steps
    return ok, bad


def series_values(segments: list[Segment], failed: bool) -> str:
    """promtool's notation for one counter: a run of equal increments per segment."""
    return promtool.counter_values(
        (seg.rps * STEP * (seg.error_ratio if failed else 1 - seg.error_ratio), seg.steps) for seg in segments)


def input_series(segments: list[Segment], metric: str = "crm_payments_total",
                 with_failed: bool = True) -> list[dict]:
    out = [{"series": f'{metric}{{status="success"}}', "values": series_values(segments, False)}]
    if with_failed:
        out.append({"series": f'{metric}{{status="failed"}}', "values": series_values(segments, True)})
    return out


def window_sum(values: list[float], at_step: int, steps: int) -> float:
    """Sum of increments in the `steps` steps ending at sample `at_step`."""
    return sum(values[max(0, at_step - steps):at_step])


def expected(segments: list[Segment], at: int, objective: float = 0.99,
             window: int = 30 * DAY, cap_hours: float = 8760) -> dict:
    """Exact runway figures at time `at` (seconds), straight from the increments."""
    ok, bad = increments(segments)
    step = at // STEP
    budget = 1 - objective
    err_w, tot_w = window_sum(bad, step, window // STEP), window_sum(bad, step, window // STEP) + \
        window_sum(ok, step, window // STEP)
    coverage = min(1.0, at / window)
    ebr = max(0.0, 1 - (err_w / tot_w) * coverage / budget) if tot_w else None
    out = {"ebr": ebr, "coverage": coverage}
    seen = min(at, window)  # the recorded 30d request rate averages over the data there is
    for name, seconds in (("1h", HOUR), ("6h", 6 * HOUR)):
        e = window_sum(bad, step, seconds // STEP)
        t = e + window_sum(ok, step, seconds // STEP)
        burn = (e / t) / budget if t else None
        out[f"burn_{name}"] = burn
        # Errors per second against the budget at the window's average traffic.
        out[f"budget_burn_{name}"] = (e / seconds) / (budget * tot_w / seen) if tot_w else None
        if ebr is None:
            runway = None
        elif burn:
            runway = min(ebr * window / HOUR / burn, cap_hours)
        else:
            runway = 0.0 if ebr == 0 else cap_hours
        out[f"hours_{name}"] = runway
    hours = [v for v in (out["hours_1h"], out["hours_6h"]) if v is not None]
    out["hours"] = min(hours) if hours else None
    return out


def trend_hours(segments: list[Segment], at: int, objective: float = 0.99, window: int = 30 * DAY,
                cap_hours: float = 8760, every: int = 600, over: int = HOUR) -> float | None:
    """The trend-aware runway at `at`: the budget left over its least-squares slope, fitted to the
    budget left at each evaluation (every `every` seconds) in the `over` seconds up to `at` (a
    left-open range, as Prometheus 3 reads it: where the budget falls steadily, 2.42's closed
    range gives the same slope)."""
    now = expected(segments, at, objective, window, cap_hours)["ebr"]
    if now is None:
        return None
    points = [(t, expected(segments, t, objective, window, cap_hours)["ebr"])
              for t in range(at, at - over, -every) if t >= 0]
    points = [(t, v) for t, v in points if v is not None]
    slope = 0.0
    if len(points) >= 2:
        mean_t = sum(t for t, _ in points) / len(points)
        mean_v = sum(v for _, v in points) / len(points)
        slope = sum((t - mean_t) * (v - mean_v) for t, v in points) / sum((t - mean_t) ** 2 for t, _ in points)
    if slope < 0:
        return min(now / -slope / HOUR, cap_hours)
    return 0.0 if now == 0 else cap_hours


# -- probes: a 0/1 gauge per probe, every sample an event ------------------------------

@dataclass(frozen=True)
class ProbeSegment:
    seconds: int
    probes: int
    failing: int  # probes 0..failing-1 report 0 in this segment


def probe_states(segments: list[ProbeSegment]) -> list[list[int]]:
    """Per probe, the 0/1 sample at each STEP from time 0 (sample k belongs to the segment
    of the step ending at k * STEP; sample 0 to the first segment)."""
    steps = [seg for seg in segments for _ in range(seg.seconds // STEP)]
    steps = steps[:1] + steps
    probes = max(seg.probes for seg in segments)
    return [[0 if j < seg.failing else 1 for seg in steps] for j in range(probes)]


def probe_series(segments: list[ProbeSegment], selector: str) -> list[dict]:
    """promtool input series, one per probe (label probe="p<j>" appended to `selector`'s labels)."""
    out = []
    for j, states in enumerate(probe_states(segments)):
        runs: list[list[int]] = []
        for value in states:
            if runs and runs[-1][0] == value:
                runs[-1][1] += 1
            else:
                runs.append([value, 1])
        values = " ".join(f"{v}x{n - 1}" if n > 1 else str(v) for v, n in runs)
        out.append({"series": selector.replace("}", f', probe="p{j}"}}'), "values": values})
    return out


def probe_expected(segments: list[ProbeSegment], at: int, objective: float, window: int,
                   cap_hours: float = 8760) -> dict:
    """Failed share of the samples a range one second short of the window selects (its start
    excluded, as the rules read probes), and the runway the rules should record from it."""
    states = probe_states(segments)
    budget = 1 - objective

    def failed_share(seconds: int) -> float:
        first, last = max(0, (at - seconds) // STEP + 1), at // STEP
        picked = [s for probe in states for s in probe[first:last + 1]]
        return picked.count(0) / len(picked)

    ebr = max(0.0, 1 - failed_share(window) * min(1.0, at / window) / budget)
    out = {"ebr": ebr, "ratio_1h": failed_share(HOUR), "burn_10m": failed_share(10 * MINUTE) / budget}
    # Every probe is one event a second, so the budget burn equals the burn rate here.
    out["burn_1h"] = out["ratio_1h"] / budget
    out["hours_1h"] = min(ebr * window / HOUR / out["burn_1h"], cap_hours) if out["burn_1h"] else cap_hours
    return out
