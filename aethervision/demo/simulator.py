"""The payment-rate simulator: crm_payments_total{status} with a controllable failure ratio.

Counters advance continuously at `rps` requests per second, split by the
current error ratio, so any window's error ratio is exactly the ratio that was
set for it. `history()` writes the same counters for past days as OpenMetrics
for `promtool tsdb create-blocks-from openmetrics`.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily

from aethervision.core import defaults
from aethervision.core.errors import NetworkError, UserError
from aethervision.core.files import write_atomic
from aethervision.runtime import httpd

METRIC = "crm_payments"  # exposed as crm_payments_total, the payment_rate SLI
DEFAULT_RPS = defaults.SIMULATOR_RPS
HEALTHY_RATIO = defaults.SIMULATOR_HEALTHY_RATIO
DIP_RATIO = defaults.SIMULATOR_DIP_RATIO


def check_settings(rps: float | None, error_ratio: float | None) -> None:
    """UserError unless 0 <= error_ratio <= 1 and rps >= 0."""
    if error_ratio is not None and not 0 <= error_ratio <= 1:
        raise UserError(f"error ratio must be between 0 and 1 (got {error_ratio})")
    if rps is not None and rps < 0:
        raise UserError(f"requests per second must be >= 0 (got {rps})")


@dataclass(frozen=True)
class Counters:
    at: float  # unix seconds
    success: float
    failed: float


class PaymentSimulator:
    """Counters that advance with the clock at the current rate and error ratio."""

    def __init__(self, rps: float = DEFAULT_RPS, error_ratio: float = HEALTHY_RATIO,
                 start: Counters | None = None, clock: Callable[[], float] = time.time):
        check_settings(rps, error_ratio)
        self.clock = clock
        self.rps, self.error_ratio = rps, error_ratio
        now = clock()
        start = start or Counters(now, 0.0, 0.0)
        # Traffic went on between the end of the history and now, at the current settings.
        self._state = _advance(start, now, rps, error_ratio)
        self._lock = threading.Lock()

    def counters(self) -> Counters:
        with self._lock:
            self._state = _advance(self._state, self.clock(), self.rps, self.error_ratio)
            return self._state

    def set(self, rps: float | None = None, error_ratio: float | None = None) -> dict:
        """Change rate and/or error ratio from now on; returns the new settings."""
        check_settings(rps, error_ratio)
        with self._lock:
            self._state = _advance(self._state, self.clock(), self.rps, self.error_ratio)
            self.rps = self.rps if rps is None else rps
            self.error_ratio = self.error_ratio if error_ratio is None else error_ratio
            return self.settings()

    def settings(self) -> dict:
        return {"rps": self.rps, "error_ratio": self.error_ratio}

    def collect(self):
        """prometheus_client collector protocol."""
        state = self.counters()
        family = CounterMetricFamily(METRIC, "Payment attempts by outcome (AetherVision simulator)",
                                     labels=["status"])
        family.add_metric(["success"], state.success)
        family.add_metric(["failed"], state.failed)
        yield family


def _advance(state: Counters, now: float, rps: float, error_ratio: float) -> Counters:
    elapsed = max(0.0, now - state.at)
    return Counters(max(now, state.at), state.success + rps * elapsed * (1 - error_ratio),
                    state.failed + rps * elapsed * error_ratio)


def server(sim: PaymentSimulator, host: str, port: int) -> httpd.Server:
    """/metrics for Prometheus, / for the settings, POST /control to change them."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(sim)

    def metrics(_request):
        return httpd.Response(200, generate_latest(registry), CONTENT_TYPE_LATEST)

    def status(_request):
        state = sim.counters()
        return httpd.json_response(200, {**sim.settings(), "success_total": state.success,
                                         "failed_total": state.failed})

    def control(request):
        try:
            body = httpd.parse_json(request)
            if not isinstance(body, dict) or not set(body) <= {"rps", "error_ratio"} or not body:
                raise ValueError('expected {"error_ratio": 0..1, "rps": >= 0} (either or both)')
            values = {k: float(v) for k, v in body.items()
                      if isinstance(v, (int, float)) and not isinstance(v, bool)}
            if len(values) != len(body):
                raise ValueError("rps and error_ratio must be numbers")
            return httpd.json_response(200, sim.set(**values))
        except (ValueError, UserError) as exc:
            return httpd.error(400, str(exc))

    routes = {("GET", "/metrics"): metrics, ("GET", "/"): status, ("POST", "/control"): control}
    return httpd.Server(routes, host, port, "simulator")


