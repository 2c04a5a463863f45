"""Plan and apply dashboard pushes: create, update, unchanged or drift.

Drift is found without a state file: every pushed dashboard carries the hash
of its own content under `aethervision.contentHash`. On the next push, if the
remote content no longer hashes to its stamp, someone changed it in Grafana.
"""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
from dataclasses import dataclass, field

from grafana_client.client import GrafanaClientError

from aethervision.errors import UserError

from .grafana import Connection

STAMP_KEY = "aethervision"
# Owned by the server (or by us, the stamp): never part of a comparison.
SERVER_FIELDS = ("id", "version", "iteration", STAMP_KEY)


def normalise(dashboard: dict) -> dict:
    """Drop server-owned fields so local and remote compare on content only."""
    return {k: v for k, v in dashboard.items() if k not in SERVER_FIELDS}


def content_hash(dashboard: dict) -> str:
    canonical = json.dumps(normalise(dashboard), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Step:
    uid: str
    title: str
    action: str  # create | update | unchanged | drift
    remote: dict | None = None
    result: str = ""  # written | not written | skipped | failed: ...


@dataclass
class PushReport:
    steps: list[Step] = field(default_factory=list)
    folder_created: bool = False

    @property
    def drifted(self) -> list[Step]:
        return [s for s in self.steps if s.action == "drift"]


def git_message(cwd: str | None = None) -> str:
    """'aethervision push: <commit> <subject> (<author>)' when in git, else a plain note."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%h %s (%an)"], capture_output=True,
                             text=True, timeout=5, cwd=cwd, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "aethervision push"
    return f"aethervision push: {out.stdout.strip()}" if out.returncode == 0 and out.stdout.strip() \
        else "aethervision push"


def get_dashboard(conn: Connection, api, uid: str) -> dict | None:
    def get():
        try:
            return api.dashboard.get_dashboard(uid)["dashboard"]
        except GrafanaClientError as exc:
            if exc.status_code == 404:
                return None
            raise
    return conn.call(f"read dashboard {uid}", get)


def plan(conn: Connection, api, dashboards: dict[str, dict]) -> PushReport:
    """Decide create / update / unchanged / drift per dashboard; writes nothing."""
    report = PushReport()
    for uid, local in sorted(dashboards.items()):
        remote = get_dashboard(conn, api, uid)
        title = local.get("title", uid)
        if remote is None:
            action = "create"
        elif content_hash(remote) == content_hash(local):
            action = "unchanged"
        elif remote.get(STAMP_KEY, {}).get("contentHash") == content_hash(remote):
            action = "update"
        else:
            action = "drift"  # changed in Grafana since our last push, or never pushed by us
        report.steps.append(Step(uid, title, action, remote))
    return report


def ensure_folder(conn: Connection, api, uid: str, title: str) -> bool:
    """Create the folder by uid when missing; True when created."""
    def get():
        try:
            api.folder.get_folder(uid)
            return True
        except GrafanaClientError as exc:
            if exc.status_code == 404:
                return False
            raise
    if conn.call(f"read folder {uid}", get):
        return False
    conn.call(f"create folder {uid}", lambda: api.folder.create_folder(title, uid=uid))
    return True


def _explain_412(exc: GrafanaClientError, step: Step) -> str:
    status = exc.response.get("status") if isinstance(exc.response, dict) else ""
    if status == "version-mismatch":
        return (f"Grafana refused the update of {step.uid} (412 version-mismatch): it changed while "
                "we were pushing; run push again to re-check for drift")
    if status == "name-exists":
        return (f"Grafana refused {step.uid} (412 name-exists): another dashboard in the folder "
                f"is already titled {step.title!r}; rename one or delete the other")
    return f"Grafana refused {step.uid} (412): {exc.response}"


def apply(conn: Connection, api, report: PushReport, dashboards: dict[str, dict], folder_uid: str,
          folder_title: str, message: str, force: bool = False) -> PushReport:
    """Write creates and updates (and drifted ones with force). Stops at the first failure."""
    todo = [s for s in report.steps if s.action in ("create", "update") or (force and s.action == "drift")]
    for step in report.steps:
        step.result = "skipped" if step not in todo else "not written"
    if not todo:
        return report
    report.folder_created = ensure_folder(conn, api, folder_uid, folder_title)
    for step in todo:
        body = copy.deepcopy(dashboards[step.uid])
        body[STAMP_KEY] = {"contentHash": content_hash(body)}
        overwrite = step.action == "drift"  # --force: deliberately replace what is in Grafana
        if step.remote is not None:
            body["id"], body["version"] = step.remote.get("id"), step.remote.get("version")
        payload = {"dashboard": body, "folderUid": folder_uid, "overwrite": overwrite, "message": message}
        try:
            conn.call(f"save dashboard {step.uid}", lambda: api.dashboard.update_dashboard(payload))
        except GrafanaClientError as exc:
            step.result = "failed"
            if exc.status_code == 412:
                raise PushFailed(report, _explain_412(exc, step)) from None
            raise PushFailed(report, f"Grafana refused {step.uid} ({exc.status_code}): {exc.message}") from None
        except Exception as exc:
            step.result = "failed"
            raise PushFailed(report, str(exc), getattr(exc, "exit_code", 2)) from None
        step.result = "written"
    return report


class PushFailed(UserError):
    """A push stopped part way; `report` says what was and was not written."""

    def __init__(self, report: PushReport, message: str, exit_code: int = 1):
        self.report = report
        self.exit_code = exit_code
        super().__init__(message)
