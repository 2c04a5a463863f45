"""Per-SLO alerts under the spec's policy: `aethervision` (default) or `seed`.

seed, as the original system had it: the conservative runway (min of the 1h
and 6h projections) under 24h for 15m warns, under 6h for 10m is critical.
Weaknesses (measured in docs/foresight.md): once the budget is gone the runway
is 0 and both alerts fire until the errors age out of the window; with a full
budget it needs a burn above 27x to warn at all; quiet hours look like burns.

aethervision keeps those names and meanings and adds what the measurements
asked for:
- each runway window is confirmed by a short one, and the alert needs a budget
  burn above 1 now and money left: it resets minutes after the errors stop, and
  never fires on a spent budget that is no longer burning;
- runway and burn use the budget burn (errors per second against the window's
  average traffic), so a quiet night with a few errors is not a fast burn;
- at least `min_errors` failed events in the long window (low traffic);
- ErrorBudgetFastBurn / ErrorBudgetSlowBurn: the SRE Workbook's multiwindow
  burn alerts (page and ticket tiers from the spec), for fast spends that a
  full budget's runway would only flag late;
- ErrorBudgetExhausted (severity info): the exhausted state, apart from the
  predictions.
"""

from __future__ import annotations

from aethervision.core import defaults, durations
from aethervision.core.model import SLO, BurnTier, Policy, RunwayAlert, Spec, Tier
from aethervision.promql import queries as q
from aethervision.promql import sli
from aethervision.rules.slo import num

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
    "info": (
        "The SLO is breached over its window: freeze risky deploys and spend the time on "
        "reliability until the budget recovers as old errors leave the window."
    ),
}
VALUE = '{{ printf "%.1f" $value }}'


def _queried(slo: SLO, series: str, show: str = "humanizePercentage") -> str:
    """Template: a recorded series' value when the alert fires, of the alert's own group where
    the SLO is grouped (`show`: how to print it)."""
    if slo.group_by:  # printf builds the selector: a template cannot nest {{ }} in a string
        matchers = ", ".join(f"{g}='%s'" for g in slo.group_by)
        args = " ".join(f"$labels.{g}" for g in slo.group_by)
        source = f'printf "{series}{{{matchers}}}" {args} | query'
    else:
        source = f'query "{series}"'
    return f"{{{{ with {source} }}}}{{{{ . | first | value | {show} }}}}{{{{ end }}}}"


def _budget_left(slo: SLO) -> str:
    """Template: the budget left, of the alert's own group where the SLO is grouped."""
    return _queried(slo, q.budget_remaining(slo))


ONE_DECIMAL = 'printf "%.1f"'


def chat_annotations(spec: Spec, slo: SLO) -> dict[str, str]:
    """What a chat message says about the SLO, read from the recording rules when the alert
    fires (notifications.slack): runway, budget left, 1h and 6h burn, the SLO detail link."""
    h1, h6 = q.RUNWAY_WINDOWS
    params = "&".join([f"var-{q.SLO_VARIABLE}={slo.name}"] + [f"var-{g}={{{{ $labels.{g} }}}}" for g in slo.group_by])
    return {"runway_hours": _queried(slo, q.hours_to_breach(slo), ONE_DECIMAL),
            "runway_days": _queried(slo, q.days_to_breach(slo), ONE_DECIMAL),
            "budget_remaining": _budget_left(slo),
            "burn_1h": _queried(slo, q.burn_rate(slo, h1), ONE_DECIMAL),
            "burn_6h": _queried(slo, q.burn_rate(slo, h6), ONE_DECIMAL),
            "detail_url": f"{spec.grafana.url.rstrip('/')}{spec.grafana.detail_path}?{params}"}


def _who(slo: SLO) -> str:
    """The SLO's title, and its group's labels where grouped: "Agent availability (cluster eu)"."""
    if not slo.group_by:
        return slo.title
    return f"{slo.title} (" + ", ".join(f"{g} {{{{ $labels.{g} }}}}" for g in slo.group_by) + ")"


