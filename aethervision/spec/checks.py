"""Rules of the spec that JSON Schema cannot express, checked on the frozen model.

The first broken rule is reported as a SpecError naming the file and the field.
"""

from __future__ import annotations

import re

import promql_parser

from aethervision.core import defaults as d
from aethervision.core import durations
from aethervision.core.errors import SpecError
from aethervision.core.model import SLO, SLIKind, Spec
from aethervision.promql import features
from aethervision.promql.parse import pinned_labels, selector_problem, selector_text
from aethervision.promql.sli import WINDOW

# Labels AetherVision sets on every SLO series and alert: the spec may not reuse them.
RESERVED_LABELS = {"slo", "service", "component", "alertname", "alertstate", "__name__"}


class _Fail:
    def __init__(self, source: str):
        self.source = source

    def __call__(self, field: str, message: str):
        raise SpecError(self.source, field, message)


def check(spec: Spec, source: str) -> None:
    fail = _Fail(source)
    names: dict[str, int] = {}
    prefixes: dict[str, int] = {}
    for i, slo in enumerate(spec.slos):
        if slo.name in names:
            fail(f"slos[{i}].name", f"duplicate SLO name {slo.name!r} (also slos[{names[slo.name]}])")
        names[slo.name] = i
        if slo.alert_prefix in prefixes:
            fail(f"slos[{i}].alert_name", f"alert names {slo.alert_prefix}... are also those of "
                                          f"slos[{prefixes[slo.alert_prefix]}]: set a distinct alert_name")
        prefixes[slo.alert_prefix] = i
        if slo.window_seconds < 3600:
            fail(f"slos[{i}].window", "must be at least 1h")
        _check_sli(fail, f"slos[{i}]", slo)
        _check_groups(fail, f"slos[{i}]", slo)
        _check_routing(fail, f"slos[{i}]", slo)
    if spec.probes:
        for field, text in (("probes.http", spec.probes.http), ("probes.tcp", spec.probes.tcp)):
            _selector(fail, field, text)
        if (spec.probes.http_targets or spec.probes.tcp_targets) and not spec.probes.exporter:
            fail("probes.exporter", "required with probes.targets: the blackbox exporter's host:port")
    if spec.autoheal is None and any(t.autoheal for s in spec.slos for _, t in s.alerting):
        fail("autoheal", "an alert is marked `autoheal: true` but the spec has no autoheal section")
    _check_runway(fail, spec)
    _check_rule_groups(fail, spec)
    if spec.slack is not None:
        if "://" in spec.slack.webhook_url_file:  # never echo it: a webhook URL is a secret
            fail("notifications.slack.webhook_url_file", "is a URL, not a file: the webhook URL is a secret, "
                                                         "so put it in a file Alertmanager reads and give its path")
        if spec.alertmanager is None:
            fail("notifications.slack", "needs an alertmanager section: Alertmanager sends the messages")
    if spec.rules.engine == "victoriametrics":
        for field, feature, detail in features.needs(spec):
            fail(field, f"{detail!r}: {feature} need Prometheus 3, and rules.engine is victoriametrics, "
                        "which cannot read them")


def _selector(fail: _Fail, field: str, text: str) -> None:
    problem = selector_problem(text)
    if problem:
        fail(field, f"not a valid PromQL series selector: {problem}")


def _sli_selectors(slo: SLO) -> dict[str, str]:
    """Spec field (under the SLO) -> selector as written, for the kinds that have selectors."""
    sli = slo.sli
    if sli.kind is SLIKind.RATIO:
        return {"sli.errors": sli.errors, "sli.total": sli.total}
    if sli.kind is SLIKind.LATENCY:
        # As written (not rebuilt from parsed matchers, which would mend a typo): the name, then
        # the selector's matchers, in the braces when the name needs quoting (UTF-8).
        body = sli.selector.strip()[1:-1].strip() if sli.selector.strip() else ""
        text = selector_text(sli.histogram, [body] if body else [])
        return {"sli.latency.native_histogram" if sli.native else "sli.latency.selector": text}
    if sli.kind is SLIKind.PROBE:
        return {"sli.probe": sli.probe}
    return {}


def _check_sli(fail: _Fail, where: str, slo: SLO) -> None:
    for field, text in _sli_selectors(slo).items():
        _selector(fail, f"{where}.{field}", text)
    if slo.sli.kind is SLIKind.RAW and WINDOW not in slo.sli.raw:
        fail(f"{where}.sli.raw", f"must contain {WINDOW}, the range each recorded window fills in "
                                 f"(e.g. sum(rate(errors_total[{WINDOW}])) / sum(rate(requests_total[{WINDOW}])))")
    if slo.sli.kind is SLIKind.RAW:
        problem = promql_problem(slo.sli.raw.replace(WINDOW, "5m"))
        if problem:
            fail(f"{where}.sli.raw", f"PromQL does not parse: {problem}")


def promql_problem(expr: str) -> str | None:
    """Why `expr` is not PromQL (a real parser, with or without promtool), or None."""
    try:
        promql_parser.parse(expr)
    except ValueError as exc:  # the parser's errors
        message = str(exc).splitlines()[0]
        # A function newer than the parser knows is promtool's to judge, not a syntax error here.
        return None if "unknown function" in message else message
    return None


def _check_groups(fail: _Fail, where: str, slo: SLO) -> None:
    for label in slo.group_by:
        if label in RESERVED_LABELS or label == "severity" or (label == "le" and slo.sli.kind is SLIKind.LATENCY):
            fail(f"{where}.group_by", f"cannot group by {label!r}: AetherVision sets or reads that label itself")
        for field, text in _sli_selectors(slo).items():
            if label in pinned_labels(text):
                fail(f"{where}.group_by", f"label {label!r} is pinned to one value by {field} ({text}): grouping "
                                          "by it gives a single group; drop it from group_by or match it with =~")
        if slo.sli.kind is SLIKind.RAW and not re.search(rf"\b{re.escape(label)}\b", slo.sli.raw):
            fail(f"{where}.group_by", f"label {label!r} does not appear in sli.raw: the query's result must keep "
                                      f"it (e.g. sum by ({label}) (...)) for a runway per group")


def _check_routing(fail: _Fail, where: str, slo: SLO) -> None:
    for label, _ in slo.labels:
        if label in RESERVED_LABELS or label in ("severity", "autoheal") or label in slo.group_by:
            fail(f"{where}.labels.{label}", "is set by AetherVision on every alert of the SLO "
                                            "(severity: set it per tier under alerting)")
    for name, tier in slo.alerting:
        if tier.disable and (tier.labels or tier.annotations or tier.autoheal):
            fail(f"{where}.alerting.{name}", "is disabled and also given labels, annotations or autoheal: "
                                             "drop one (a disabled alert is not generated)")
        for label, _ in tier.labels:
            if label in RESERVED_LABELS or label in slo.group_by or label == "autoheal":
                fail(f"{where}.alerting.{name}.labels.{label}", "is set by AetherVision (autoheal: use "
                                                                "`autoheal: true` on the tier)")


def _check_runway(fail: _Fail, spec: Spec) -> None:
    rw = spec.runway
    for key in ("days_to_breach_thresholds", "budget_remaining_thresholds"):
        steps = getattr(rw, key)
        for i in range(1, len(steps)):
            if steps[i].value <= steps[i - 1].value:
                fail(f"runway.{key}[{i}].value", f"thresholds must be in ascending order ({steps[i].value:g} "
                                                 f"follows {steps[i - 1].value:g})")
    if rw.critical.below_seconds >= rw.warning.below_seconds:
        fail("runway.alerts.critical.below", "must be shorter than runway.alerts.warning.below")
    if rw.cap_seconds <= rw.warning.below_seconds:
        fail("runway.cap", "must be longer than runway.alerts.warning.below")
    shortest_window = min(slo.window_seconds for slo in spec.slos)
    for severity, tiers in (("page", rw.page_tiers), ("ticket", rw.ticket_tiers)):
        for i, tier in enumerate(tiers):
            where = f"runway.burn_alerts.{severity}[{i}]"
            if not 60 <= tier.short_seconds < tier.long_seconds:
                fail(f"{where}.short", f"must be at least 1m and shorter than long ({tier.long})")
            if tier.long_seconds > shortest_window:
                fail(f"{where}.long", "must not exceed the SLO window")


def _check_rule_groups(fail: _Fail, spec: Spec) -> None:
    r = spec.rules
    scrape = durations.parse(spec.prometheus.scrape_interval if spec.prometheus else d.SCRAPE_INTERVAL)
    if r.interval_seconds < 1:
        fail("rules.interval", "must be at least 1s")
    if r.long_interval_seconds < r.interval_seconds:
        fail("rules.long_windows.interval", f"must not be shorter than rules.interval ({r.interval})")
    if r.long_interval_seconds < 2 * scrape:
        fail("rules.long_windows.interval", f"must be at least twice the scrape interval ({scrape}s): "
                                            "each recorded rate needs two samples")
    if r.long_from_seconds < 2 * r.long_interval_seconds:
        fail("rules.long_windows.from", f"must be at least twice rules.long_windows.interval "
                                        f"({r.long_interval}): a long window averages several rates")
