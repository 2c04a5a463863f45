"""Per-SLO runway recording rules and predictive alerts.

Math (per SLO, objective o, window W hours, error budget B = 1 - o):
  burn rate over w        = error ratio over w / B
  error budget remaining  = max(0, 1 - error ratio over W * coverage / B)
  hours to breach over w  = remaining * W / burn rate over w
`coverage` is the share of W for which Prometheus has SLI data: with less
history than W, the unseen part of the window counts as error-free, so a fresh
Prometheus does not page on a partial window (see README, "Edge cases").
"""

from __future__ import annotations

from .. import queries as q
from ..model import SLO, RunwayAlert, Spec

# The recorded rate the SLO-window ratio is built from: short, so the newest
# errors count almost at once (a 1h base lags a fast burn by ~30 minutes), and
# still two samples wide at 5-minute spacing (Prometheus 3 ranges are left-open).
BUDGET_RATE_WINDOW = "10m"


def num(value: float) -> str:
    """Render a number for PromQL without float noise (720.0 -> 720)."""
    text = repr(round(float(value), 12))
    return text[:-2] if text.endswith(".0") else text


def _record(name: str, expr: str, labels: dict[str, str] | None = None) -> dict:
    rule = {"record": name, "expr": expr}
    if labels:
        rule["labels"] = dict(labels)
    return rule


def _rate_rules(slo: SLO, window: str) -> list[dict]:
    labels = q.slo_labels(slo)
    errors, total = slo.sli.errors, slo.sli.total
    return [
        # `or 0 * total`: an error counter that never incremented has no series
        # yet; that means zero errors, not "no data".
        _record(q.errors_rate(slo, window),
                f"sum(rate({errors}[{window}])) or 0 * sum(rate({total}[{window}]))", labels),
        _record(q.requests_rate(slo, window), f"sum(rate({total}[{window}]))", labels),
        # `> 0`: no traffic gives no ratio rather than 0/0 = NaN.
        _record(q.error_ratio(slo, window),
                f"{q.errors_rate(slo, window)} / ({q.requests_rate(slo, window)} > 0)"),
        _record(q.burn_rate(slo, window),
                f"{q.error_ratio(slo, window)} / {num(slo.error_budget)}"),
    ]


def _runway_rule(spec: Spec, slo: SLO, window: str) -> dict:
    ebr, burn = q.budget_remaining(slo), q.burn_rate(slo, window)
    cap = num(spec.runway.cap_hours)
    expr = (
        f"clamp_max({ebr} * {num(slo.window_hours)} / ({burn} > 0), {cap})\n"
        f"  or ({ebr} == 0)\n"  # budget gone and no burn now: still 0, not "no burn"
        f"  or ({ebr} * 0 + {cap})"  # not burning (or no traffic): the cap, "no burn"
    )
    return _record(q.hours_to_breach(slo, window), expr)


def recording_group(spec: Spec, slo: SLO) -> dict:
    """Group slo_<name>.predict.recording: rates, budget, runway (in order)."""
    short = BUDGET_RATE_WINDOW
    rules: list[dict] = []
    for window in (short, *q.RUNWAY_WINDOWS):
        rules += _rate_rules(slo, window)
    rules += [
        _record(q.sample_timestamp(slo), f"timestamp({q.requests_rate(slo, short)})"),
        _record(q.window_coverage(slo),
                f"clamp_max((time() - min_over_time({q.sample_timestamp(slo)}[{slo.window}]))"
                f" / {slo.window_seconds}, 1)"),
        # The SLO-window ratio from the recorded 1h rates: the ratio of their
        # sums is the traffic-weighted error ratio, without a raw rate[30d].
        _record(q.window_error_ratio(slo),
                f"sum_over_time({q.errors_rate(slo, short)}[{slo.window}])\n"
                f"  / (sum_over_time({q.requests_rate(slo, short)}[{slo.window}]) > 0)"),
        _record(q.budget_remaining(slo),
                f"clamp_min(1 - {q.window_error_ratio(slo)} * {q.window_coverage(slo)}"
                f" / {num(slo.error_budget)}, 0)"),
    ]
    rules += [_runway_rule(spec, slo, window) for window in q.RUNWAY_WINDOWS]
    h1, h6 = (q.hours_to_breach(slo, w) for w in q.RUNWAY_WINDOWS)
    rules += [
        _record(q.hours_to_breach(slo), f"{h1} < {h6} or {h6}"),
        _record(q.days_to_breach(slo), f"{q.hours_to_breach(slo)} / 24"),
    ]
    return {"name": f"slo_{slo.name}.predict.recording", "rules": rules}


ACTIONS = {
    "warning": (
        "Review {service} errors and logs; check deployments of the last 24 hours "
        "(git log --since='24 hours ago'); consider pausing non-critical deploys; "
        "watch the runway with `make show-breach`."
    ),
    "critical": (
        "Declare an incident and page the on-call SRE; roll back the last deployment; "
        "throttle risky flows (disable non-essential background jobs); consider "
        "enabling autoheal; track recovery with `make show-breach` every 5 minutes."
    ),
}


def _runway_alert(spec: Spec, slo: SLO, level: str, alert: RunwayAlert, name: str) -> dict:
    runway = q.hours_to_breach(slo)
    value = '{{ printf "%.1f" $value }}'
    budget = (f'{{{{ with query "{q.budget_remaining(slo)}" }}}}'
              f'{{{{ . | first | value | humanizePercentage }}}}{{{{ end }}}}')
    if level == "critical":
        description = (
            f"Runway ~{value} hours (threshold {alert.below}): the {slo.window} error budget of "
            f"{slo.name} (objective {slo.objective:g}) will be exhausted soon at the current "
            f"burn; {budget} of it is left."
        )
    else:
        description = (
            f"Current burn trend projects exhaustion of the {slo.window} error budget of "
            f"{slo.name} (objective {slo.objective:g}) in ~{value} hours (threshold "
            f"{alert.below}); {budget} of it is left."
        )
    annotations = {
        "summary": f"{slo.title}: SLO error budget runs out in ~{value} hours",
        "description": description,
        "actions": ACTIONS[level].format(service=slo.service),
        "dashboard": spec.grafana.dashboard_url(),
    }
    if slo.runbook_url:
        annotations["runbook_url"] = slo.runbook_url
    return {
        "alert": name,
        "expr": f"{runway} < {num(alert.below_hours)}",
        "for": alert.for_,
        "labels": {"severity": level, "slo": slo.name, "service": slo.service, "component": "slo"},
        "annotations": annotations,
    }


def alert_group(spec: Spec, slo: SLO) -> dict:
    """Group slo_<name>.alerts: the predictive runway alerts."""
    rw = spec.runway
    return {
        "name": f"slo_{slo.name}.alerts",
        "rules": [
            _runway_alert(spec, slo, "warning", rw.warning,
                          f"{slo.alert_prefix}PredictedBreachSoon"),
            _runway_alert(spec, slo, "critical", rw.critical,
                          f"{slo.alert_prefix}PredictedBreachCritical"),
        ],
    }
