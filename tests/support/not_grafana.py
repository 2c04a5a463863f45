"""A web server that is not Grafana (an HTML app on every path, 404 for some), over real HTTP.

For the clients' "this URL is not Grafana" errors; named for what it is, not a Grafana double.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aethervision.runtime import httpd

PAGE = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>" + b"x" * 5000 + b"</body></html>"


class NotGrafana:
    def __init__(self, missing_status: int = 404):
        self.missing_status = missing_status
        self.paths: list[str] = []

    def __enter__(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.paths.append(self.path)
                status = outer.missing_status if self.path.startswith("/api/dashboards/") else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        httpd.serve_in_background(self.server)
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
