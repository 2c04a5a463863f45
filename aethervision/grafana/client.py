"""Talking to Grafana through grafana-client: auth, retries, clear errors, one Session.

Credentials come from the environment (GRAFANA_TOKEN, else GRAFANA_USER and
GRAFANA_PASSWORD) and never appear in messages; credentials in URLs are redacted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlparse

import niquests
from grafana_client import GrafanaApi
from grafana_client.client import (
    GrafanaClientError,
    GrafanaException,
    GrafanaServerError,
    GrafanaTimeoutError,
    GrafanaUnauthorizedError,
)

from aethervision.core.errors import NetworkError, UserError, redact

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
    namespace: str = "default"  # /apis namespace: `default` is org 1 of Grafana OSS (GRAFANA_NAMESPACE)
    # Told of every failed attempt before the retry, so a Grafana that never answers is not silence.
    say: Callable[[str], None] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_env(cls, env: dict, url: str | None = None, anonymous: bool = False,
                 **options) -> Connection:
        """Connection from GRAFANA_* variables; `anonymous` allows no credentials at all."""
        url = url or env.get("GRAFANA_URL")
        if not url:
            raise UserError("no Grafana URL: set GRAFANA_URL or pass --grafana-url")
        token = env.get("GRAFANA_TOKEN") or None
        user, password = env.get("GRAFANA_USER") or None, env.get("GRAFANA_PASSWORD") or None
        if not token and not (user and password) and not anonymous:
            raise UserError("no Grafana credentials: set GRAFANA_TOKEN (service-account token), "
                            "or GRAFANA_USER and GRAFANA_PASSWORD")
        options.setdefault("namespace", env.get("GRAFANA_NAMESPACE") or "default")
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
                        "permissions") from exc
                raise
            except (GrafanaTimeoutError, niquests.exceptions.Timeout):
                failure = f"timed out after {self.timeout:g}s"
            except (GrafanaException, niquests.exceptions.ConnectionError,
                    niquests.exceptions.RequestException) as exc:
                failure = f"connection failed ({type(exc).__name__})"
            if attempt == self.retries:
                break
            if self.say is not None:
                self.say(f"{what} at {self.safe_url}: {failure}; retrying in {delay:g} s "
                         f"(attempt {attempt + 2} of {self.retries + 1})")
            sleep(delay)
            delay *= 2
        raise NetworkError(f"could not {what} at {self.safe_url}: {failure} "
                           f"(tried {self.retries + 1} times)")


class NotGrafana(UserError):
    """The URL answered, but not as Grafana's HTTP API does (HTML, plain text, another app)."""


def _describe(answer) -> str:
    if isinstance(answer, str):
        text = " ".join(answer.split())
        kind = "an HTML page" if text[:200].lower().lstrip().startswith(("<!doctype", "<html")) else "text"
        return f"{kind} ({len(answer)} characters) instead of JSON"
    return f"a JSON {type(answer).__name__} instead of an object"


class Session:
    """One Grafana connection and its API: the calls push, diff --remote and open make.

    Every read says "absent" (None) only for Grafana's own JSON 404; anything that
    does not answer like Grafana is NotGrafana naming the URL and what came back.
    """

    def __init__(self, conn: Connection):
        self.conn = conn
        self.api = conn.api()

    def _json(self, what: str, answer):
        if not isinstance(answer, dict):
            raise NotGrafana(f"{self.conn.safe_url} is not answering like Grafana: {what} returned "
                             f"{_describe(answer)}; check GRAFANA_URL (the base URL, e.g. "
                             "http://localhost:3000)")
        return answer

    def read(self, what: str, func: Callable[[], T], absent: tuple[int, ...] = (404,)) -> tuple[int, T | None]:
        """(0, answer) or (status, None) for a status in `absent` that Grafana itself gave."""
        def attempt():
            try:
                return 0, self._json(what, func())
            except GrafanaClientError as exc:
                if exc.status_code in absent:
                    if not isinstance(exc.response, dict):  # an HTML 404: not Grafana's API
                        self._json(what, exc.response)
                    return exc.status_code, None
                raise
        return self.conn.call(what, attempt)

    def health(self) -> dict:
        return self.read("check health", lambda: self.api.client.GET("/health"))[1]

    def dashboard(self, uid: str, absent: tuple[int, ...] = (404,)) -> tuple[int, dict | None]:
        """(0, {"dashboard": ..., "meta": ...}) or (status, None)."""
        return self.read(f"read dashboard {uid}", lambda: self.api.dashboard.get_dashboard(uid), absent)

    def folder_exists(self, uid: str) -> bool:
        return self.read(f"read folder {uid}", lambda: self.api.folder.get_folder(uid))[0] == 0

    def create_folder(self, uid: str, title: str) -> None:
        self.conn.call(f"create folder {uid}", lambda: self.api.folder.create_folder(title, uid=uid))

    def save_dashboard(self, uid: str, payload: dict) -> None:
        self.conn.call(f"save dashboard {uid}", lambda: self.api.dashboard.update_dashboard(payload))
