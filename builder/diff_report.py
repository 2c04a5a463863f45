"""Diff reports: text, JSON, and markdown a reviewer can read in a pull request.

The markdown opens with one line per kind of change, naming every SLO it
touches (SLOs with the same change share a line, so a change to 1,000 SLOs is
a short paragraph), then puts the detail in collapsible sections, and stops
adding detail before GitHub's 65,536-character comment limit: the whole report
goes to a file the comment points at (`aethervision diff --full FILE`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import asdict

from aethervision.builder.diff import Change

MARKDOWN_LIMIT = 60_000  # characters; GitHub refuses comments over 65,536
CELL_LIMIT = 300  # characters of one value in a table cell
_SLO_GROUP = re.compile(r"^rule slo_([a-z0-9_]+?)\.(?:predict\.recording|alerts) / ")


def _show(value) -> str:
    return "—" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def owner(change: Change) -> str:
    """The SLO a change belongs to, or what else it is about (dashboards, a file, the operator rules)."""
    found = _SLO_GROUP.match(change.object)
    if found:
        return found.group(1)
    if change.object.startswith("spec "):
        return "spec"
    if change.object.startswith("dashboard "):
        return "dashboards"
    if change.object.startswith("file "):
        return change.object.split(" ", 1)[1]
    return "operator rules"


def _describe(changes: list[Change]) -> str:
    """One SLO's changes in words: 'recording rules: 12 expr changed; alerts: 1 labels changed'."""
    kinds: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in changes:
        kind = "alerts" if ".alerts / " in c.object else "recording rules" if c.object.startswith("rule ") \
            else "panels" if ": panel " in c.object else "keys" if c.object.startswith("file ") else "settings"
        kinds[kind][f"{c.field} {c.change}".strip() if c.change == "changed" else c.change] += 1
    return "; ".join(f"{kind}: " + ", ".join(f"{n} {what}" for what, n in sorted(parts.items()))
                     for kind, parts in sorted(kinds.items()))


def render(changes: list[Change], fmt: str, title: str = "AetherVision diff", limit: int | None = MARKDOWN_LIMIT,
           full_name: str = "") -> str:
    if fmt == "json":
        return json.dumps([asdict(c) for c in changes], indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown(changes, title, limit, full_name)
    if not changes:
        return "no changes\n"
    out = []
    for c in changes:
        detail = f" {c.field}" if c.field else ""
        values = f": {_show(c.before)} -> {_show(c.after)}" if c.change in ("changed", "moved", "resized") else ""
        out.append(f"{c.change:<8} {c.object}{detail}{values}")
    return "\n".join(out) + "\n"


def _cell(value) -> str:
    text = _show(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= CELL_LIMIT else text[:CELL_LIMIT - 1] + "…"


def _table(changes: list[Change]) -> list[str]:
    lines = ["| object | change | field | before | after |", "|---|---|---|---|---|"]
    return lines + [f"| {_cell(c.object)} | {c.change} | {_cell(c.field)} | `{_cell(c.before)}` | `{_cell(c.after)}` |"
                    for c in changes]


SPEC_LINES = 50  # spec changes listed in words before "... and N more"
NAMES_SHOWN = 10  # SLOs named on one summary line before "and N more"


def _sentence(c: Change) -> str:
    """'slo payment_rate objective: 99.9% -> 99.95% (error budget halved)'."""
    what = c.object.removeprefix("spec ")
    if c.change != "changed":
        return f"{what} {c.change}" + (f" ({c.field} {_show(c.after)})" if c.after is not None else "")
    return f"{what} {c.field}: {_show(c.before)} -> {_show(c.after)}"


def markdown(changes: list[Change], title: str, limit: int | None, full_name: str) -> str:
    if not changes:
        return f"### {title}\n\nNo changes to dashboards, rules or configuration.\n"
    in_words = [c for c in changes if owner(c) == "spec"]
    changes = [c for c in changes if owner(c) != "spec"]
    by_owner: dict[str, list[Change]] = defaultdict(list)
    for c in changes:
        by_owner[owner(c)].append(c)
    by_text: dict[str, list[str]] = defaultdict(list)
    for name, own in by_owner.items():
        by_text[_describe(own)].append(name)
    slos = sum(1 for name in by_owner if name not in ("dashboards", "operator rules") and "/" not in name)
    others = len(by_owner) - slos
    lines = [f"### {title}", ""]
    if in_words:
        lines += ["**In the spec**", ""] + [f"- {_sentence(c)}" for c in in_words[:SPEC_LINES]]
        lines += [f"- ... and {len(in_words) - SPEC_LINES} more" if len(in_words) > SPEC_LINES else "", ""]
    lines += [f"{len(changes)} generated change(s): {slos} SLO(s)"
              + (f", and {others} other part(s) (dashboards, operator rules, files)" if others else "") + ".", "",
              "**Summary**", ""]
    for text, names in sorted(by_text.items(), key=lambda x: x[1][0]):
        shown = ", ".join(names[:NAMES_SHOWN]) + (f" and {len(names) - NAMES_SHOWN:,} more"
                                                   if len(names) > NAMES_SHOWN else "")
        lines.append(f"- **{shown}** ({len(names):,}): {text}" if len(names) > 1 else f"- **{shown}**: {text}")
    lines.append("")
    head = "\n".join(lines)
    blocks, used, left_out = [], len(head), []
    for name, own in by_owner.items():
        block = "\n".join([f"<details><summary>{name}: {len(own)} change(s)</summary>", "", *_table(own), "",
                           "</details>", ""])
        if limit is not None and used + len(block) > limit - 500:
            left_out.append(name)
            continue
        blocks.append(block)
        used += len(block)
    tail = ""
    if left_out:
        where = f"`{full_name}`" if full_name else "the full report (`aethervision diff --full FILE`)"
        tail = (f"\nThe details of {len(left_out)} more (of {', '.join(left_out[:3])}"
                f"{', ...' if len(left_out) > 3 else ''}) would pass GitHub's comment limit: see {where}.\n")
    return head + "\n" + "\n".join(blocks) + tail
