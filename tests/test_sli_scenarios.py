"""SLI kinds, groups, no-data, disabled tiers and routing labels in the real `promtool test rules`.

Each scenario generates the rules of its own minimal spec (`version` plus one
SLO, every other section left out) with a 7-day window, so eight days of
5-minute samples fill it and the runs stay short. Expected values are computed
here from the input series, not from the rules: counter SLIs (ratio, latency,
groups) with tests/support/scenarios.expected, probes with probe_expected
(sample shares of a range one second short of the window, its start excluded).
Tolerance: 1% relative (promtool_run.TOLERANCE), 2% one hour into the probe
incident (see probe_case).
"""

from __future__ import annotations

import pytest
import yaml

from aethervision.clients import promtool

from support import promtool_run as pr
from support.repo import generated_rule_files
from support.scenarios import (
    DAY,
    HOUR,
    MINUTE,
    STEP,
    ProbeSegment,
    Segment,
    expected,
    input_series,
    probe_expected,
    probe_series,
    trend_hours,
)

WINDOW = 7 * DAY
T0 = 8 * DAY  # end of the healthy history: the 7-day window is full
HEALTHY = Segment(T0, 10, 0.001)
DIP = Segment(3 * HOUR, 10, 0.3)  # burn 30: above the 14.4 page factor

pytestmark = [pytest.mark.promtool, pytest.mark.slow]


def slo(name: str, service: str, sli: dict, **extra) -> dict:
    return {"name": name, "service": service, "objective": 0.99, "window": "7d", "sli": sli, **extra}


def labels_of(name: str, service: str, severity: str | None = None, **more) -> dict:
    out = {"slo": name, "service": service, "component": "slo", **more}
    return {"severity": severity, **out} if severity else out


def matchers(labels: dict) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))


def never(name: str, times) -> list[tuple[str, int]]:
    """`name` is not firing at any of `times`."""
    return [(f'ALERTS{{alertname="{name}", alertstate="firing"}}', at) for at in times]


def counter(segments: list[Segment], share, metric: str) -> dict:
    """A counter whose increments are `share(segment)` of each segment's requests."""
    runs = ((seg.rps * STEP * share(seg), seg.steps) for seg in segments)
    return {"series": metric, "values": promtool.counter_values(runs)}


# -- latency: half the traffic from a Go client (le="1"), half from Python (le="1.0") --------

def latency_case() -> tuple[dict, pr.Case]:
    spec = slo("api_latency", "api", {"latency": {"histogram": "http_seconds", "selector": '{job="api"}',
                                                  "below": 1}}, labels={"team": "platform"})
    dip = [HEALTHY, DIP]
    half = [Segment(s.seconds, s.rps / 2, s.error_ratio) for s in dip]
    series = []
    for instance, le in (("go", "1"), ("py", "1.0")):
        base = f'job="api", instance="{instance}"'
        series += [
            counter(half, lambda s: 1, f"http_seconds_count{{{base}}}"),
            counter(half, lambda s: 1, f'http_seconds_bucket{{{base}, le="+Inf"}}'),
            counter(half, lambda s: 1 - s.error_ratio, f'http_seconds_bucket{{{base}, le="{le}"}}'),
            counter(half, lambda s: (1 - s.error_ratio) / 2, f'http_seconds_bucket{{{base}, le="0.5"}}'),
        ]
    at = T0 + 2 * HOUR
    e = dict(expected(dip, at, window=WINDOW), trend=trend_hours(dip, at, window=WINDOW))
    page = "ApiLatencyErrorBudgetFastBurn"
    first = next(t for t in range(T0, at, 10 * MINUTE) if expected(dip, t, window=WINDOW)["burn_1h"] > 14.4)
    case = pr.Case(
        "latency_dip", series, labels=matchers(labels_of("api_latency", "api")),
        values=[(f"slo:api_latency:{n}", at, e[k]) for n, k in (
            ("hours_to_breach_1h", "hours_1h"), ("hours_to_breach_6h", "hours_6h"), ("hours_to_breach", "trend"),
            ("error_budget_remaining:ratio", "ebr"), ("burn_rate:rate1h", "burn_1h"),
            ("budget_burn:rate1h", "budget_burn_1h"))],
        firing=[(page, first + 10 * MINUTE, labels_of("api_latency", "api", "critical", team="platform")),
                (page, at, labels_of("api_latency", "api", "critical", team="platform"))],
        empty=never(page, [T0, first - 10 * MINUTE]))
    return spec, case


# -- probe: 3 of 10 probes fail for an hour ---------------------------------------------------