def _alert(spec: Spec, slo: SLO, name: str, severity: str, expr: str, summary: str, description: str,
           for_: str | None = None, tier: Tier = Tier(), actions: str | None = None) -> dict:
    """One alert rule: the SLO's labels, then its routing labels, then the tier's (which may
    override the severity); the generated annotations, then the tier's."""
    annotations = {"summary": f"{_who(slo)}: {summary}", "description": description,
                   "actions": actions or ACTIONS[severity].format(service=slo.service),
                   "dashboard": spec.grafana.dashboard_url()}
    if slo.runbook_url:
        annotations["runbook_url"] = slo.runbook_url
    if spec.slack is not None:
        annotations.update(chat_annotations(spec, slo))
    rule = {"alert": name, "expr": expr}
    if for_:
        rule["for"] = for_
    rule["labels"] = {"severity": severity, "slo": slo.name, "service": slo.service, "component": "slo",
                      **dict(slo.labels), **dict(tier.labels)}
    rule["annotations"] = {**annotations, **dict(tier.annotations)}
    if tier.autoheal:  # a label for Alertmanager's route, an annotation as the seed had it
        rule["labels"]["autoheal"] = rule["annotations"]["autoheal"] = "true"
    return rule


def _runway_texts(slo: SLO, level: str, alert: RunwayAlert) -> tuple[str, str]:
    summary = f"SLO error budget runs out in ~{VALUE} hours"
    if level == "critical":
        description = (
            f"Runway ~{VALUE} hours (threshold {alert.below}): the {slo.window} error budget of "
            f"{slo.name} (objective {slo.objective:g}) will be exhausted soon at the current "
            f"burn; {_budget_left(slo)} of it is left.")
    else:
        description = (
            f"Current burn trend projects exhaustion of the {slo.window} error budget of "
            f"{slo.name} (objective {slo.objective:g}) in ~{VALUE} hours (threshold "
            f"{alert.below}); {_budget_left(slo)} of it is left.")
    return summary, description


def _enough_errors(spec: Spec, slo: SLO, window: str, short: str) -> list[str]:
    """The `min_errors` condition over the long `window`, if any (low traffic), and at least two
    failures in the `short` one: at low traffic a single failed request is a large share of a
    short window, and after an incident (the long window still burning) each lone failure would
    confirm the alert again (Poisson traffic at 2 requests a minute: two false tickets a day)."""
    n = spec.runway.min_errors
    if not n or not sli.counts_events(slo.sli):  # a raw SLI's rate is a ratio, not events
        return []
    return [f"{q.errors_in(slo, window, durations.parse(window))} >= {n}",
            # A count: half a failure under it, so 2 read as 1.9999999999999996 still holds.
            f"{q.errors_in(slo, short, durations.parse(short))} >= {num(min(n, defaults.SHORT_MIN_ERRORS) - 0.5)}"]


def _held(spec: Spec, series: str, window: str, op: str, threshold: str) -> str:
    """A short window's confirmation that remembers `runway.hold` of the past: a window shorter than
    the hold is read at its highest (or lowest) over the difference, so a burn that flaps stays one
    page while its long window burns (the long window, read as is, still ends the alert), and no
    tier resets later than the hold after a real recovery."""
    extra = spec.runway.hold_seconds - durations.parse(window)
    if extra <= 0:
        return f"{series} {op} {threshold}"
    over = "max_over_time" if op == ">" else "min_over_time"
    return f"{over}({series}[{durations.format(extra)}]) {op} {threshold}"


def runway_expr(spec: Spec, slo: SLO, alert: RunwayAlert) -> str:
    """aethervision: runway under the threshold over a long and its short window, burning now."""
    hours = num(alert.below_hours)
    clauses = []
    for long, short in q.RUNWAY_CONFIRM.items():
        conditions = [_held(spec, q.budget_burn(slo, short), short, ">", "1"), *_enough_errors(spec, slo, long, short)]
        clauses.append(f"{q.hours_to_breach(slo, long)} < {hours} and "
                       f"{_held(spec, q.hours_to_breach(slo, short), short, '<', hours)}\n"
                       f"    and " + " and ".join(conditions))
    return ("(\n    " + "\n  or\n    ".join(clauses) + "\n)\n"
            f"and {q.budget_remaining(slo)} > 0")


def burn_expr(spec: Spec, slo: SLO, tiers: tuple[BurnTier, ...]) -> str:
    """Budget burn above the factor over both windows of any tier."""
    clauses = []
    for t in tiers:
        clause = (f"{q.budget_burn(slo, t.long)} > {num(t.factor)} and "
                  f"{_held(spec, q.budget_burn(slo, t.short), t.short, '>', num(t.factor))}")
        clauses.append("\n  and ".join([clause, *_enough_errors(spec, slo, t.long, t.short)]))
    return "\nor\n".join(clauses)


