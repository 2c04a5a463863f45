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
