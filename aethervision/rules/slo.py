"""Per-SLO recording rules: rates, burn, error budget and runway.

Math (per SLO, objective o, window W hours, error budget B = 1 - o):
  burn rate over w        = error ratio over w / B
  budget burn over w      = errors per second over w / (B * requests per second over W)
  error budget remaining  = max(0, 1 - error ratio over W * coverage / B)
  hours to breach over w  = remaining * W / burn over w
  hours to breach         = remaining / its fall per hour over the last hour (deriv), the
                            headline runway of the aethervision policy; the seed policy
                            keeps the smaller of the 1h and 6h runways
The runway divides by the budget burn under the aethervision policy and by the
burn rate under the seed policy; at steady traffic the two are equal. At quiet
hours the burn rate overstates how fast the budget goes (few requests, so each
error is a large share of them but a small share of the window's budget).
`coverage` is the share of W for which Prometheus has SLI data: with less
history than W, the unseen part of the window counts as error-free, so a fresh
Prometheus does not page on a partial window (see README, "Edge cases").

Two groups per SLO (README, "Rule cost"): the fast one reads raw counters only
over the short windows; the slow one records tiles, each counter's exact increase
over one slow interval, and averages them for every window of
`rules.long_windows.from` or more, which the fast group re-records every
evaluation, adding the raw increase since the newest tile and taking out what left the
window since (rules/exact.py): exact at every evaluation where the SLI counts events.
"""

from __future__ import annotations

from aethervision.core import durations
from aethervision.core.model import SLO, Policy, SLIKind, Spec
from aethervision.promql import queries as q
from aethervision.promql import sli
from aethervision.rules import calendar, exact

BUDGET_RATE_WINDOW = q.BUDGET_RATE_WINDOW


def num(value: float) -> str:
    """Render a number for PromQL without float noise (720.0 -> 720)."""
    text = repr(round(float(value), 12))
    return text[:-2] if text.endswith(".0") else text


def _record(name: str, expr: str, labels: dict[str, str] | None = None) -> dict:
    rule = {"record": name, "expr": expr}
    if labels:
        rule["labels"] = dict(labels)
    return rule


def _canonical(windows) -> set[str]:
    return {durations.format(durations.parse(w)) for w in windows}


# Windows with the full set of series (rate, ratio, burn rate): the budget's
# base rate and the runway windows the dashboard, `breach` and the seed read.
RATIO_WINDOWS = (BUDGET_RATE_WINDOW, *q.RUNWAY_WINDOWS)


def _needed_windows(spec: Spec) -> set[str]:
    windows = _canonical(RATIO_WINDOWS)
    if spec.runway.policy is Policy.AETHERVISION:
        tiers = spec.runway.page_tiers + spec.runway.ticket_tiers
        windows |= _canonical({*q.RUNWAY_CONFIRM.values(), *(w for t in tiers for w in (t.long, t.short))})
    return windows


def rate_windows(spec: Spec, slo: SLO) -> list[str]:
    """Every window an error rate is recorded for, shortest first, in canonical spelling.

    The seed policy reads only the ratio windows; the aethervision policy adds
    the runway confirmation windows and those of its burn alerts.
    """
    windows = _needed_windows(spec)
    windows.discard(durations.format(slo.window_seconds))  # recorded once, as the SLO window
    return sorted(windows, key=durations.parse)


def is_long(spec: Spec, window: str) -> bool:
    """Windows read from the slow group's tiles rather than from raw counters."""
    return durations.parse(window) >= spec.rules.long_from_seconds


def _latest(spec: Spec, series: str) -> str:
    """The slow group's newest value: two of its intervals, so one late evaluation leaves no gap."""
    return f"last_over_time({q.slow(series)}[{durations.format(2 * spec.rules.long_interval_seconds)}])"


def _counter_rates(spec: Spec, slo: SLO, window: str, with_requests: bool = True) -> list[dict]:
    """The window's request rate, then its errors rate (zero errors only where the 10m
    request rate, recorded first, says there is traffic to count)."""
    names = [q.requests_rate(slo, window), q.errors_rate(slo, window)][0 if with_requests else 1:]
    if is_long(spec, window) and exact.applies(spec, slo):
        # Labelled as the raw windows are: a join `on(...)` keeps only the labels it names.
        return [_record(name, exact.window_rate(spec, slo, window, which), q.slo_labels(slo))
                for name, which in zip(names, exact.WHICH[-len(names):])]
    if is_long(spec, window):
        return [_record(name, _latest(spec, name)) for name in names]
    errors, engine = q.errors_rate(slo, window), spec.rules.engine
    traffic = q.requests_rate(slo, BUDGET_RATE_WINDOW)
    rules = [_record(q.requests_rate(slo, window), sli.requests_rate(slo, window, errors, engine), q.slo_labels(slo)),
             _record(errors, sli.errors_rate(slo, window, engine, traffic), q.slo_labels(slo))]
    return _in_reading_order(slo, rules[-len(names):])


