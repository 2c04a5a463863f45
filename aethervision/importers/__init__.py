"""Bring a team's SLOs in: Sloth, Pyrra and OpenSLO documents to AetherVision spec entries, each format
a pure function from one parsed document to SLOs and findings; `files.py` reads the files and writes
the imported spec.

This module reads files and folders, tells the formats apart, and keeps the per-file
summary (findings in findings.py). Rendering the spec text is render.py's.

Imports: spec, promql, core.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aethervision.core.errors import UserError
from aethervision.importers import common, openslo, pyrra, sloth
from aethervision.importers.findings import REFUSED, Result, Where

FORMATS = ("auto", "sloth", "sloth-k8s", "pyrra", "openslo")
SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Options:
    format: str = "auto"
    sloth_period: str = "30d"  # Sloth's default SLO period (its --default-slo-period)


@dataclass
class FileSummary:
    documents: int = 0
    slos: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    warnings: int = 0
    refused: int = 0


def detect(doc: dict) -> str:
    """The format of one document: sloth, sloth-k8s, sloth-windows, pyrra, openslo, or ""."""
    version, api = str(doc.get("version", "")), str(doc.get("apiVersion", ""))
    if version.startswith("prometheus/"):
        return "sloth"
    if api.startswith("sloth.slok.dev/"):
        return "sloth-windows" if doc.get("kind") == "AlertWindows" else "sloth-k8s"
    if api.startswith("pyrra.dev/"):
        return "pyrra"
    if api.startswith("openslo/"):
        return "openslo"
    return ""


def files_of(paths: list[str]) -> list[Path]:
    out = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
        elif path.is_file():
            out.append(path)
        else:
            raise UserError(f"{text}: no such file or folder")
    if not out:
        raise UserError(f"no .yaml, .yml or .json files in {', '.join(paths)}")
    return out


def documents(path: Path) -> list:
    """Every YAML document of a file (None for an empty one); unreadable or not YAML is a UserError."""
    try:
        return [d for d in yaml.safe_load_all(path.read_text("utf-8"))]
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not YAML: {str(exc).splitlines()[0]}") from exc


def run(paths: list[str], options: Options) -> tuple[Result, dict[str, FileSummary]]:
    """Every document of every file: the SLOs, the findings, and a summary per file."""
    parsed = [(path, documents(path)) for path in files_of(paths)]
    slis, sources = {}, {}  # OpenSLO documents other SLOs refer to by name, across files
    for _, docs in parsed:
        for doc in docs:
            if isinstance(doc, dict) and detect(doc) == "sloth-windows":  # its period is the SLOs' window
                options = Options(options.format, str((doc.get("spec") or {}).get("sloPeriod") or
                                                      options.sloth_period))
            if isinstance(doc, dict) and detect(doc) == "openslo":
                name = (doc.get("metadata") or {}).get("name")
                if doc.get("kind") == "SLI":
                    slis[name] = doc
                elif doc.get("kind") == "DataSource":
                    sources[name] = doc
    total, summaries = Result(), {}
    for path, docs in parsed:
        summary = summaries.setdefault(str(path), FileSummary())
        for index, doc in enumerate(docs, 1):
            if doc is None:
                continue
            summary.documents += 1
            where = Where(str(path), index)
            try:
                result = _one(doc, where, options, slis, sources)
            except (AttributeError, TypeError, KeyError, ValueError) as exc:
                # A shape no format allows (a list where a mapping goes, ...): refused, never a crash.
                result = Result()
                result.refuse(where, "(document)", f"not shaped as its format says ({type(exc).__name__}: {exc})")
            summary.slos += len(result.slos)
            for item in result.slos:
                summary.kinds[item.kind] = summary.kinds.get(item.kind, 0) + 1
            summary.refused += sum(1 for f in result.findings if f.level == REFUSED)
            summary.warnings += sum(1 for f in result.findings if f.level != REFUSED)
            total.extend(result)
    common.unique(total.slos)
    return total, summaries


def _one(doc, where: Where, options: Options, slis: dict, sources: dict) -> Result:
    result = Result()
    if not isinstance(doc, dict):
        result.refuse(where, "(document)", "not a mapping")
        return result
    found = detect(doc)
    wanted = options.format
    if not found:
        result.refuse(where, "(document)", "not a Sloth, Pyrra or OpenSLO document (no version: prometheus/v1, "
                                           "apiVersion: sloth.slok.dev/v1, pyrra.dev/v1alpha1 or openslo/v1)")
        return result
    if wanted != "auto" and found != wanted and not (wanted.startswith("sloth") and found == "sloth-windows"):
        result.refuse(where, "(document)", f"is {found}, not {wanted} (--format)")
        return result
    if found == "sloth":
        if str(doc.get("version")) != "prometheus/v1":
            result.refuse(where, "version", f"{doc.get('version')!r}: only prometheus/v1 is known")
            return result
        return sloth.convert_prometheus_v1(doc, where, options.sloth_period)
    if found == "sloth-k8s":
        if doc.get("kind") != "PrometheusServiceLevel":
            result.refuse(where, "kind", f"{doc.get('kind')!r}: only PrometheusServiceLevel holds SLOs")
            return result
        return sloth.convert_k8s(doc, where, options.sloth_period)
    if found == "sloth-windows":
        return sloth.alert_windows(doc, where)
    if found == "pyrra":
        if doc.get("kind") != "ServiceLevelObjective":
            result.refuse(where, "kind", f"{doc.get('kind')!r}: only ServiceLevelObjective holds an SLO")
            return result
        return pyrra.convert(doc, where)
    kind = doc.get("kind")
    if kind == "SLO":
        return openslo.convert_slo(doc, where, slis, sources)
    if kind in ("SLI", "DataSource", "Service", "AlertPolicy", "AlertCondition", "AlertNotificationTarget"):
        if kind in ("AlertPolicy", "AlertCondition", "AlertNotificationTarget"):
            result.warn(where, "kind", f"{kind}: not carried (AetherVision's page and ticket tiers apply)")
        return result  # read with the SLOs that refer to them
    result.refuse(where, "kind", f"{kind!r}: not an OpenSLO kind AetherVision reads")
    return result
