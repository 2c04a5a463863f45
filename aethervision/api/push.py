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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from grafana_client.client import GrafanaClientError

from aethervision.builder import diff as diff_mod
from aethervision.builder.diff import STAMP_KEY, comparable
from aethervision.builder.pipeline import Generated
from aethervision.clients.grafana import Session
from aethervision.core import defaults
from aethervision.core.errors import UserError


def content_hash(dashboard: dict) -> str:
    canonical = json.dumps(comparable(dashboard), sort_keys=True, separators=(",", ":"))
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


def plan(session: Session, dashboards: dict[str, dict]) -> PushReport:
    """Decide create / update / unchanged / drift per dashboard; writes nothing.

    One read per dashboard, several at a time (bounded): at 100 dashboards a
    sequential plan waits for 100 round trips to Grafana one after another."""
    report = PushReport()
    uids = sorted(dashboards)
    with ThreadPoolExecutor(max_workers=max(1, min(defaults.GRAFANA_READ_CONCURRENCY, len(uids)))) as pool:
        remotes = dict(zip(uids, pool.map(session.dashboard_model, uids)))
    for uid in uids:
        local, remote = dashboards[uid], remotes[uid]
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


def ensure_folder(session: Session, uid: str, title: str) -> bool:
    """Create the folder by uid when missing; True when created."""
    if session.folder_exists(uid):
        return False
    session.create_folder(uid, title)
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


def apply(session: Session, report: PushReport, dashboards: dict[str, dict], folder_uid: str,
          folder_title: str, message: str, force: bool = False) -> PushReport:
    """Write creates and updates (and drifted ones with force). Stops at the first failure."""
    todo = [s for s in report.steps if s.action in ("create", "update") or (force and s.action == "drift")]
    for step in report.steps:
        step.result = "skipped" if step not in todo else "not written"
    if not todo:
        return report
    report.folder_created = ensure_folder(session, folder_uid, folder_title)
    for step in todo:
        body = copy.deepcopy(dashboards[step.uid])
        body[STAMP_KEY] = {"contentHash": content_hash(body)}
        overwrite = step.action == "drift"  # --force: deliberately replace what is in Grafana
        if step.remote is not None:
            body["id"], body["version"] = step.remote.get("id"), step.remote.get("version")
        payload = {"dashboard": body, "folderUid": folder_uid, "overwrite": overwrite, "message": message}
        try:
            session.save_dashboard(step.uid, payload)
        except GrafanaClientError as exc:
            step.result = "failed"
            if exc.status_code == 412:
                raise PushFailed(report, _explain_412(exc, step)) from exc
            raise PushFailed(report, f"Grafana refused {step.uid} ({exc.status_code}): {exc.message}") from exc
        except Exception as exc:  # noqa: BLE001 - recorded in the report, then re-raised with it
            step.result = "failed"
            raise PushFailed(report, str(exc), getattr(exc, "exit_code", 2)) from exc
        step.result = "written"
    return report


class PushFailed(UserError):
    """A push stopped part way; `report` says what was and was not written."""

    def __init__(self, report: PushReport, message: str, exit_code: int = 1):
        self.report = report
        self.exit_code = exit_code
        super().__init__(message)


def push(gen: Generated, session: Session, dry_run: bool = False, force: bool = False,
         message: str | None = None) -> PushReport:
    """Plan, then (unless dry-run, or drift without force) write the generated dashboards."""
    report = plan(session, gen.by_uid)
    if dry_run or (report.drifted and not force):
        return report
    g = gen.spec.grafana
    return apply(session, report, gen.by_uid, g.folder_uid, g.folder_title,
                 message or git_message(), force)


def offline_plan(gen: Generated) -> PushReport:
    """The plan against an empty Grafana: every dashboard would be created (push --dry-run --offline)."""
    return PushReport([Step(uid, d.get("title", uid), "create") for uid, d in sorted(gen.by_uid.items())])


def drift_changes(gen: Generated, report: PushReport) -> dict[str, list[diff_mod.Change]]:
    """Per drifted dashboard: what pushing would change in (lose from) Grafana's copy."""
    return {step.uid: diff_mod.dashboard_changes(step.uid, comparable(step.remote), comparable(gen.by_uid[step.uid]))
            for step in report.drifted}
