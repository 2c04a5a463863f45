"""Where Grafana keeps dashboards: the legacy /api endpoints, or Grafana 12/13's app-platform /apis.

`open_store` discovers what the server serves (`GET /apis`, Kubernetes-style
APIGroupList; Grafana 10 and 11 answer 404) and returns one of two stores with the
same calls: `read(uid, family)` and `write(...)`, plus `ensure_folder`.

The app-platform store follows Grafana's documented API structure
(/apis/<group>/<version>/namespaces/<namespace>/<resource>[/<name>]):
- the most stable served version of each family is used: classic dashboards
  through `dashboard.grafana.app/v1*`, schema v2 through `v2*` (GA > beta > alpha);
- a dashboard is read in the family it is stored in: when the answer's
  `status.conversion.storedVersion` names the other family (a dashboard saved as v2
  from Grafana 13's UI), it is read again in that one, never down-converted;
- updates carry `metadata.resourceVersion`: a 409 Conflict means it changed since it
  was read (Conflict below); `dry_run` sends `?dryRun=All`, which the server
  validates and does not store.
grafana-client's base URL ends in `/api`; the /apis paths are reached as `s/...` on it,
so auth, TLS, timeouts and retries stay the Connection's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grafana_client.client import GrafanaClientError

from aethervision.builder.diff import STAMP_KEY  # classic models carry push's stamp inside
from aethervision.core.errors import UserError
from aethervision.grafana.client import Session

DASHBOARDS, FOLDERS = "dashboard.grafana.app", "folder.grafana.app"
FOLDER_ANNOTATION = "grafana.app/folder"
MESSAGE_ANNOTATION = "grafana.app/message"
# Grafana's schemas allow no free-form key in a spec (classic or v2): push's stamp is an annotation.
STAMP_ANNOTATION = "aethervision.io/content-hash"
_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


class Conflict(UserError):
    """Grafana answered 409: the dashboard changed (or appeared) since it was read."""


@dataclass(frozen=True)
class Remote:
    family: str  # "v1" (classic model) or "v2"
    content: dict  # the classic model, or the v2 spec
    stamp: str | None  # push's content hash as last written, if any
    token: dict  # what an update must send back: id and version, or resourceVersion


def family_of(version: str) -> str:
    return "v2" if version.split("/")[-1].startswith("v2") else "v1"


def _rank(version: str) -> tuple[int, int, int]:
    found = _VERSION.match(version)
    if not found:
        return (-1, -1, -1)
    stability = {"alpha": 0, "beta": 1, None: 2}[found.group(2)]
    return stability, int(found.group(1)), int(found.group(3) or 0)


def best_versions(group: dict) -> dict[str, str]:
    """Family -> the most stable served version of an APIGroup (`{"versions": [{"version": ...}]}`)."""
    out: dict[str, str] = {}
    for item in group.get("versions", []):
        version = str(item.get("version", ""))
        if _rank(version)[0] < 0:
            continue
        family = family_of(version)
        if family not in out or _rank(version) > _rank(out[family]):
            out[family] = version
    return out


class LegacyStore:
    """Grafana 10 and 11: /api/dashboards and /api/folders (classic models only)."""

    name = "legacy /api"

    def __init__(self, session: Session):
        self.session = session
        self.families = ("v1",)

    def read(self, uid: str, family: str) -> Remote | None:
        status, found = self.session.dashboard(uid)
        if status:
            return None
        model = found["dashboard"]
        return Remote("v1", model, (model.get(STAMP_KEY) or {}).get("contentHash"),
                      {"id": model.get("id"), "version": model.get("version")})

    def ensure_folder(self, uid: str, title: str) -> bool:
        if self.session.folder_exists(uid):
            return False
        self.session.create_folder(uid, title)
        return True

    def write(self, uid: str, family: str, content: dict, stamp: str, remote: Remote | None, folder_uid: str,
              overwrite: bool, message: str, dry_run: bool = False) -> None:
        body = dict(content, **{STAMP_KEY: {"contentHash": stamp}})
        if remote is not None:
            body["id"], body["version"] = remote.token.get("id"), remote.token.get("version")
        self.session.save_dashboard(uid, {"dashboard": body, "folderUid": folder_uid, "overwrite": overwrite,
                                          "message": message})


class AppPlatformStore:
    """Grafana 12 and 13: dashboard.grafana.app and folder.grafana.app resources."""

    def __init__(self, session: Session, versions: dict[str, str], folder_version: str | None, namespace: str):
        self.session, self.versions, self.namespace = session, versions, namespace
        self.folder_version = folder_version
        self.families = tuple(sorted(versions))
        self.name = "/apis " + ", ".join(f"{DASHBOARDS}/{v}" for _, v in sorted(versions.items()))

    def _path(self, group: str, version: str, resource: str, name: str = "") -> str:
        return f"s/{group}/{version}/namespaces/{self.namespace}/{resource}" + (f"/{name}" if name else "")

    def _get(self, what: str, path: str) -> dict | None:
        status, found = self.session.read(what, lambda: self.session.api.client.GET(path))
        return None if status else found

    def read(self, uid: str, family: str) -> Remote | None:
        version = self.versions[family]
        found = self._get(f"read dashboard {uid}", self._path(DASHBOARDS, version, "dashboards", uid))
        if found is None:
            return None
        stored = ((found.get("status") or {}).get("conversion") or {}).get("storedVersion")
        if stored and family_of(stored) != family and family_of(stored) in self.versions:
            return self.read(uid, family_of(stored))  # read it as stored: never a down-converted copy
        spec, meta = found.get("spec") or {}, found.get("metadata") or {}
        annotations = meta.get("annotations") or {}
        # a dashboard pushed through /api before the server was upgraded has the stamp in its model
        stamp = annotations.get(STAMP_ANNOTATION) or (spec.get(STAMP_KEY) or {}).get("contentHash")
        return Remote(family, spec, stamp, {"resourceVersion": meta.get("resourceVersion")})

    def ensure_folder(self, uid: str, title: str) -> bool:
        if self.folder_version is None:  # folders still through /api on this server
            return LegacyStore(self.session).ensure_folder(uid, title)
        path = self._path(FOLDERS, self.folder_version, "folders")
        if self._get(f"read folder {uid}", f"{path}/{uid}") is not None:
            return False
        body = {"apiVersion": f"{FOLDERS}/{self.folder_version}", "kind": "Folder", "metadata": {"name": uid},
                "spec": {"title": title}}
        self.session.conn.call(f"create folder {uid}", lambda: self.session.api.client.POST(path, json=body))
        return True

    def write(self, uid: str, family: str, content: dict, stamp: str, remote: Remote | None, folder_uid: str,
              overwrite: bool, message: str, dry_run: bool = False) -> None:
        version = self.versions[family]
        annotations = {FOLDER_ANNOTATION: folder_uid, MESSAGE_ANNOTATION: message, STAMP_ANNOTATION: stamp}
        spec = {k: v for k, v in content.items() if k != STAMP_KEY}
        metadata: dict = {"name": uid, "annotations": annotations}
        if remote is not None and remote.token.get("resourceVersion"):
            metadata["resourceVersion"] = remote.token["resourceVersion"]  # --force too: replace what we saw
        body = {"apiVersion": f"{DASHBOARDS}/{version}", "kind": "Dashboard", "metadata": metadata, "spec": spec}
        params = {"dryRun": "All"} if dry_run else None
        collection = self._path(DASHBOARDS, version, "dashboards")
        client = self.session.api.client

        def send():
            if remote is None:
                return client.POST(collection, json=body, params=params)
            return client.PUT(f"{collection}/{uid}", json=body, params=params)
        try:
            self.session.conn.call(f"save dashboard {uid}", send)
        except GrafanaClientError as exc:
            if exc.status_code == 409:
                raise Conflict(f"Grafana answered 409 Conflict for {uid}: it changed in Grafana after it was read "
                               "(someone saved it meanwhile); nothing was overwritten. Run push again to see "
                               "the drift") from exc
            raise


def open_store(session: Session) -> LegacyStore | AppPlatformStore:
    """The app-platform store where the server serves dashboard.grafana.app, else the legacy one."""
    status, groups = session.read("discover APIs (/apis)", lambda: session.api.client.GET("s"), absent=(404,))
    if status or groups.get("kind") != "APIGroupList":
        return LegacyStore(session)
    by_name = {g.get("name"): g for g in groups.get("groups", []) if isinstance(g, dict)}
    versions = best_versions(by_name.get(DASHBOARDS, {}))
    if "v1" not in versions and "v2" not in versions:
        return LegacyStore(session)
    folders = best_versions(by_name.get(FOLDERS, {})).get("v1")
    return AppPlatformStore(session, versions, folders, session.conn.namespace)
