"""What an importer says about a document: refusals (nothing imported from it) and warnings
(imported, with a YAML comment where it guessed). Every finding names its file, document
and field, so a person can go to the line."""

from __future__ import annotations

from dataclasses import dataclass, field

REFUSED, WARNING = "refused", "warning"


@dataclass(frozen=True)
class Where:
    """A document: file, its index in a multi-document file (from 1), and its kind."""
    file: str
    document: int
    kind: str = ""

    def at(self, path: str, message: str, level: str = WARNING) -> Finding:
        return Finding(self, path, message, level)


@dataclass(frozen=True)
class Finding:
    where: Where
    field: str  # the source document's path, e.g. slos[0].sli.plugin
    message: str
    level: str = WARNING

    def __str__(self) -> str:
        return f"{self.where.file}: document {self.where.document}: {self.field}: {self.message}"


@dataclass
class Imported:
    """One AetherVision SLO (a spec dict) from one source SLO, with the comments it carries."""
    slo: dict
    where: Where
    field: str  # where in the source document it came from
    kind: str  # the AetherVision SLI kind chosen
    comments: list[str] = field(default_factory=list)


@dataclass
class Result:
    """An importer's answer for one document: SLOs, findings, and spec sections it implies."""
    slos: list[Imported] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    runway: dict = field(default_factory=dict)  # e.g. burn_alerts from Sloth's AlertWindows

    def warn(self, where: Where, path: str, message: str, imported: Imported | None = None) -> None:
        self.findings.append(where.at(path, message, WARNING))
        if imported is not None:
            imported.comments.append(f"{path}: {message}")

    def refuse(self, where: Where, path: str, message: str) -> None:
        self.findings.append(where.at(path, message, REFUSED))

    def extend(self, other: Result) -> None:
        self.slos += other.slos
        self.findings += other.findings
        self.runway.update(other.runway)
