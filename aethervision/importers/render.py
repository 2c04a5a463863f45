"""The imported SLOs as spec text a person could have written: one entry per SLO, with the
file and document it came from, and a comment for every guess or dropped field."""

from __future__ import annotations

import yaml

from aethervision.importers.findings import Imported

INDENT = "  "


def _entry(item: Imported) -> str:
    lines = [f"# from {item.where.file} (document {item.where.document}, {item.field}): {item.kind}"]
    lines += [f"# NOTE {comment}" for comment in item.comments]
    body = yaml.safe_dump([item.slo], sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + body


def slo_entries(slos: list[Imported], indent: str = INDENT) -> str:
    """The `slos:` list items, indented by `indent`."""
    out = []
    for item in slos:
        out.append("".join(indent + line if line.strip() else line for line in _entry(item).splitlines(True)))
    return "\n".join(out)


def spec_text(slos: list[Imported], runway: dict, sources: list[str]) -> str:
    head = [f"# Imported by `aethervision import` from {', '.join(sources)}.",
            "# Review the NOTE comments: each marks a guess or something not carried.",
            "version: aethervision/v1", ""]
    if runway:
        head += [yaml.safe_dump({"runway": runway}, sort_keys=False).rstrip(), ""]
    return "\n".join(head) + "slos:\n" + slo_entries(slos)


def merge(existing: str, slos: list[Imported]) -> str:
    """`existing` spec text with the SLOs appended to its `slos:` list, comments and all kept.

    The entries go after the last line of the `slos:` block (the next top-level key, or the
    end), indented as its first item is; ValueError when the text has no top-level `slos:`."""
    lines = existing.splitlines(True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == "slos:"), None)
    if start is None:
        raise ValueError("no top-level `slos:` list to add to")
    end = len(lines)
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line[0].isspace() and not line.startswith("#") and not line.startswith("-"):
            end = i
            break
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    item = next((line for line in lines[start + 1:end] if line.lstrip().startswith("- ")), INDENT + "- ")
    indent = item[:len(item) - len(item.lstrip())]
    block = "\n" + slo_entries(slos, indent)
    before = "".join(lines[:end])
    return before + ("" if before.endswith("\n") else "\n") + block + ("\n" if end < len(lines) else "") + \
        "".join(lines[end:])
