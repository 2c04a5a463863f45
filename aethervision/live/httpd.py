"""A small threaded HTTP server for AetherVision's own services.

The autoheal service and the payment simulator each declare a route table;
this module handles parsing, size limits, JSON replies and a clean shutdown.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aethervision.core.errors import UserError

MAX_BODY = 1 << 20  # 1 MiB: an Alertmanager webhook batch is far smaller
LISTEN_BACKLOG = 512  # the default 5 reset bursts of concurrent clients (200 POSTs: ~1 in 3 lost)
READ_TIMEOUT = 10.0  # seconds a client may take to send its request; then the connection is closed


class _Listener(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that vanished mid-request is not the service's error; no traceback


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload) -> Response:
    return Response(status, (json.dumps(payload, indent=1, sort_keys=True) + "\n").encode())


def error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def parse_json(request: Request):
    """The request body as JSON; ValueError with a short reason when it is not."""
    if not request.body:
        raise ValueError("empty body: expected JSON")
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed JSON: {exc}") from exc


Handler = Callable[[Request], Response]


def parse_listen(text: str) -> tuple[str, int]:
    """'127.0.0.1:9009' or ':9009' -> (host, port); UserError when malformed."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UserError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:9009")
    return host or "127.0.0.1", int(port)


class Server:
    """Serve a route table {(method, path): handler} on host:port."""

    def __init__(self, routes: dict[tuple[str, str], Handler], host: str, port: int, name: str):
        self.routes = routes
        self.name = name
        try:
            self.httpd = _Listener((host, port), self._handler_class())
        except OSError as exc:
            raise UserError(f"{name}: cannot listen on {host}:{port}: {exc.strerror} "
                            "(is another instance running? try `make demo-stop`)") from exc

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.httpd.server_address[:2]
        return host, port

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}"

    def dispatch(self, request: Request) -> Response:
        handler = self.routes.get((request.method, request.path))
        if handler is not None:
            return handler(request)
        if any(path == request.path for _, path in self.routes):
            return error(405, f"method {request.method} not allowed on {request.path}")
        return error(404, f"no such path: {request.path}")

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, embedding)."""
        thread = threading.Thread(target=self.httpd.serve_forever, name=self.name, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve_until_signalled(self) -> None:
        """Serve in the foreground until SIGINT or SIGTERM, then close cleanly."""
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set())
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        self.start()
        try:
            stop.wait()
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _handler_class(self):
        server = self

        class _Handler(BaseHTTPRequestHandler):
            server_version = f"aethervision-{server.name}"
            timeout = READ_TIMEOUT  # socket timeout: a client that sends headers and no body is dropped

            def log_message(self, *args):  # access logs would drown the service's own output
                pass

            def _serve(self) -> None:
                path = self.path.split("?", 1)[0]
                declared = (self.headers.get("Content-Length") or "0").strip()
                if not declared.isdigit():  # negative, non-numeric: refuse, do not guess
                    response = error(400, f"bad Content-Length {declared[:40]!r}")
                    self.close_connection = True
                elif int(declared) > MAX_BODY:
                    response = error(413, f"body larger than {MAX_BODY} bytes")
                    self.close_connection = True
                else:
                    length = int(declared)
                    try:
                        body = self.rfile.read(length) if length else b""
                    except TimeoutError:
                        self.close_connection = True
                        return
                    if len(body) < length:
                        response = error(400, "body shorter than its Content-Length")
                        self.close_connection = True
                    else:
                        headers = {k.lower(): v for k, v in self.headers.items()}
                        response = server.dispatch(Request(self.command, path, headers, body))
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return _Handler
