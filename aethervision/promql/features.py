"""What a spec asks of the engine that evaluates its rules, and which engines can do it.

Two features need Prometheus 3: native histograms (histogram_count and
histogram_fraction over a histogram sample) and UTF-8 metric names (the quoted
`{"http.server.request.duration"}` form of OpenTelemetry names). Prometheus 2.x
cannot parse the second and has no stable first; VictoriaMetrics has neither. Each
need names the spec field it comes from, so a refusal points at the line to change.
"""

from __future__ import annotations

from aethervision.core.model import SLIKind, Spec
from aethervision.promql.parse import LEGACY_NAME, metric_names
from aethervision.promql.sli import selectors

NATIVE = "native histograms"
UTF8 = "UTF-8 metric names"


def needs(spec: Spec) -> list[tuple[str, str, str]]:
    """(spec field, feature, detail) for every place the spec needs Prometheus 3."""
    found = []
    for i, slo in enumerate(spec.slos):
        where = f"slos[{i}].sli"
        if slo.sli.kind is SLIKind.LATENCY:
            field = f"{where}.latency.{'native_histogram' if slo.sli.native else 'histogram'}"
            if slo.sli.native:
                found.append((field, NATIVE, slo.sli.histogram))
            if not LEGACY_NAME.match(slo.sli.histogram):
                found.append((field, UTF8, slo.sli.histogram))
            continue
        for field, text in selectors(slo.sli).items():
            for name in sorted(metric_names(text)):
                if not LEGACY_NAME.match(name):
                    found.append((f"slos[{i}].{field}", UTF8, name))
    return found


def supports(engine: str, version: str) -> bool:
    """Whether `engine` ("prometheus" or "victoriametrics") at `version` evaluates both features."""
    if engine == "victoriametrics":
        return False
    if engine != "prometheus":
        return True  # an engine we cannot name: let it answer for itself
    try:
        return int(version.split(".", 1)[0]) >= 3
    except ValueError:
        return True  # a build that does not say its version: let the engine itself answer


def problems(spec: Spec, engine: str, version: str, what: str, hint: str = "") -> list[str]:
    """Located refusals for `what` (e.g. "promtool 2.42.0 (/usr/bin/promtool)") when it cannot
    evaluate what the spec needs; empty when it can."""
    if supports(engine, version):
        return []
    return [f"{spec.source}: {field}: {detail!r}: {feature} need Prometheus 3, and {what} cannot read them{hint}"
            for field, feature, detail in needs(spec)]
