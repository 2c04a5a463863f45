"""The app-platform half of the Grafana TEST DOUBLE (grafana_double.py): Grafana 12 and 13's /apis.

Not Grafana. It follows Grafana's documented API structure ("API structure in
Grafana", /apis/<group>/<version>/namespaces/<namespace>/<resource>[/<name>]) and
the Kubernetes API conventions it adopts:
- `GET /apis`: an APIGroupList naming dashboard.grafana.app and folder.grafana.app
  with the versions each emulated Grafana serves (12: v1beta1, v2beta1; 13: v1,
  v2, and the betas);
- dashboards: list, get, create (POST; 409 AlreadyExists), update (PUT;
  `metadata.resourceVersion` must match, else 409 Conflict; without one the update
  is unconditional), delete; `?dryRun=All` validates and stores nothing;
- a dashboard is stored in the family it was written in. Read in the other family,
  the answer says so in `status.conversion.storedVersion`; Grafana 12 cannot turn v2
  into v1 (`failed: true`, empty spec), Grafana 13 answers a lossy down-conversion,
  as the legacy /api read of a v2 dashboard does (grafana/mcp-grafana#937);
- folders: get and create (folder.grafana.app).
"""

from __future__ import annotations

VERSIONS = {"12": {"dashboard": ["v1beta1", "v2beta1"], "folder": ["v1beta1"]},
            "13": {"dashboard": ["v1beta1", "v1", "v2beta1", "v2"], "folder": ["v1beta1", "v1"]}}


def family(version: str) -> str:
    return "v2" if version.startswith("v2") else "v1"


def lossy_classic(v2: dict) -> dict:
    """What a down-conversion keeps of a v2 dashboard here: title and the panels' titles only."""
    elements = v2.get("elements") or {}
    return {"title": v2.get("title"), "panels": [{"title": (e.get("spec") or {}).get("title")}
                                                 for _, e in sorted(elements.items())]}


def group_list(version: str) -> dict:
    groups = []
    for name, key in (("dashboard.grafana.app", "dashboard"), ("folder.grafana.app", "folder")):
        served = VERSIONS[version][key]
        groups.append({"name": name, "versions": [{"groupVersion": f"{name}/{v}", "version": v} for v in served],
                       "preferredVersion": {"groupVersion": f"{name}/{served[0]}", "version": served[0]}})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def status(code: int, reason: str, message: str) -> tuple[int, dict]:
    return code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "code": code,
                  "message": message}


