"""Plan and apply dashboard pushes: create, update, unchanged or drift.

Drift is found without a state file: every pushed dashboard carries the hash
of its own content (a classic model under `aethervision.contentHash`, a v2
resource in an annotation; grafana/store.py). On the next push, if the
remote content no longer hashes to its stamp, someone changed it in Grafana.
Where Grafana serves the app-platform API (12, 13) dashboards go through it in
the family the spec's `grafana.format` asks for (classic and resource: v1; v2:
v2), each read in the family it is stored in; Grafana 10 and 11 keep /api.
"""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from grafana_client.client import GrafanaClientError

from aethervision.builder import dashboard_v2
from aethervision.builder import diff as diff_mod
from aethervision.builder.diff import comparable
from aethervision.builder.pipeline import Generated
from aethervision.core import defaults
from aethervision.core.errors import UserError
from aethervision.grafana import push_alerting
from aethervision.grafana.client import Session
from aethervision.grafana.store import AppPlatformStore, Conflict, LegacyStore, Remote, open_store

Store = LegacyStore | AppPlatformStore


def content_hash(dashboard: dict) -> str:
    canonical = json.dumps(comparable(dashboard), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Step:
    uid: str
    title: str
    action: str  # create | update | unchanged | drift
    remote: Remote | None = None
    result: str = ""  # written | not written | skipped | validated (dry run) | failed


@dataclass
class PushReport:
    steps: list[Step] = field(default_factory=list)
    folder_created: bool = False
    alerting: list = field(default_factory=list)  # push_alerting.AlertingStep, when alerting.engine is grafana
    family: str = "v1"  # v1 (classic model) or v2, as pushed
    via: str = "legacy /api"

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


def family_for(spec_format: str) -> str:
    return "v2" if spec_format == "v2" else "v1"


def local_content(dashboard: dict, family: str) -> dict:
    """What is written and compared: the classic model, or its v2 spec."""
    return dashboard_v2.to_v2(dashboard) if family == "v2" else dashboard


def classic_view(remote: Remote) -> dict:
    """A remote dashboard as a classic model, for the semantic diff."""
    return dashboard_v2.to_classic(remote.content) if remote.family == "v2" else remote.content


def plan(store: Store, dashboards: dict[str, dict], family: str = "v1") -> PushReport:
    """Decide create / update / unchanged / drift per dashboard; writes nothing.

    One read per dashboard, several at a time (bounded): at 100 dashboards a
    sequential plan waits for 100 round trips to Grafana one after another."""
    if family not in store.families:
        raise UserError(f"grafana.format v2 needs Grafana's dashboard.grafana.app v2 API (Grafana 12 or later); "
                        f"this server serves {store.name}: use grafana.format classic or resource")
    report = PushReport(family=family, via=store.name)
    uids = sorted(dashboards)
    with ThreadPoolExecutor(max_workers=max(1, min(defaults.GRAFANA_READ_CONCURRENCY, len(uids)))) as pool:
        remotes = dict(zip(uids, pool.map(lambda uid: store.read(uid, family), uids)))
    for uid in uids:
        local, remote = local_content(dashboards[uid], family), remotes[uid]
        title = dashboards[uid].get("title", uid)
        if remote is None:
            action = "create"
        elif remote.family == family and content_hash(remote.content) == content_hash(local):
            action = "unchanged"
        elif remote.stamp == content_hash(remote.content):
            action = "update"
        else:
            action = "drift"  # changed in Grafana since our last push, or never pushed by us
        report.steps.append(Step(uid, title, action, remote))
    return report


def _explain_412(exc: GrafanaClientError, step: Step) -> str:
    status = exc.response.get("status") if isinstance(exc.response, dict) else ""
    if status == "version-mismatch":
        return (f"Grafana refused the update of {step.uid} (412 version-mismatch): it changed while "
                "we were pushing; run push again to re-check for drift")
    if status == "name-exists":
        return (f"Grafana refused {step.uid} (412 name-exists): another dashboard in the folder "
                f"is already titled {step.title!r}; rename one or delete the other")
    return f"Grafana refused {step.uid} (412): {exc.response}"


def apply(store: Store, report: PushReport, dashboards: dict[str, dict], folder_uid: str,
          folder_title: str, message: str, force: bool = False, dry_run: bool = False) -> PushReport:
    """Write creates and updates (and drifted ones with force). Stops at the first failure.
    `dry_run` (app-platform servers): the server validates each write and stores nothing."""
    todo = [s for s in report.steps if s.action in ("create", "update") or (force and s.action == "drift")]
    for step in report.steps:
        step.result = "skipped" if step not in todo else "not written"
    if not todo:
        return report
    if not dry_run:
        report.folder_created = store.ensure_folder(folder_uid, folder_title)
    for step in todo:
        content = copy.deepcopy(local_content(dashboards[step.uid], report.family))
        try:
            store.write(step.uid, report.family, content, content_hash(content), step.remote, folder_uid,
                        overwrite=step.action == "drift", message=message, dry_run=dry_run)
        except Conflict as exc:
            step.result = "failed"
            raise PushFailed(report, str(exc)) from exc
        except GrafanaClientError as exc:
            step.result = "failed"
            if exc.status_code == 412:
                raise PushFailed(report, _explain_412(exc, step)) from exc
            raise PushFailed(report, f"Grafana refused {step.uid} ({exc.status_code}): {exc.message}") from exc
        except Exception as exc:  # noqa: BLE001 - recorded in the report, then re-raised with it
            step.result = "failed"
            raise PushFailed(report, str(exc), getattr(exc, "exit_code", 2)) from exc
        step.result = "validated (dry run)" if dry_run else "written"
    return report


class PushFailed(UserError):
    """A push stopped part way; `report` says what was and was not written."""

    def __init__(self, report: PushReport, message: str, exit_code: int = 1):
        self.report = report
        self.exit_code = exit_code
        super().__init__(message)


def push(gen: Generated, session: Session, dry_run: bool = False, force: bool = False,
         message: str | None = None) -> PushReport:
    """Plan, then (unless drift without force) write the generated dashboards. A dry run writes
    nothing: on an app-platform server the writes are sent with dryRun, for the server to validate."""
    store = open_store(session)
    report = plan(store, gen.by_uid, family_for(gen.spec.grafana.format))
    if report.drifted and not force:
        return report
    g = gen.spec.grafana
    if not (dry_run and isinstance(store, LegacyStore)):
        apply(store, report, gen.by_uid, g.folder_uid, g.folder_title, message or git_message(), force,
              dry_run=dry_run)
    if gen.spec.alerting_engine != "prometheus":  # the rule groups live in the dashboards' folder
        if not dry_run:
            report.folder_created = store.ensure_folder(g.folder_uid, g.folder_title) or report.folder_created
        report.alerting = push_alerting.push(session, gen.spec, dry_run=dry_run)
    return report


def offline_plan(gen: Generated) -> PushReport:
    """The plan against an empty Grafana: every dashboard would be created (push --dry-run --offline)."""
    return PushReport([Step(uid, d.get("title", uid), "create") for uid, d in sorted(gen.by_uid.items())],
                      family=family_for(gen.spec.grafana.format), via="")


def drift_changes(gen: Generated, report: PushReport) -> dict[str, list[diff_mod.Change]]:
    """Per drifted dashboard: what pushing would change in (lose from) Grafana's copy."""
    return {step.uid: diff_mod.dashboard_changes(step.uid, comparable(classic_view(step.remote)),
                                                 comparable(gen.by_uid[step.uid]))
            for step in report.drifted}
