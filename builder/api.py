"""Library entry points behind `aethervision build` and `validate`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from aethervision import promtool, spec as spec_mod
from aethervision.errors import ValidationFailed
from aethervision.model import Spec

from . import diff as diff_mod, outputs, push as push_mod, validate as checks, writer


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Generated:
    spec: Spec
    dashboards: dict[str, dict]  # provisioning-relative path -> dashboard
    files: dict[str, str]  # provisioning-relative path -> file content

    @property
    def by_uid(self) -> dict[str, dict]:
        return {d["uid"]: d for d in self.dashboards.values()}


def generate(spec_path: str | Path) -> Generated:
    """Load the spec and generate every file in memory, checking the cheap invariants."""
    spec = spec_mod.load(spec_path)
    built = outputs.dashboards(spec)
    problems = []
    for rel, data in built.items():
        problems += [f"{rel}: {p}" for p in checks.structure_problems(data)]
        problems += checks.metric_problems(spec, checks.dashboard_queries(data, rel))
    if problems:
        raise ValidationFailed(problems)
    return Generated(spec, built, outputs.generate(spec, built))


def build(spec_path: str | Path, out_dir: str | Path) -> list[writer.Change]:
    """Generate and write provisioning/; nothing is written if generation fails."""
    return writer.write(Path(out_dir), generate(spec_path).files)


def check(spec_path: str | Path, out_dir: str | Path) -> list[writer.Change]:
    """Stale files on disk compared with what the code generates; writes nothing."""
    return writer.check(Path(out_dir), generate(spec_path).files)


def validate(spec_path: str | Path, schema_dir: Path | None, use_promtool: bool = True) -> Report:
    """Full validation of generated output: schemas, structure, PromQL, metrics."""
    gen = generate(spec_path)
    spec, files = gen.spec, gen.files
    report = Report()
    for rel in gen.dashboards:
        data = json.loads(files[rel])
        if schema_dir is not None:
            report.problems += [f"{rel}: {p}" for p in checks.schema_problems(data, schema_dir)]
        queries = checks.dashboard_queries(data, rel)
        report.problems += checks.metric_problems(spec, queries)
        if use_promtool:
            report.problems += promtool.check_expressions(queries)
    report.problems += checks.metric_problems(spec, checks.rule_queries(files))
    if use_promtool:
        report.problems += checks.rule_problems(files)
    else:
        report.notes.append("PromQL parsing and `promtool check rules` skipped (--skip-promtool)")
    if schema_dir is None:
        report.notes.append("Grafana JSON Schema check skipped: no schema directory "
                            "(--grafana-schema)")
    return report


def push(spec_path: str | Path, conn, dry_run: bool = False, force: bool = False,
         message: str | None = None) -> push_mod.PushReport:
    """Push the generated dashboards to Grafana (see builder/push.py for the rules)."""
    gen = generate(spec_path)
    spec, dashboards = gen.spec, gen.by_uid
    api = conn.api()
    report = push_mod.plan(conn, api, dashboards)
    if dry_run:
        return report
    if report.drifted and not force:
        return report
    return push_mod.apply(conn, api, report, dashboards, spec.grafana.folder_uid,
                          spec.grafana.folder_title, message or push_mod.git_message(), force)


def diff(spec_path: str | Path, base: str | None = None, folder: Path | None = None,
         conn=None) -> list[diff_mod.Change]:
    """Changes from a base (git ref, folder, or live Grafana) to what the code generates."""
    new = diff_mod.state_from_spec(generate(spec_path).spec)
    if conn is not None:
        api = conn.api()
        remote = {}
        for uid in new["dashboards"]:
            found = push_mod.get_dashboard(conn, api, uid)
            if found is not None:
                remote[uid] = push_mod.normalise(found)
        old = {"dashboards": remote, "rules": new["rules"]}  # rules are not in Grafana
    elif folder is not None:
        old = diff_mod.state_from_files(diff_mod.read_folder(folder))
    else:
        old = diff_mod.state_from_files(diff_mod.read_git_ref(base or "HEAD"))
    return diff_mod.compare(old, new)


def drift_changes(spec_path: str | Path, report: push_mod.PushReport) -> dict[str, list[diff_mod.Change]]:
    """Per drifted dashboard: what pushing would change in (lose from) Grafana's copy."""
    local = generate(spec_path).by_uid
    return {
        step.uid: diff_mod.dashboard_changes(step.uid, push_mod.normalise(step.remote),
                                             push_mod.normalise(local[step.uid]))
        for step in report.drifted
    }