def probe_case() -> tuple[dict, pr.Case]:
    selector = 'probe_success{job="blackbox", module="http_2xx"}'
    spec = slo("checkout_probe", "checkout", {"probe": selector})
    segments = [ProbeSegment(T0, 10, 0), ProbeSegment(HOUR, 10, 3), ProbeSegment(2 * HOUR, 10, 0)]
    at, after = T0 + HOUR, T0 + 3 * HOUR
    e = probe_expected(segments, at, 0.99, WINDOW)
    page = "CheckoutProbeErrorBudgetFastBurn"
    case = pr.Case(
        "probe_failing", probe_series(segments, selector), labels=matchers(labels_of("checkout_probe", "checkout")),
        values=[("slo:checkout_probe:error_ratio:rate1h", at, e["ratio_1h"]),
                ("slo:checkout_probe:burn_rate:rate1h", at, e["burn_1h"]),
                ("slo:checkout_probe:error_budget_remaining:ratio", at, e["ebr"]),
                ("slo:checkout_probe:hours_to_breach_1h", at, e["hours_1h"]),
                ("slo:checkout_probe:error_budget_remaining:ratio", after,
                 probe_expected(segments, after, 0.99, WINDOW)["ebr"])],
        # 2% here: the window's ratio averages the recorded 10m rates, so one hour into the
        # incident it has not yet counted the newest samples a second time (1.2% on the budget
        # measured); two hours later it agrees within 0.01%.
        tolerance=0.02,
        firing=[(page, at, labels_of("checkout_probe", "checkout", "critical"))],
        empty=never(page, [T0, T0 + 3 * HOUR]))
    return spec, case


# -- groups: two clusters, only eu burns --------------------------------------------------------

def cluster_series(segments: list[Segment], cluster: str) -> list[dict]:
    return [dict(s, series=s["series"].replace("{", f'{{cluster="{cluster}", ')) for s in
            input_series(segments, metric="agent_requests_total")]


def grouped_case() -> tuple[dict, pr.Case]:
    spec = slo("agent_availability", "agent", {"errors": 'agent_requests_total{status="failed"}',
                                               "total": "agent_requests_total"},
               group_by=["cluster"], labels={"team": "agents"})
    eu, us = [HEALTHY, DIP], [HEALTHY, Segment(3 * HOUR, 10, 0.001)]
    at = T0 + 2 * HOUR
    values, value_labels = [], {}
    for cluster, segments in (("eu", eu), ("us", us)):
        e = dict(expected(segments, at, window=WINDOW), trend=trend_hours(segments, at, window=WINDOW))
        for name, key in (("hours_to_breach_1h", "hours_1h"), ("hours_to_breach", "trend"),
                          ("error_budget_remaining:ratio", "ebr")):
            expr = f'slo:agent_availability:{name}{{cluster="{cluster}"}}'
            values.append((expr, at, e[key]))
            value_labels[expr] = "{" + matchers(labels_of("agent_availability", "agent", cluster=cluster)) + "}"
    # The healthy cluster's runway is what it was before eu's incident.
    assert expected(us, at, window=WINDOW)["hours_1h"] == pytest.approx(expected(us, T0, window=WINDOW)["hours_1h"])
    values.append(("aethervision:days_to_breach", at, trend_hours(eu, at, window=WINDOW) / 24))
    page = "AgentAvailabilityErrorBudgetFastBurn"
    case = pr.Case(
        "grouped_one_cluster_burns", cluster_series(eu, "eu") + cluster_series(us, "us"),
        values=values, value_labels=value_labels,
        firing=[(page, at, labels_of("agent_availability", "agent", "critical", cluster="eu", team="agents"))],
        empty=[('ALERTS{cluster="us", alertstate="firing"}', t) for t in (T0 + HOUR, at, T0 + 3 * HOUR)])
    return spec, case


def grouped_no_data_case() -> tuple[dict, pr.Case]:
    """us stops reporting at T0 (its series end), eu carries on: SLINoData for us only."""
    spec = grouped_case()[0]
    series = cluster_series([HEALTHY, Segment(3 * HOUR, 10, 0.001)], "eu") + cluster_series([HEALTHY], "us")
    name = "AgentAvailabilitySLINoData"
    fires = T0 + 10 * MINUTE + 10 * MINUTE  # the 10m rate needs two samples; then `for: 10m`
    case = pr.Case(
        "grouped_no_data", series,
        firing=[(name, fires + 10 * MINUTE, labels_of("agent_availability", "agent", "warning", cluster="us",
                                                      team="agents"))],
        empty=[('ALERTS{cluster="eu", alertstate="firing"}', fires + 10 * MINUTE),
               (f'ALERTS{{alertname="{name}", alertstate="firing"}}', T0 + 10 * MINUTE)],
        silent=[fires + 10 * MINUTE, T0 + 3 * HOUR], silent_except=(name,))
    return spec, case


# -- no data: the SLI stops; only SLINoData fires, after its `for` ------------------------------

