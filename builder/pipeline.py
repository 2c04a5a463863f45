"""The build pipeline: spec -> every generated document and file, in memory, once per command.

`generate` is what every command starts from; `build` and `check` write or
compare its files. Nothing here talks to a server or runs a tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from aethervision import spec as spec_mod
from aethervision.builder import checks, outputs, writer
from aethervision.core.errors import ValidationFailed
from aethervision.core.model import Spec
from aethervision.rules import files as rules


@dataclass(frozen=True)
class Generated:
    spec: Spec
    dashboards: dict[str, dict]  # provisioning-relative path -> dashboard
    rule_docs: dict[str, dict]  # rule file name -> {"groups": [...]}
    files: dict[str, str]  # provisioning-relative path -> file content

    @cached_property
    def by_uid(self) -> dict[str, dict]:
        return {d["uid"]: d for d in self.dashboards.values()}

    @cached_property
    def known_metrics(self) -> set[str]:
        """Series a query may read: recorded by the rules, or a documented input."""
        recorded = {r["record"] for doc in self.rule_docs.values() for g in doc["groups"]
                    for r in g["rules"] if "record" in r}
        return recorded | set(rules.input_metrics(self.spec))


def generate_from(spec: Spec, rule_docs: dict[str, dict] | None = None) -> Generated:
    """Every generated document and file of a loaded spec, checking the cheap invariants
    (`rule_docs`: the spec's rule documents, when the caller already has them)."""
    dashboards = outputs.dashboards(spec)
    rule_docs = rule_docs if rule_docs is not None else outputs.rule_documents(spec)
    gen = Generated(spec, dashboards, rule_docs, outputs.files(spec, dashboards, rule_docs))
    problems = []
    for rel, data in dashboards.items():
        problems += [f"{rel}: {p}" for p in checks.structure_problems(data)]
        problems += checks.metric_problems(gen.known_metrics, checks.dashboard_queries(data, rel, every_value=True))
    if problems:
        raise ValidationFailed(problems)
    return gen


def generate(spec_path: str | Path) -> Generated:
    """Load the spec and generate everything (see generate_from)."""
    return generate_from(spec_mod.load(spec_path))


def build(gen: Generated, out_dir: str | Path) -> list[writer.Change]:
    """Write provisioning/ all or nothing (see writer.write)."""
    return writer.write(Path(out_dir), gen.files)


def check(gen: Generated, out_dir: str | Path) -> list[writer.Change]:
    """Stale files on disk compared with what the code generates; writes nothing."""
    return writer.check(Path(out_dir), gen.files)
