"""The aethervision.recording aggregates and the operator alerts."""

from __future__ import annotations

from aethervision.core.model import Spec
from aethervision.promql import queries as q

LABELS = {"component": "aethervision"}


def recording_group(spec: Spec) -> dict:
    """Group aethervision.recording: one series per KPI, 0 rather than empty."""
    worst = " or ".join(q.days_to_breach(slo) for slo in spec.slos)
    rules = [
        {"record": q.ALERTS_COUNT, "expr": q.firing_alerts()},
        {"record": q.ALERTS_CRITICAL, "expr": q.firing_alerts("critical")},
        {"record": q.ALERTS_WARNING, "expr": q.firing_alerts("warning")},
    ]
    if spec.probes:
        rules += [{"record": q.PROBES_HTTP_UP, "expr": q.healthy_probes(spec.probes.http)},
                  {"record": q.PROBES_TCP_UP, "expr": q.healthy_probes(spec.probes.tcp)}]
    # The worst runway over all SLOs and groups. Deliberately empty (not 0) while
    # no SLI data exists: 0 days would claim a breach.
    rules.append({"record": q.DAYS_TO_BREACH, "expr": f"min({worst})"})
    if spec.autoheal:
        enabled = q.autoheal_selector(spec, q.AUTOHEAL_ENABLED_INPUT)
        last_action = q.autoheal_selector(spec, q.AUTOHEAL_LAST_ACTION_INPUT)
        rules += [
            {"record": q.AUTOHEAL_ENABLED, "expr": f"max({enabled}) or vector(0)"},
            # -1 means "no action yet" (the exporter reports epoch 0 then).
            {"record": q.AUTOHEAL_LAST_ACTION_AGE, "expr": f"time() - max({last_action} > 0) or vector(-1)"},
        ]
    return {"name": "aethervision.recording", "rules": rules}


def alert_group(spec: Spec) -> dict:
    """Group aethervision.alerts: autoheal and probe coverage alerts, for the sections the spec has."""
    return {"name": "aethervision.alerts", "rules": _autoheal_alerts(spec) + _probe_alerts(spec)}


def _autoheal_alerts(spec: Spec) -> list[dict]:
    if not spec.autoheal:
        return []
    enabled = q.autoheal_selector(spec, q.AUTOHEAL_ENABLED_INPUT)
    stale = spec.autoheal.stale_after
    age = q.AUTOHEAL_LAST_ACTION_AGE
    return [
        {
            "alert": "AutohealDisabledInDev",
            "expr": f"{enabled} == 0",
            "for": spec.autoheal.disabled_for,
            "labels": {**LABELS, "severity": "info"},
            "annotations": {
                "summary": "Autoheal is disabled",
                "description": "Autoheal has been disabled for "
                               f"{spec.autoheal.disabled_for}: expected in production, "
                               "a reminder in development.",
            },
        },
        {
            "alert": "AutohealStaleActions",
            # Enabled for all of stale_after (min over the range, and already
            # enabled stale_after ago: a young series has a short range) and
            # no action within it, or never (-1).
            "expr": (f"min_over_time({q.AUTOHEAL_ENABLED}[{stale}]) == 1\n"
                     f"  and on () ({q.AUTOHEAL_ENABLED} offset {stale}) == 1\n"
                     f"  and on () ({age} > {spec.autoheal.stale_after_seconds} or {age} < 0)"),
            "for": "10m",
            "labels": {**LABELS, "severity": "warning"},
            "annotations": {
                "summary": f"Autoheal is enabled but took no action in {stale}",
                "description": "Check the autoheal mappings, the `autoheal: \"true\"` alert "
                               "labels and the Alertmanager route to the autoheal webhook.",
            },
        },
    ]


def _endpoint_down(spec: Spec) -> list[dict]:
    """One alert per probed endpoint that fails (each series of the probe selector is one
    endpoint), as the seed names them; autoheal-labelled where the spec asks."""
    down = spec.probes.down
    if down.disable:
        return []
    labels = {**LABELS, "severity": down.severity, **({"autoheal": "true"} if down.autoheal else {})}
    out = []
    for kind, selector in (("Http", spec.probes.http), ("Tcp", spec.probes.tcp)):
        out.append({
            "alert": f"{kind}EndpointDownFast",
            "expr": f"{selector} == 0",
            "for": down.for_,
            "labels": dict(labels),
            "annotations": {
                "summary": f"{kind.upper()} endpoint {{{{ $labels.instance }}}} is down",
                "description": f"The {kind.upper()} probe of {{{{ $labels.instance }}}} has failed for {down.for_} "
                               f"({selector}).",
            },
        })
    return out


def _probe_alerts(spec: Spec) -> list[dict]:
    if not spec.probes:
        return []
    return _endpoint_down(spec) + [
        {
            "alert": "ProbesCoverageLow",
            "expr": f"{q.probes_up()} < {spec.probes.min_healthy}",
            "for": spec.probes.for_,
            "labels": {**LABELS, "severity": "warning"},
            "annotations": {
                "summary": f"Fewer than {spec.probes.min_healthy} healthy probes",
                "description": "Only {{ $value }} HTTP and TCP probes are healthy (minimum "
                               f"{spec.probes.min_healthy}): observability coverage is degraded.",
            },
        },
    ]
