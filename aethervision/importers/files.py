"""`aethervision import`: peers' SLO files to a spec that validates and builds, or nothing.

All or nothing: any refusal (and, with `strict`, any warning) means no file is written.
The result is loaded with the spec loader before it is written, so what `import` writes
is a spec `build` accepts; a load error names the source document of the SLO it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from aethervision import importers
from aethervision import spec as spec_mod
from aethervision.core.errors import SpecError, UserError, ValidationFailed
from aethervision.core.files import write_atomic
from aethervision.importers import render
from aethervision.importers.findings import REFUSED, Finding


@dataclass
class Report:
    text: str  # the spec (or the merged spec) written, or to print
    findings: list[Finding]
    summaries: dict[str, importers.FileSummary]
    slos: int


def run(paths: list[str], options: importers.Options, strict: bool = False, into: Path | None = None) -> Report:
    result, summaries = importers.run(paths, options)
    refused = [f for f in result.findings if f.level == REFUSED or strict]
    if refused:
        raise ValidationFailed([f"{f}" + ("" if f.level == REFUSED else " (--strict)") for f in refused])
    if not result.slos:
        raise UserError(f"no SLOs found in {', '.join(paths)}")
    if into is not None:
        existing = into.read_text("utf-8") if into.is_file() else ""
        if not existing:
            raise UserError(f"{into}: no spec to merge into (use -o to write a new one)")
        try:
            text = render.merge(existing, result.slos)
        except ValueError as exc:
            raise UserError(f"{into}: {exc}") from exc
        offset = len(spec_mod.parse(existing, str(into)).slos)
    else:
        text, offset = render.spec_text(result.slos, result.runway, [str(p) for p in paths]), 0
    _loads(text, str(into or "imported spec"), result.slos, offset)
    return Report(text, result.findings, summaries, len(result.slos))


def _loads(text: str, source: str, slos, offset: int) -> None:
    """The text loads as a spec; a problem in slos[i] is told with where that SLO came from."""
    try:
        spec_mod.parse(text, source)
    except SpecError as exc:
        lines = []
        for line in str(exc).splitlines():
            found = re.search(r"slos\[(\d+)\]", line)
            index = int(found.group(1)) - offset if found else -1
            if 0 <= index < len(slos):
                item = slos[index]
                line += f" (imported from {item.where.file}: document {item.where.document}: {item.field})"
            lines.append(line)
        raise ValidationFailed(lines) from exc


def write(report: Report, out: Path) -> None:
    write_atomic(out, report.text)
