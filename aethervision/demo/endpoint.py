"""The demo's CRM API stand-in: an endpoint the blackbox exporter probes over HTTP and TCP.

`/healthz` answers 200, or the status a fault sets (POST /fault {"status": 500}).
Chaos experiments stop the process (TCP down) or set a fault (HTTP down); the
autoheal action `aethervision demo heal` restarts it, which clears the fault, as a
restart of a real service would.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

from aethervision.core.errors import NetworkError, UserError
from aethervision.runtime import httpd

HEALTH_PATH = "/healthz"
FAULT_PATH = "/fault"


class Endpoint:
    """The status /healthz answers, changed by POST /fault."""

    def __init__(self) -> None:
        self._status = 200
        self._lock = threading.Lock()

    @property
    def status(self) -> int:
        with self._lock:
            return self._status

    def set(self, status: int) -> None:
        if not 200 <= status <= 599:
            raise ValueError(f"status must be an HTTP status between 200 and 599 (got {status})")
        with self._lock:
            self._status = status


def server(endpoint: Endpoint, host: str, port: int) -> httpd.Server:
    def health(_request):
        status = endpoint.status
        return httpd.Response(status, b"ok\n" if status < 400 else b"fault injected\n", "text/plain")

    def fault(request):
        try:
            body = httpd.parse_json(request)
            status = body.get("status") if isinstance(body, dict) else None
            if not isinstance(status, int) or isinstance(status, bool) or set(body) != {"status"}:
                raise ValueError('expected {"status": 200..599}')
            endpoint.set(status)
        except ValueError as exc:
            return httpd.error(400, str(exc))
        return httpd.json_response(200, {"status": endpoint.status})

    def state(_request):
        return httpd.json_response(200, {"service": "crm-api (AetherVision demo)", "status": endpoint.status})

    return httpd.Server({("GET", HEALTH_PATH): health, ("POST", FAULT_PATH): fault, ("GET", "/"): state},
                        host, port, "crm-api")


def set_fault(url: str, status: int, timeout: float = 5.0) -> None:
    """Make a running endpoint's /healthz answer `status` (200 clears the fault)."""
    request = urllib.request.Request(  # noqa: S310 - the demo's own loopback URL
        f"{url.rstrip('/')}{FAULT_PATH}", data=json.dumps({"status": status}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - http only
            return
    except urllib.error.HTTPError as exc:
        raise UserError(f"crm-api at {url} refused the fault ({exc.code}): {exc.read().decode()}") from exc
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise NetworkError(f"crm-api at {url} is not reachable ({getattr(exc, 'reason', exc)})") from exc
