"""HTTP routes of the autoheal service: /metrics, / (status), POST /alertmanager."""

from __future__ import annotations

import hmac
from dataclasses import replace

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from aethervision.autoheal import webhook
from aethervision.autoheal.service import Autoheal
from aethervision.runtime import httpd

WEBHOOK_PATH = "/alertmanager"


def server(autoheal: Autoheal, host: str, port: int, token: str | None = None) -> httpd.Server:
    """The autoheal HTTP server; with a token, the webhook needs `Authorization: Bearer <token>`."""

    def metrics(_request: httpd.Request) -> httpd.Response:
        return httpd.Response(200, generate_latest(autoheal.registry), CONTENT_TYPE_LATEST)

    def status(_request: httpd.Request) -> httpd.Response:
        body = autoheal.status()
        body["webhook"] = {"path": WEBHOOK_PATH, "auth": "bearer" if token else "none"}
        return httpd.json_response(200, body)

    def authorize(request: httpd.Request) -> httpd.Response | None:
        """The webhook's token, checked on the headers before any of the body is read."""
        if request.path == WEBHOOK_PATH and token and \
                not _authorised(request.headers.get("authorization", ""), token):
            return replace(httpd.error(401, "missing or wrong bearer token"),
                           headers={"WWW-Authenticate": 'Bearer realm="autoheal"'})
        return None

    def receive(request: httpd.Request) -> httpd.Response:
        try:
            alerts = webhook.parse(httpd.parse_json(request))
        except ValueError as exc:  # MalformedPayload is a ValueError too
            return httpd.error(400, f"not an Alertmanager v4 webhook payload: {exc}")
        return httpd.json_response(200, {"decisions": autoheal.handle(alerts)})

    def healthy(_request: httpd.Request) -> httpd.Response:
        return httpd.Response(200, b"ok\n", "text/plain")

    routes = {("GET", "/metrics"): metrics, ("GET", "/"): status,
              ("POST", WEBHOOK_PATH): receive, ("GET", "/-/healthy"): healthy}
    return httpd.Server(routes, host, port, "autoheal", authorize)


def _authorised(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
