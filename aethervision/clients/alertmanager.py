"""A small client for Alertmanager's API v2: its status (with the loaded configuration) and alerts."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from aethervision.core.errors import NetworkError, redact


@dataclass(frozen=True)
class Client:
    url: str
    timeout: float = 5.0

    def _get(self, path: str):
        url = f"{self.url.rstrip('/')}{path}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - http(s) only
                return json.load(response)
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            raise NetworkError(f"Alertmanager at {redact(self.url)} is not reachable "
                               f"({getattr(exc, 'reason', exc)})") from exc
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise NetworkError(f"{redact(url)} did not answer with JSON: is this Alertmanager?") from None

    def status(self) -> dict:
        """/api/v2/status: cluster, version, and `config.original`, the configuration it runs."""
        return self._get("/api/v2/status")

    def alerts(self) -> list[dict]:
        return self._get("/api/v2/alerts")