def _in_reading_order(slo: SLO, rules: list[dict]) -> list[dict]:
    """Requests before errors (the errors' zero reads them), except for a raw SLI, whose
    requests (one event a second) are read from its recorded errors."""
    return rules[::-1] if slo.sli.kind is SLIKind.RAW else rules


def _tiles(slo: SLO) -> tuple[str, str]:
    return q.tile(q.errors_rate(slo, "")), q.tile(q.requests_rate(slo, ""))


def long_group(spec: Spec, slo: SLO) -> dict:
    """Group slo_<name>.predict.long, every rules.long_windows.interval: the only raw read is one
    interval's increase (a tile; consecutive tiles abut), and each long window is the mean of
    its tiles: traffic-weighted as the raw rate is, lagging it by at most one slow interval."""
    r = spec.rules
    tile, tile_seconds = r.long_interval, r.long_interval_seconds
    errors, requests = _tiles(slo)
    bad, total = sli.tile_rates(slo, tile, tile_seconds, errors, requests, r.engine)
    tiles = [_record(requests, calendar.excluding_maintenance(spec, slo, total), q.slo_labels(slo)),
             _record(errors, calendar.excluding_maintenance(spec, slo, bad), q.slo_labels(slo))]
    if exact.applies(spec, slo):
        tiles += [_record(name, expr, q.slo_labels(slo)) for name, expr in exact.snapshots(slo)]
    rules = [*_in_reading_order(slo, tiles),
             # The evaluation time wherever the SLI has data: `time()` rather than timestamp(),
             # whose value MetricsQL takes from the last raw sample (VictoriaMetrics, vmalert).
             _record(q.sample_timestamp(slo), f"{requests} * 0 + time()"),
             # + one tile: timestamps are one tile apart, so the oldest in a full window may be up
             # to a tile late (always, where ranges exclude their start: VictoriaMetrics, Prometheus 3).
             _record(q.slow(q.window_coverage(slo)),
                     f"clamp_max((time() - min_over_time({q.sample_timestamp(slo)}[{slo.window}]) + {tile_seconds})"
                     f" / {slo.window_seconds}, 1)")]
    ratio_windows = _canonical(RATIO_WINDOWS)
    for window in [w for w in rate_windows(spec, slo) + [slo.window] if is_long(spec, w)]:
        # Half a tile short of the window: the range holds exactly window/tile tiles, where the
        # full window would take one tile too many (Prometheus 2 ranges include both ends).
        span = durations.format(durations.parse(window) - tile_seconds // 2, weeks=False)
        rules.append(_record(q.slow(q.errors_rate(slo, window)), f"avg_over_time({errors}[{span}])"))
        if window in ratio_windows or window == slo.window:
            rules.append(_record(q.slow(q.requests_rate(slo, window)), f"avg_over_time({requests}[{span}])"))
    if slo.calendar is not None:
        rules += calendar.slow_rules(spec, slo)
    return {"name": f"slo_{slo.name}.predict.long", "interval": tile, "rules": rules}


def _ratio_rules(slo: SLO, window: str) -> list[dict]:
    return [
        # `> 0`: no traffic gives no ratio rather than 0/0 = NaN.
        _record(q.error_ratio(slo, window),
                f"{q.errors_rate(slo, window)} / ({q.requests_rate(slo, window)} > 0)"),
        _record(q.burn_rate(slo, window), f"{q.error_ratio(slo, window)} / {num(slo.error_budget)}"),
    ]


def _budget_burn_rule(spec: Spec, slo: SLO, window: str) -> dict:
    """Errors per second over `window` against the budget at the SLO window's traffic.

    A raw window's rate() divides by the whole window even where the SLI's data is younger
    than it, so in a series' first hour the 1h errors rate reads low (at 7 minutes, 7/60 of
    the truth) while the window's traffic, averaged from real tiles only, does not. Until the
    data is as old as the window (the coverage, from the tiles' timestamps) the budget burn
    is the burn rate, the errors over the requests of the same window: at steady traffic the
    two are equal, and both are right from the first minute."""
    budget = num(slo.error_budget)
    burn = f"{q.errors_rate(slo, window)} / ({q.requests_rate(slo, slo.window)} > 0) / {budget}"
    seconds = durations.parse(window)
    if is_long(spec, window) or seconds >= slo.window_seconds:
        return _record(q.budget_burn(slo, window), burn)  # averages of real tiles: never low
    on = f"on({', '.join(slo.group_by)})"
    return _record(q.budget_burn(slo, window),
                   f"{burn} and {on} {q.window_coverage(slo)} >= {num(seconds / slo.window_seconds)}\n"
                   f"  or {q.errors_rate(slo, window)} / ({q.requests_rate(slo, window)} > 0) / {budget}")


def at_burn(slo: SLO, burn: str) -> str:
    """Hours the budget left lasts at `burn` (budgets per window); absent where nothing burns."""
    return f"{q.budget_remaining(slo)} * {num(slo.window_hours)} / ({burn} > 0)"


def capped_runway(spec: Spec, slo: SLO, hours: str) -> str:
    """A runway in hours as every runway series records it: capped, 0 once the budget is gone,
    the cap ("no burn") where `hours` is absent."""
    ebr, cap = q.budget_remaining(slo), num(spec.runway.cap_hours)
    return (
        f"clamp_max({hours}, {cap})\n"
        f"  or ({ebr} == 0)\n"  # budget gone and no burn now: still 0, not "no burn"
        f"  or ({ebr} * 0 + {cap})"  # not burning (or no traffic): the cap, "no burn"
    )


def _runway_rule(spec: Spec, slo: SLO, window: str) -> dict:
    burn = q.budget_burn(slo, window) if spec.runway.policy is Policy.AETHERVISION else q.burn_rate(slo, window)
    return _record(q.hours_to_breach(slo, window), capped_runway(spec, slo, at_burn(slo, burn)))


def trend_runway(spec: Spec, slo: SLO, window: str = q.TREND_WINDOW) -> str:
    """The budget left, extrapolated along its least-squares slope over `window` (deriv): when
    it really runs out, counting the old errors that leave the window as well as the new ones
    (docs/foresight.md: 0.4% median error against 5.0% for the smaller of two burns)."""
    ebr = q.budget_remaining(slo)
    return capped_runway(spec, slo, f"{ebr} / -(deriv({ebr}[{window}]) < 0) / 3600")


def runway(spec: Spec, slo: SLO) -> str:
    """The headline runway (hours_to_breach): the trend-aware forecast under the aethervision
    policy; the seed's smaller of the 1h and 6h runways under the seed policy, whose alerts read it."""
    if spec.runway.policy is Policy.AETHERVISION:
        return trend_runway(spec, slo)
    return smaller_runway(slo)


def smaller_runway(slo: SLO) -> str:
    """The seed's conservative runway: the smaller of the recorded 1h and 6h runways."""
    h1, h6 = (q.hours_to_breach(slo, w) for w in q.RUNWAY_WINDOWS)
    return f"{h1} < {h6} or {h6}"


def runway_windows(spec: Spec) -> list[str]:
    """Windows a runway is recorded for: the aethervision policy also confirms with short ones."""
    windows = set(q.RUNWAY_WINDOWS)
    if spec.runway.policy is Policy.AETHERVISION:
        windows |= set(q.RUNWAY_CONFIRM.values())
    return sorted(windows, key=durations.parse)


def recording_group(spec: Spec, slo: SLO) -> dict:
    """Group slo_<name>.predict.recording, every rules.interval: every rule after the ones it reads."""
    windows = rate_windows(spec, slo)
    ratio_windows = _canonical(RATIO_WINDOWS)
    rules: list[dict] = []
    if exact.applies(spec, slo) and any(is_long(spec, w) for w in [*windows, slo.window]):
        rules += [_record(name, expr, q.slo_labels(slo)) for name, expr in exact.heads(spec, slo)]
    for window in windows:
        # Every raw window records its requests too: the budget burn's first hour reads them.
        rules += _counter_rates(spec, slo, window, with_requests=window in ratio_windows or not is_long(spec, window))
    rules += [
        _record(q.window_coverage(slo), _latest(spec, q.window_coverage(slo))),
        *_counter_rates(spec, slo, slo.window),
        _record(q.window_error_ratio(slo), f"{q.errors_rate(slo, slo.window)}\n"
                                           f"  / ({q.requests_rate(slo, slo.window)} > 0)"),
    ]
    for window in windows:
        rules += (_ratio_rules(slo, window) if window in ratio_windows else []) + [_budget_burn_rule(spec, slo, window)]
    if durations.format(slo.window_seconds) in _needed_windows(spec):
        # An SLO window that is also a runway or burn window (a 1h or 6h SLO): its rates are the
        # window's, recorded above; its burn rate and budget burn are still needed.
        rules += [_record(q.burn_rate(slo, slo.window), f"{q.window_error_ratio(slo)} / {num(slo.error_budget)}"),
                  _budget_burn_rule(spec, slo, slo.window)]
    rules.append(_record(q.budget_remaining(slo),
                         f"clamp_min(1 - {q.window_error_ratio(slo)} * {q.window_coverage(slo)}"
                         f" / {num(slo.error_budget)}, 0)"))
    rules += [_runway_rule(spec, slo, window) for window in runway_windows(spec)]
    rules += [
        _record(q.hours_to_breach(slo), runway(spec, slo)),
        _record(q.days_to_breach(slo), f"{q.hours_to_breach(slo)} / 24"),
    ]
    if slo.calendar is not None:
        rules += calendar.fast_rules(spec, slo)
    return {"name": f"slo_{slo.name}.predict.recording", "interval": spec.rules.interval, "rules": rules}


def recording_groups(spec: Spec, slo: SLO) -> list[dict]:
    """The SLO's two recording groups, the slow one first (promtool evaluates groups in file order)."""
    return [long_group(spec, slo), recording_group(spec, slo)]