def _burn_alert(spec: Spec, slo: SLO, severity: str, tiers: tuple[BurnTier, ...], name: str,
                tier: Tier) -> dict:
    spend = " or ".join(f"{t.factor:g}x over {t.long} (confirmed over {t.short})" for t in tiers)
    pace = "fast" if severity == "critical" else "steadily"
    return _alert(
        spec, slo, name, severity, burn_expr(spec, slo, tiers),
        f"error budget burning {pace} ({VALUE}x)",
        f"The {slo.window} error budget of {slo.name} (objective {slo.objective:g}) is being spent at "
        f"{VALUE} times the rate that would use it up exactly in {slo.window} (thresholds: {spend}); "
        f"{_budget_left(slo)} of it is left.", tier=tier)


def no_data_alert(spec: Spec, slo: SLO) -> dict:
    """<Prefix>SLINoData: the SLI's total is absent or flat (per group where grouped)."""
    inputs = ", ".join(sorted(sli.input_names(slo.sli)))
    return _alert(
        spec, slo, f"{slo.alert_prefix}SLINoData", slo.no_data.severity, q.no_data(slo),
        "no SLI data",
        f"The SLI of {_who(slo)} ({inputs}) has had no new events for {slo.no_data.for_}: its "
        "series are absent or not growing. The runway and the burn alerts of the SLO cannot see "
        "errors meanwhile.",
        slo.no_data.for_,
        actions="Check the scrape target of the SLI (`up`), the exporter, and that the spec's "
                "selectors still match the series (`aethervision validate --prometheus-url URL`).")


def alert_rules(spec: Spec, slo: SLO) -> list[dict]:
    """The SLO's alerts under the spec's policy."""
    rw, p = spec.runway, slo.alert_prefix

    def condition(alert: RunwayAlert) -> str:
        if rw.policy is Policy.SEED:
            return f"{q.hours_to_breach(slo)} < {num(alert.below_hours)}"
        return runway_expr(spec, slo, alert)

    rules = [_alert(spec, slo, f"{p}PredictedBreach{suffix}", level, condition(alert),
                    *_runway_texts(slo, level, alert), alert.for_, tier=slo.tier(level))
             for suffix, level, alert in (("Soon", "warning", rw.warning), ("Critical", "critical", rw.critical))
             if not slo.tier(level).disable]
    if rw.policy is Policy.AETHERVISION:
        for name, severity, tiers, tier in (("FastBurn", "critical", rw.page_tiers, "page"),
                                            ("SlowBurn", "warning", rw.ticket_tiers, "ticket")):
            if tiers and not slo.tier(tier).disable:
                rules.append(_burn_alert(spec, slo, severity, tiers, f"{p}ErrorBudget{name}", slo.tier(tier)))
        if not slo.tier("exhausted").disable:
            rules.append(_alert(
                spec, slo, f"{p}ErrorBudgetExhausted", "info", f"{q.budget_remaining(slo)} == 0",
                f"the {slo.window} error budget is exhausted",
                f"{slo.name} is below its objective {slo.objective:g} over the last {slo.window}. This is "
                "the state, not a prediction: it clears as old errors leave the window.",
                tier=slo.tier("exhausted")))
    if slo.calendar is not None:
        rules += budget_consumed_alerts(spec, slo)
    if not slo.no_data.disable:
        rules.append(no_data_alert(spec, slo))
    return rules


def budget_consumed_alerts(spec: Spec, slo: SLO) -> list[dict]:
    """One alert per `budget_consumed_alerts` share, firing from the moment the period's spent
    share reaches it until the period ends (the highest share of the period so far is kept,
    so a growing traffic projection cannot resolve and re-fire it): one episode per period."""
    spent, top = q.period(slo, "budget_spent"), q.period(slo, "budget_spent_max")
    period = slo.calendar.period
    out = []
    for alert in spec.budget_alerts:
        share = f"{alert.share:.0%}"
        rule = _alert(spec, slo, f"{slo.alert_prefix}ErrorBudgetConsumed", alert.severity,
                      f"{spent} >= {num(alert.share)} or {top} >= {num(alert.share)}",
                      f"{share} of this {period}'s error budget is spent",
                      f"{slo.name} has spent {{{{ $value | humanizePercentage }}}} of the {period}'s error budget "
                      f"(objective {slo.objective:g}, {slo.calendar.timezone}). The alert holds until the {period} "
                      "ends; the runway to the period's end is on the SLO detail dashboard.")
        rule["labels"]["consumed"] = share
        out.append(rule)
    return out


def alert_group(spec: Spec, slo: SLO) -> dict:
    """Group slo_<name>.alerts."""
    return {"name": f"slo_{slo.name}.alerts", "rules": alert_rules(spec, slo)}
