"""A small threaded HTTP server for AetherVision's own services.

The autoheal service and the payment simulator each declare a route table;
this module handles parsing, size limits, JSON replies and a clean shutdown.
"""

from __future__ import annotations

import json
import signal
import socket
import socketserver
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aethervision.core.errors import UserError

MAX_BODY = 1 << 20  # 1 MiB: an Alertmanager webhook batch is far smaller
MAX_DEPTH = 64  # JSON nesting: a webhook payload is 4 deep; a nesting bomb would exhaust the stack
LISTEN_BACKLOG = 512  # the default 5 reset bursts of concurrent clients (200 POSTs: ~1 in 3 lost)
READ_TIMEOUT = 10.0  # seconds a client may stay silent (the socket's idle timeout)
REQUEST_DEADLINE = 15.0  # seconds for a whole request, however slowly it trickles in


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
    if _depth(request.body) > MAX_DEPTH:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed JSON: {exc}") from exc


def _depth(body: bytes) -> int:
    """The deepest nesting of [ and { outside strings, found without parsing (no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            escaped, in_string = (False, True) if escaped else (byte == 0x5C, byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


Handler = Callable[[Request], Response]


def parse_listen(text: str) -> tuple[str, int]:
    """'127.0.0.1:9009' or ':9009' -> (host, port); UserError when malformed."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UserError(f"--listen {text!r}: expected HOST:PORT, e.g. 127.0.0.1:9009")
    return host or "127.0.0.1", int(port)


# shutdown() waits for the serve loop's next poll: 0.1 s rather than socketserver's 0.5 s,
# which every stop (and every test that starts a server) would otherwise pay.
POLL_SECONDS = 0.1


def serve_in_background(httpd: socketserver.BaseServer, name: str | None = None) -> threading.Thread:
    """Serve `httpd` from a started daemon thread; `httpd.shutdown()` stops it within POLL_SECONDS."""
    thread = threading.Thread(target=httpd.serve_forever, args=(POLL_SECONDS,), name=name, daemon=True)
    thread.start()
    return thread


class Server:
    """Serve a route table {(method, path): handler} on host:port.

    `authorize(request)` (headers only, no body yet) runs before the body is read: a
    client without the token learns nothing about the size limit and costs no read."""

    def __init__(self, routes: dict[tuple[str, str], Handler], host: str, port: int, name: str,
                 authorize: Callable[[Request], Response | None] | None = None):
        self.routes = routes
        self.name = name
        self.authorize = authorize or (lambda _request: None)
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
        return serve_in_background(self.httpd, self.name)

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

            def handle_one_request(self) -> None:
                # A deadline for the whole request, not only an idle timeout: a client that
                # trickles a byte every few seconds is cut off when it runs out.
                deadline = threading.Timer(REQUEST_DEADLINE, self._cut_off)
                deadline.daemon = True
                self._deadline = deadline
                deadline.start()
                try:
                    super().handle_one_request()
                finally:
                    deadline.cancel()

            def _cut_off(self) -> None:
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed by the client

            def _serve(self) -> None:
                path = self.path.split("?", 1)[0]
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    response = server.authorize(Request(self.command, path, headers, b"")) or \
                        self._read_and_dispatch(path, headers)
                except (TimeoutError, OSError):
                    self.close_connection = True  # the client went quiet or ran out of time
                    return
                self._deadline.cancel()
                if response.status >= 400 and response.status != 404:
                    self.close_connection = True  # the rest of a refused body is not read
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(response.body)

            def _read_and_dispatch(self, path: str, headers: dict[str, str]) -> Response:
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    body = self._read_chunked()
                    if body is None:
                        return error(413, f"body larger than {MAX_BODY} bytes")
                    if isinstance(body, str):
                        return error(400, body)
                else:
                    declared = headers.get("content-length", "0").strip() or "0"
                    if not declared.isdigit():  # negative, non-numeric: refuse, do not guess
                        return error(400, f"bad Content-Length {declared[:40]!r}")
                    if int(declared) > MAX_BODY:
                        return error(413, f"body larger than {MAX_BODY} bytes")
                    body = self.rfile.read(int(declared)) if int(declared) else b""
                    if len(body) < int(declared):
                        return error(400, "body shorter than its Content-Length")
                return server.dispatch(Request(self.command, path, headers, body))

            def _read_chunked(self) -> bytes | str | None:
                """A chunked body within MAX_BODY; None when larger, a reason when malformed."""
                body = bytearray()
                while True:
                    line = self.rfile.readline(66)
                    size = line.split(b";", 1)[0].strip()
                    try:
                        length = int(size, 16)
                    except ValueError:
                        return f"bad chunk size {size[:20]!r}"
                    if length == 0:
                        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        return bytes(body)
                    if len(body) + length > MAX_BODY:
                        return None
                    chunk = self.rfile.read(length)
                    if len(chunk) < length:
                        return "body shorter than its chunks"
                    body += chunk
                    self.rfile.readline(3)  # the CRLF after each chunk

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return _Handler