def no_data_case() -> tuple[dict, pr.Case]:
    spec = slo("payment_rate", "crm", {"errors": 'crm_payments_total{status="failed"}',
                                       "total": "crm_payments_total"}, no_data={"for": "20m"})
    name = "PaymentRateSLINoData"
    last_sample = T0
    rate_gone = last_sample + 10 * MINUTE  # a 10m rate needs two samples in its range
    case = pr.Case(
        "no_data", input_series([HEALTHY]),
        firing=[(name, rate_gone + 20 * MINUTE, labels_of("payment_rate", "crm", "warning")),
                (name, T0 + 3 * HOUR, labels_of("payment_rate", "crm", "warning"))],
        empty=never(name, [rate_gone, rate_gone + 10 * MINUTE]),
        silent=[rate_gone + 10 * MINUTE, rate_gone + 20 * MINUTE, T0 + 3 * HOUR], silent_except=(name,))
    return spec, case


# -- a disabled tier never fires; routing labels reach the alerts ------------------------------

def routing_case() -> tuple[dict, pr.Case]:
    spec = slo("payment_rate", "crm", {"errors": 'crm_payments_total{status="failed"}',
                                       "total": "crm_payments_total"},
               labels={"team": "payments"},
               alerting={"page": {"disable": True}, "ticket": {"labels": {"queue": "tickets"}}})
    outage = [HEALTHY, Segment(HOUR, 10, 1.0), Segment(HOUR, 10, 0.001)]
    at = T0 + HOUR
    first_ticket = next(t for t in range(T0, at + 1, 10 * MINUTE)
                        if _budget_burn(outage, t, DAY) > 3)
    base = labels_of("payment_rate", "crm", team="payments")
    case = pr.Case(
        "routing_and_disabled_tier", input_series(outage),
        firing=[("PaymentRateErrorBudgetSlowBurn", first_ticket, {**base, "severity": "warning", "queue": "tickets"}),
                ("PaymentRatePredictedBreachCritical", at, {**base, "severity": "critical"})],
        empty=[('ALERTS{alertname=~".*FastBurn"}', t) for t in range(T0, T0 + 2 * HOUR + 1, 10 * MINUTE)])
    return spec, case


def _budget_burn(segments: list[Segment], at: int, seconds: int) -> float:
    """Budget burn over `seconds`: failed events per second against the budget at the
    window's average traffic (computed from the segments, not the rules)."""
    def events(lo: int, hi: int, share) -> float:
        total, start = 0.0, 0
        for seg in segments:
            overlap = max(0, min(hi, start + seg.seconds) - max(lo, start))
            total += seg.rps * overlap * share(seg)
            start += seg.seconds
        return total
    bad = events(at - seconds, at, lambda s: s.error_ratio) / seconds
    traffic = events(max(0, at - WINDOW), at, lambda s: 1) / min(at, WINDOW)
    return bad / (0.01 * traffic)


BUILDERS = [latency_case, probe_case, grouped_case, grouped_no_data_case, no_data_case, routing_case]
NAMES = ["latency_dip", "probe_failing", "grouped_one_cluster_burns", "grouped_no_data", "no_data",
         "routing_and_disabled_tier"]


@pytest.fixture(scope="module", params=pr.ENGINES)
def results(request, tmp_path_factory):
    binary = pr.engine_promtool(request.param)
    jobs, files = [], {}
    for build in BUILDERS:
        spec, case = build()
        folder = tmp_path_factory.mktemp(case.name)
        path = folder / "aethervision.yaml"
        path.write_text(yaml.safe_dump({"version": "aethervision/v1", "slos": [spec]}, sort_keys=False))
        files[case.name] = generated_rule_files(folder, path)
        jobs.append((case, files[case.name]))
    assert [case.name for case, _ in jobs] == NAMES
    workdir = tmp_path_factory.mktemp(f"promtool-{request.param}")
    return workdir, files, {case.name: case for case, _ in jobs}, pr.run_jobs(jobs, workdir, binary), binary


@pytest.mark.parametrize("name", NAMES)
def test_scenario(name, results):
    workdir, files, cases, done, binary = results
    if done[name].returncode != 0:
        pytest.fail(pr.explain(cases[name], files[name], workdir, done[name], binary))


def test_the_probe_model_counts_samples_as_the_rules_select_them():
    """Guard the independent model: 3 of 10 probes fail for the hour ending at T0 + 1h; the
    range one second short of 1h holds 12 samples per probe (not the one at its start), all
    12 in the failing hour."""
    segments = [ProbeSegment(T0, 10, 0), ProbeSegment(HOUR, 10, 3)]
    e = probe_expected(segments, T0 + HOUR, 0.99, WINDOW)
    assert e["ratio_1h"] == pytest.approx(36 / 120)
    assert e["ebr"] == pytest.approx(1 - (36 / (10 * (WINDOW // STEP))) / 0.01)
