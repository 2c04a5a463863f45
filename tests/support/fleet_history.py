"""A month of every SLI kind of examples/fleet.yaml, one sample a minute, worse in the last hours.

Shared by tests/test_engines_agree.py (both engines read it) and tests/test_backtest.py
(the backtest reads it from a Prometheus). `DIP_BURN` is each SLO's budget burn during
the dip, straight from the rates below.
"""

from __future__ import annotations

import math

STEP = 60
DAY = 86400
DIP = 3 * 3600  # the last hours run worse, so the windows disagree with each other
PROBE_FAILING = (2, 3)  # of every 7 probes during the dip

# per minute: (good-or-total, bad) before and during the dip; objectives from examples/fleet.yaml
PAYMENTS = {"success": (590.0, 560.0), "failed": (0.7, 30.5)}
AGENT_BAD = {"eu": (0.05, 0.05), "us": (0.05, 6.3)}
INVOICE = {"ok": (40.0, 40.0), "error": (0.11, 2.4)}
LATENCY_FAST = (880.0, 700.0)  # of 900 requests a minute, under 0.25 s
DIP_BURN = {
    "payment_rate": PAYMENTS["failed"][1] / (PAYMENTS["failed"][1] + PAYMENTS["success"][1]) / 0.01,
    "agent_availability/us": AGENT_BAD["us"][1] / (300 + AGENT_BAD["us"][1]) / 0.001,
    "agent_availability/eu": AGENT_BAD["eu"][1] / (300 + AGENT_BAD["eu"][1]) / 0.001,
    "invoice_success": INVOICE["error"][1] / (INVOICE["ok"][1] + INVOICE["error"][1]) / 0.005,
    "api_latency": (900 - LATENCY_FAST[1]) / 900 / 0.01,
    "checkout_probe": len(PROBE_FAILING) / 7 / 0.005,
}


def history(end: int, days: int = 31) -> list[str]:
    """Prometheus text lines (timestamps in ms) for every input series of the fleet example."""
    start = end - days * DAY
    series: dict[str, list[str]] = {}
    totals: dict[str, float] = {}

    def add(name: str, t: int, increment: float | None = None, value: float | None = None) -> None:
        if increment is not None:
            totals[name] = totals.get(name, 0.0) + increment
            value = math.floor(totals[name])
        series.setdefault(name, []).append(f"{name} {value} {t * 1000}")

    for t in range(start, end + 1, STEP):
        dip = int(t > end - DIP)
        for status, rates in PAYMENTS.items():
            add(f'crm_payments_total{{status="{status}"}}', t, rates[dip])
        for cluster, bad in AGENT_BAD.items():
            add(f'agent_requests_total{{cluster="{cluster}",code="200"}}', t, 300.0)
            add(f'agent_requests_total{{cluster="{cluster}",code="500"}}', t, bad[dip])
        for result, rates in INVOICE.items():
            add(f'invoice_jobs_total{{result="{result}"}}', t, rates[dip])
        add('api_request_duration_seconds_count{job="api"}', t, 900.0)
        add('api_request_duration_seconds_bucket{job="api",le="0.25"}', t, LATENCY_FAST[dip])
        add('api_request_duration_seconds_bucket{job="api",le="+Inf"}', t, 900.0)
        failing = dip and (t // STEP) % 7 in PROBE_FAILING
        add('probe_success{job="blackbox",module="http_2xx",target="https://checkout.example.com"}', t,
            value=0 if failing else 1)
    return [line for lines in series.values() for line in lines]


def openmetrics(lines: list[str]) -> str:
    """The same samples as OpenMetrics (timestamps in seconds) for promtool."""
    return "\n".join(f"{a} {b} {int(c) // 1000}" for a, b, c in (ln.rsplit(" ", 2) for ln in lines)) + "\n# EOF\n"
