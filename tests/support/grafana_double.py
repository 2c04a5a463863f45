"""A Grafana-API TEST DOUBLE: a real HTTP server on 127.0.0.1 (not Grafana).

`version` switches what it emulates: "11" (and earlier) serves only the legacy
/api below; "12" and "13" also serve the app-platform /apis
(grafana_apis_double.py), where a dashboard can be stored as schema v2.

It follows Grafana's documented HTTP semantics for what `aethervision push`
uses: /api/health; folders (GET /api/folders/:uid, POST /api/folders, 412 when
the uid exists); dashboards (GET /api/dashboards/uid/:uid, POST
/api/dashboards/db with version increments, 412 version-mismatch and
name-exists, overwrite, folderUid: a missing folderUid puts the dashboard in
the root folder); /api/search; bearer-token and basic auth with 401/403.
Faults (500, slow, dropped connection) are queued per request.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from aethervision.runtime import httpd

from support.grafana_alerting_double import Alerting
from support.grafana_apis_double import AppPlatform, lossy_classic


class GrafanaDouble:
    def __init__(self, tokens: dict[str, str] | None = None, users: dict[str, tuple[str, str]] | None = None,
                 version: str = "11"):
        self.version = version
        self.apis = AppPlatform(self)
        self.alerting = Alerting(self)
        self.dry_runs: list[tuple[str, str]] = []
        self.effective_writes: list[tuple[str, str]] = []  # writes that changed what is stored
        self.tokens = tokens or {"admin-token": "Admin", "viewer-token": "Viewer"}
        self.users = users or {}  # user -> (password, role)
        self.folders: dict[str, dict] = {}
        self.dashboards: dict[str, dict] = {}  # uid -> {"dashboard", "folderUid", "version", "id"}
        self.faults: list[str] = []  # "500", "slow", "drop": consumed one per request
        self.requests: list[tuple[str, str]] = []
        self.latency = 0.0  # seconds added to every answer, as a Grafana across a network would
        self.lock = threading.Lock()
        self._next_id = 1
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        httpd.serve_in_background(self.server)
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def writes(self) -> list[tuple[str, str]]:
        return list(self.effective_writes)

    def edit_in_ui(self, uid: str, change, as_v2=None, locked: bool = False) -> None:
        """Simulate a user saving the dashboard in Grafana's UI; `as_v2` (a classic -> v2 function) as
        Grafana 13's UI does, storing it as schema v2 from then on."""
        if not locked:
            with self.lock:
                return self.edit_in_ui(uid, change, as_v2, locked=True)
        stored = self.dashboards[uid]
        if as_v2 is not None and stored["family"] == "v1":
            stored.update(dashboard=as_v2(stored["dashboard"]), family="v2", stored_version="v2")
        change(stored["dashboard"])
        stored["version"] += 1
        stored["resourceVersion"] = self.apis.next_version()
        return None

    def new_id(self) -> int:
        return self._new_id()

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- request handling -------------------------------------------------
    def _role(self, headers) -> str | None:
        auth = headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.tokens.get(auth[7:])
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            entry = self.users.get(user)
            return entry[1] if entry and entry[0] == password else None
        return None

    def handle(self, method: str, path: str, query: dict, body: dict | None, headers) -> tuple[int, dict | list]:
        if path == "/api/health":
            return 200, {"database": "ok", "version": f"{self.version}.0.0-double"}
        role = self._role(headers)
        if role is None:
            return 401, {"message": "Unauthorized"}
        if method != "GET" and role == "Viewer":
            return 403, {"message": "Access denied: you'll need additional permissions: dashboards:write"}
        with self.lock:
            if path == "/apis" or path.startswith("/apis/"):
                if self.version in ("12", "13"):
                    return self.apis.handle(method, path, query, body)
                return 404, {"message": "Not found"}
            answer = self.alerting.handle(method, path, body)
            if answer is not None:
                return answer
            if path.startswith("/api/folders/") and method == "GET":
                folder = self.folders.get(path.rsplit("/", 1)[1])
                return (200, folder) if folder else (404, {"message": "folder not found"})
            if path == "/api/folders" and method == "POST":
                uid = body.get("uid")
                if uid in self.folders:
                    return 412, {"message": "a folder with the same uid already exists"}
                folder = {"id": self._new_id(), "uid": uid, "title": body["title"], "version": 1}
                self.folders[uid] = folder
                self.effective_writes.append(("POST", path))
                return 200, folder
            if path.startswith("/api/dashboards/uid/") and method == "GET":
                stored = self.dashboards.get(path.rsplit("/", 1)[1])
                if not stored:
                    return 404, {"message": "Dashboard not found"}
                model = lossy_classic(stored["dashboard"]) if stored["family"] == "v2" else stored["dashboard"]
                dashboard = dict(model, id=stored["id"], version=stored["version"])
                return 200, {"dashboard": dashboard,
                             "meta": {"folderUid": stored["folderUid"], "version": stored["version"]}}
            if path == "/api/dashboards/db" and method == "POST":
                return self._save(body)
            if path == "/api/search":
                hits = [{"uid": u, "title": d["dashboard"].get("title"), "type": "dash-db",
                         "folderUid": d["folderUid"]} for u, d in sorted(self.dashboards.items())]
                q = query.get("query", [""])[0].lower()
                return 200, [h for h in hits if q in (h["title"] or "").lower()]
        return 404, {"message": "Not found"}

    def _save(self, body: dict) -> tuple[int, dict]:
        dashboard = dict(body["dashboard"])
        uid, overwrite = dashboard.get("uid"), bool(body.get("overwrite"))
        folder_uid = body.get("folderUid", "")
        if folder_uid and folder_uid not in self.folders:
            return 400, {"message": "folder not found"}
        for other_uid, other in self.dashboards.items():
            if (other_uid != uid and other["folderUid"] == folder_uid
                    and other["dashboard"].get("title") == dashboard.get("title") and not overwrite):
                return 412, {"status": "name-exists",
                             "message": "A dashboard with the same name in the folder already exists"}
        stored = self.dashboards.get(uid)
        if stored and not overwrite and dashboard.get("version") != stored["version"]:
            return 412, {"status": "version-mismatch",
                         "message": "The dashboard has been changed by someone else"}
        version = stored["version"] + 1 if stored else 1
        ident = stored["id"] if stored else self._new_id()
        dashboard.pop("id", None)
        dashboard.pop("version", None)
        self.dashboards[uid] = {"dashboard": dashboard, "folderUid": folder_uid, "version": version,
                                "id": ident, "message": body.get("message", ""), "family": "v1",
                                "stored_version": "v1", "resourceVersion": self.apis.next_version(),
                                "annotations": {"grafana.app/folder": folder_uid}}
        self.effective_writes.append(("POST", "/api/dashboards/db"))
        return 200, {"id": ident, "uid": uid, "status": "success", "version": version,
                     "url": f"/d/{uid}/{(dashboard.get('title') or '').lower().replace(' ', '-')}"}

    def _handler(self):
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _serve(self, method: str):
                url = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                double.requests.append((method, url.path))
                fault = double.faults.pop(0) if double.faults else None
                if fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "slow":
                    time.sleep(2.0)
                if double.latency:
                    time.sleep(double.latency)
                status, payload = (500, {"message": "injected failure"}) if fault == "500" else \
                    double.handle(method, url.path, parse_qs(url.query), json.loads(raw) if raw else None,
                                  self.headers)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler
