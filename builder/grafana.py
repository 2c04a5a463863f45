"""Talking to Grafana through grafana-client: auth, retries, clear errors.

Credentials come from the environment (GRAFANA_TOKEN, else GRAFANA_USER and
GRAFANA_PASSWORD) and never appear in messages; credentials in URLs are redacted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlparse

import niquests
from grafana_client import GrafanaApi
from grafana_client.client import (
    GrafanaClientError, GrafanaException, GrafanaServerError, GrafanaTimeoutError,
    GrafanaUnauthorizedError,
)

from aethervision.errors import NetworkError, UserError, redact

T = TypeVar("T")


@dataclass(frozen=True)
class Connection:
    url: str
    token: str | None = None
    user: str | None = None
    password: str | None = None
    verify: bool = True
    timeout: float = 10.0
    retries: int = 3  # retries after the first attempt
    backoff: float = 0.5  # seconds, doubled per retry

    @classmethod
    def from_env(cls, env: dict, url: str | None = None, anonymous: bool = False,
                 **options) -> "Connection":
        """Connection from GRAFANA_* variables; `anonymous` allows no credentials at all."""
        url = url or env.get("GRAFANA_URL")
        if not url:
            raise UserError("no Grafana URL: set GRAFANA_URL or pass --grafana-url")
        token = env.get("GRAFANA_TOKEN") or None
        user, password = env.get("GRAFANA_USER") or None, env.get("GRAFANA_PASSWORD") or None
        if not token and not (user and password) and not anonymous:
            raise UserError("no Grafana credentials: set GRAFANA_TOKEN (service-account token), "
                            "or GRAFANA_USER and GRAFANA_PASSWORD")
        return cls(url=url.rstrip("/"), token=token, user=user, password=password, **options)

    @property
    def safe_url(self) -> str:
        return redact(self.url, self.secrets)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.password) if s)

    @property
    def has_credentials(self) -> bool:
        return bool(self.token or (self.user and self.password))

    def api(self) -> GrafanaApi:
        """A grafana-client API object; the token goes as a Bearer header."""
        parsed = urlparse(self.url)
        prefix = parsed.path.strip("/")
        auth = self.token or ((self.user, self.password) if self.has_credentials else None)
        return GrafanaApi(
            auth=auth,
            host=parsed.hostname or "localhost", port=parsed.port, protocol=parsed.scheme or "http",
            url_path_prefix=f"{prefix}/" if prefix else "", verify=self.verify, timeout=self.timeout)

    def call(self, what: str, func: Callable[[], T], sleep: Callable[[float], None] = time.sleep) -> T:
        """Run one API call with bounded exponential backoff on 5xx, timeouts and drops."""
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return func()
            except GrafanaUnauthorizedError:
                raise UserError(f"Grafana at {self.safe_url} rejected the credentials (401) while "
                                f"trying to {what}: check GRAFANA_TOKEN (or GRAFANA_USER/"
                                "GRAFANA_PASSWORD)") from None
            except GrafanaServerError as exc:
                failure = f"server error {exc.status_code}"
            except GrafanaClientError as exc:
                if exc.status_code == 403:
                    raise UserError(
                        f"Grafana at {self.safe_url} denied permission (403) to {what}: the token "
                        "needs the Editor role, or dashboards:write and folders:create "
                        "permissions") from None
                raise
            except (GrafanaTimeoutError, niquests.exceptions.Timeout):
                failure = f"timed out after {self.timeout:g}s"
            except (GrafanaException, niquests.exceptions.ConnectionError,
                    niquests.exceptions.RequestException) as exc:
                failure = f"connection failed ({type(exc).__name__})"
            if attempt == self.retries:
                break
            sleep(delay)
            delay *= 2
        raise NetworkError(f"could not {what} at {self.safe_url}: {failure} "
                           f"(tried {self.retries + 1} times)")
