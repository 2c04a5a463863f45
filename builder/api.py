"""Library entry points behind `aethervision build` and `validate`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from aethervision import promtool, spec as spec_mod
from aethervision.errors import ValidationFailed
from aethervision.model import Spec

from . import outputs, validate as checks, writer


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def generate(spec_path: str | Path) -> tuple[Spec, dict[str, str]]:
    """Load the spec and generate every file in memory, checking the cheap invariants."""
    spec = spec_mod.load(spec_path)
    files = outputs.generate(spec)
    problems = []
    for rel, data in outputs.dashboards(spec).items():
        problems += [f"{rel}: {p}" for p in checks.structure_problems(data)]
        problems += checks.metric_problems(spec, checks.dashboard_queries(data, rel))
    if problems:
        raise ValidationFailed(problems)
    return spec, files


def build(spec_path: str | Path, out_dir: str | Path) -> list[writer.Change]:
    """Generate and write provisioning/; nothing is written if generation fails."""
    _, files = generate(spec_path)
    return writer.write(Path(out_dir), files)


def check(spec_path: str | Path, out_dir: str | Path) -> list[writer.Change]:
    """Stale files on disk compared with what the code generates; writes nothing."""
    _, files = generate(spec_path)
    return writer.check(Path(out_dir), files)


def validate(spec_path: str | Path, schema_dir: Path | None, use_promtool: bool = True) -> Report:
    """Full validation of generated output: schemas, structure, PromQL, metrics."""
    spec, files = generate(spec_path)
    report = Report()
    for rel in outputs.dashboards(spec):
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