class AppPlatform:
    """Dashboards and folders of a GrafanaDouble, as /apis resources. Called under the double's lock."""

    def __init__(self, double):
        self.double = double
        self.resource_version = 1000
        self.conflict_next_update = False  # someone saves between our read and our write
        self.sent: list[dict] = []  # every dashboard resource received, dry runs too

    def next_version(self) -> str:
        self.resource_version += 1
        return str(self.resource_version)

    def handle(self, method: str, path: str, query: dict, body: dict | None) -> tuple[int, dict]:
        parts = path.strip("/").split("/")  # apis, group, version, namespaces, ns, resource[, name]
        if parts == ["apis"]:
            return 200, group_list(self.double.version)
        if len(parts) < 6 or parts[3] != "namespaces":
            return status(404, "NotFound", "the server could not find the requested resource")
        group, version, resource = parts[1], parts[2], parts[5]
        name = parts[6] if len(parts) > 6 else ""
        key = {"dashboard.grafana.app": "dashboard", "folder.grafana.app": "folder"}.get(group)
        if key is None or version not in VERSIONS[self.double.version][key]:
            return status(404, "NotFound", f"{group}/{version} is not served")
        dry_run = query.get("dryRun", [""])[0] == "All"
        if key == "folder" and resource == "folders":
            return self._folder(method, group, version, name, body)
        if resource != "dashboards":
            return status(404, "NotFound", f"no resource {resource}")
        if method == "GET" and not name:
            items = [self.resource(u, group, version) for u in sorted(self.double.dashboards)]
            return 200, {"kind": "DashboardList", "apiVersion": f"{group}/{version}", "items": items}
        if method == "GET":
            if name not in self.double.dashboards:
                return status(404, "NotFound", f'dashboards.dashboard.grafana.app "{name}" not found')
            return 200, self.resource(name, group, version)
        if method == "DELETE":
            if self.double.dashboards.pop(name, None) is None:
                return status(404, "NotFound", f'dashboards.dashboard.grafana.app "{name}" not found')
            return 200, {"kind": "Status", "status": "Success"}
        if method in ("POST", "PUT"):
            return self._save(method, group, version, name, body or {}, dry_run)
        return status(405, "MethodNotAllowed", method)

    def resource(self, uid: str, group: str, version: str) -> dict:
        stored = self.double.dashboards[uid]
        spec = stored["dashboard"]
        conversion = None
        if family(version) != stored["family"]:
            conversion = {"storedVersion": stored["stored_version"], "failed": False}
            if stored["family"] == "v2" and self.double.version == "12":
                conversion.update(failed=True, error="cannot convert a v2 dashboard to v1")
                spec = {}
            elif stored["family"] == "v2":
                spec = lossy_classic(spec)
            else:
                spec = {"title": spec.get("title"), "elements": {}, "layout": {"kind": "GridLayout",
                                                                                "spec": {"items": []}}}
        out = {"apiVersion": f"{group}/{version}", "kind": "Dashboard",
               "metadata": {"name": uid, "namespace": "default", "resourceVersion": stored["resourceVersion"],
                            "generation": stored["version"], "annotations": dict(stored["annotations"])},
               "spec": spec}
        if conversion:
            out["status"] = {"conversion": conversion}
        return out

    def _save(self, method: str, group: str, version: str, name: str, body: dict, dry_run: bool):
        self.sent.append(body)
        meta = body.get("metadata") or {}
        uid = meta.get("name") or name
        if body.get("kind") != "Dashboard" or not uid or not isinstance(body.get("spec"), dict):
            return status(400, "BadRequest", "a Dashboard needs kind, metadata.name and spec")
        if body.get("apiVersion") != f"{group}/{version}":
            return status(400, "BadRequest", f"apiVersion {body.get('apiVersion')} sent to {group}/{version}")
        annotations = dict(meta.get("annotations") or {})
        folder = annotations.get("grafana.app/folder", "")
        if folder and folder not in self.double.folders and not dry_run:
            return status(400, "BadRequest", f"folder {folder} not found")
        stored = self.double.dashboards.get(uid)
        if method == "POST" and stored:
            return status(409, "AlreadyExists", f'dashboards.dashboard.grafana.app "{uid}" already exists')
        if method == "PUT":
            if not stored:
                return status(404, "NotFound", f'dashboards.dashboard.grafana.app "{uid}" not found')
            if self.conflict_next_update and not dry_run:
                self.conflict_next_update = False
                self.double.edit_in_ui(uid, lambda d: d.update(title=f"{d.get('title')} (saved meanwhile)"),
                                       locked=True)
                stored = self.double.dashboards[uid]
            if meta.get("resourceVersion") and meta["resourceVersion"] != stored["resourceVersion"]:
                return status(409, "Conflict", f'Operation cannot be fulfilled on dashboards.dashboard.grafana.app '
                                               f'"{uid}": the object has been modified; please apply your changes '
                                               'to the latest version and try again')
        if dry_run:
            self.double.dry_runs.append((method, uid))
            return 200 if stored else 201, body
        self.double.dashboards[uid] = {
            "dashboard": body["spec"], "folderUid": folder, "family": family(version), "stored_version": version,
            "version": stored["version"] + 1 if stored else 1, "id": stored["id"] if stored else self.double.new_id(),
            "resourceVersion": self.next_version(), "annotations": annotations,
            "message": annotations.get("grafana.app/message", "")}
        self.double.effective_writes.append((method, uid))
        return 200 if stored else 201, self.resource(uid, group, version)

    def _folder(self, method: str, group: str, version: str, name: str, body: dict | None):
        if method == "GET":
            folder = self.double.folders.get(name)
            if not folder:
                return status(404, "NotFound", f'folders.folder.grafana.app "{name}" not found')
            return 200, {"apiVersion": f"{group}/{version}", "kind": "Folder", "metadata": {"name": name},
                         "spec": {"title": folder["title"]}}
        if method == "POST":
            uid = ((body or {}).get("metadata") or {}).get("name")
            if uid in self.double.folders:
                return status(409, "AlreadyExists", f'folders.folder.grafana.app "{uid}" already exists')
            self.double.folders[uid] = {"id": self.double.new_id(), "uid": uid,
                                        "title": ((body or {}).get("spec") or {}).get("title"), "version": 1}
            self.double.effective_writes.append(("POST", f"folder {uid}"))
            return 201, body
        return status(405, "MethodNotAllowed", method)