# -- history for backfilling --------------------------------------------------------
def history(path: Path, start: int, end: int, step: int, rps: float, error_ratio: float,
            labels: dict[str, str] | None = None,
            incidents: tuple[tuple[int, int, float], ...] = ()) -> Counters:
    """Write counters from start to end (unix seconds) every step as OpenMetrics.

    `labels` should be the ones Prometheus attaches when it scrapes the live
    simulator (job, instance): with them, history and live samples are one
    series and every rate across the join is right; without them they are two
    series, and windows spanning both count only part of each.
    `incidents` are (start, end, error ratio) spans during which that ratio
    replaces `error_ratio` (a step takes the ratio in force at its end).
    Returns the last sample, from which a live simulator can carry on.
    """
    check_settings(rps, error_ratio)
    for _, _, ratio in incidents:
        check_settings(None, ratio)
    if step < 1 or end <= start:
        raise UserError("history needs end > start and a step of at least 1s")
    times = range(start, end + 1, step)
    extra = "".join(f',{k}="{v}"' for k, v in sorted((labels or {}).items()))
    ok, bad, totals = [], [], Counters(float(start), 0.0, 0.0)
    for i, t in enumerate(times):
        if i:
            ratio = next((r for lo, hi, r in incidents if lo < t <= hi), error_ratio)
            totals = Counters(float(t), totals.success + rps * step * (1 - ratio), totals.failed + rps * step * ratio)
        ok.append(f'{METRIC}_total{{status="success"{extra}}} {totals.success:.6f} {t}')
        bad.append(f'{METRIC}_total{{status="failed"{extra}}} {totals.failed:.6f} {t}')
    lines = [f"# HELP {METRIC} Payment attempts by outcome (AetherVision simulator history)",
             f"# TYPE {METRIC} counter", *ok, *bad, "# EOF"]
    write_atomic(path, "\n".join(lines) + "\n")
    return totals


def last_counters(path: Path) -> Counters:
    """The last sample of each counter in a history file written by history()."""
    found: dict[str, tuple[float, float]] = {}
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(f"{METRIC}_total{{"):
                    labels, value, at = line.rsplit(" ", 2)
                    status = labels.split('status="', 1)[1].split('"', 1)[0]
                    found[status] = (float(value), float(at))
    except OSError as exc:
        raise UserError(f"{path}: cannot read history: {exc.strerror}") from exc
    except (ValueError, IndexError):
        raise UserError(f"{path}: not a history file written by `aethervision simulate backfill`") \
            from None
    if set(found) != {"success", "failed"}:
        raise UserError(f"{path}: no {METRIC}_total samples for both success and failed")
    at = min(found["success"][1], found["failed"][1])
    return Counters(at, found["success"][0], found["failed"][0])


def control(url: str, settings: dict, timeout: float = 5.0) -> dict:
    """POST new settings to a running simulator; returns what it now uses."""
    check_settings(settings.get("rps"), settings.get("error_ratio"))
    request = urllib.request.Request(  # noqa: S310 - the simulator's own http URL
        f"{url.rstrip('/')}/control", data=json.dumps(settings).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            return json.load(response)
    except urllib.error.HTTPError as exc:
        raise UserError(f"simulator at {url} refused the change ({exc.code}): {exc.read().decode()}") \
            from exc
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise NetworkError(f"simulator at {url} is not reachable ({getattr(exc, 'reason', exc)}): "
                           "start it with `make demo` or `aethervision simulate serve`") from exc
