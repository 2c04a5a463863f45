"""A small client for Prometheus's HTTP API (/api/v1): queries, rules, alerts, targets."""

from __future__ import annotations

import json
import math
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from aethervision.core import defaults
from aethervision.core.errors import NetworkError, UserError, redact

DEFAULT_URL = defaults.PROMETHEUS_URL


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Client:
    url: str = DEFAULT_URL
    timeout: float = 5.0

    @property
    def safe_url(self) -> str:
        return redact(self.url)

    def get(self, path: str, **params: str):
        """GET an API path; returns `data`. NetworkError when unreachable, UserError on a 4xx."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        url = f"{self.url.rstrip('/')}{path}{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            if exc.code >= 500:
                raise NetworkError(f"Prometheus at {self.safe_url} failed ({exc.code}) on {path}: "
                                   f"{detail}") from exc
            raise UserError(f"Prometheus at {self.safe_url} refused {path} ({exc.code}): {detail}") \
                from exc
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NetworkError(f"Prometheus at {self.safe_url} is not reachable ({reason}); "
                               "set PROMETHEUS_URL or start it with `make demo`") from exc
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise NetworkError(f"{self.safe_url}{path} did not answer with JSON: is this Prometheus?") \
                from None
        if body.get("status") != "success":
            raise UserError(f"Prometheus at {self.safe_url}: {body.get('error', 'query failed')}")
        return body["data"]

    def engine(self) -> tuple[str, str]:
        """("prometheus" | "victoriametrics" | "unknown", version) from the server's own /metrics
        (VictoriaMetrics answers Prometheus's buildinfo endpoint with a made-up version)."""
        try:
            with urllib.request.urlopen(f"{self.url.rstrip('/')}/metrics", timeout=self.timeout) as answer:  # noqa: S310
                text = answer.read(8_000_000).decode("utf-8", "replace")
        except (OSError, ValueError):
            return "unknown", ""
        if "vm_app_version" in text:
            found = re.search(r'vm_app_version\{[^}]*version="[^"]*?v(\d+\.\d+\.\d+)', text)
            return "victoriametrics", found.group(1) if found else ""
        found = re.search(r'prometheus_build_info\{[^}]*version="([^"]+)"', text)
        return ("prometheus", found.group(1)) if found else ("unknown", "")

    def query(self, expr: str, at: float | None = None) -> list[Sample]:
        """Instant query (now, or at a Unix time); a scalar or vector result as samples (NaN kept)."""
        data = self.get("/api/v1/query", query=expr, **({"time": f"{at:.3f}"} if at is not None else {}))
        if data["resultType"] == "scalar":
            return [Sample({}, float(data["result"][1]))]
        return [Sample(item["metric"], float(item["value"][1])) for item in data["result"]]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[tuple[dict, list]]:
        """Range query: [(labels, [(time, value), ...]), ...] in Prometheus's order."""
        data = self.get("/api/v1/query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=f"{step:g}")
        return [(item["metric"], [(float(t), float(v)) for t, v in item["values"]]) for item in data["result"]]

    def value(self, expr: str) -> float | None:
        """The single value of a query, or None when it returns nothing (or NaN)."""
        samples = self.query(expr)
        if not samples or math.isnan(samples[0].value):
            return None
        return samples[0].value

    def rule_groups(self) -> list[dict]:
        return self.get("/api/v1/rules")["groups"]

    def alerts(self) -> list[dict]:
        return self.get("/api/v1/alerts")["alerts"] or []  # vmalert: null when none

    def alertmanagers(self) -> list[str]:
        """Base URLs of the Alertmanagers Prometheus has discovered and sends to."""
        active = self.get("/api/v1/alertmanagers")["activeAlertmanagers"]
        return [a["url"].split("/api/")[0] for a in active]

    def targets(self) -> list[dict]:
        return self.get("/api/v1/targets", state="active")["activeTargets"]


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        return json.load(exc).get("error", exc.reason)
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return str(exc.reason)
