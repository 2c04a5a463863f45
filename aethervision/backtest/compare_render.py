"""`aethervision compare` as text, markdown (the pull request that moves a team over) or JSON.

One line per SLO (and group), the peer first:
    checkout: Sloth 7 pages, 2 tickets / AetherVision 2 pages, 1 ticket; incidents caught 3/3 both;
    first notification 1m later (median); cost 1.3% of Sloth's
Incidents are paired across the two when they overlap (render.matched, the backtest's
pairing); "caught" counts the pairs each side notified for.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict

from aethervision.backtest.compare import OURS, Comparison
from aethervision.backtest.render import matched, slo_label, span, when
from aethervision.backtest.report import Incident, Summary


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _counts(s: Summary | None) -> str:
    return f"{_plural(s.pages if s else 0, 'page')}, {_plural(s.tickets if s else 0, 'ticket')}"


def _shift(pairs) -> tuple[str, float | None]:
    gaps = [ours.start - theirs.start for theirs, ours in pairs if theirs and ours]
    if not gaps:
        return "", None
    median = statistics.median(gaps)
    if abs(median) < 60:
        return "first notification within the same minute (median)", median
    side = "later" if median > 0 else "earlier"
    return f"first notification {span(int(abs(median)))} {side} (median)", median


def _caught(pairs, tool: str) -> str:
    total = len(pairs)
    theirs, ours = sum(1 for t, _ in pairs if t), sum(1 for _, o in pairs if o)
    if not total:
        return "no incidents"
    if theirs == ours == total:
        return f"incidents caught {total}/{total} both"
    return f"incidents caught {tool} {theirs}/{total}, {OURS} {ours}/{total}"


def _cost(c: Comparison, slo: str) -> str:
    theirs, ours = c.cost.get(slo, (0, 0))
    return f"cost {ours / theirs:.1%} of {c.tool}'s" if theirs else f"cost {ours:,} samples/h ({c.tool}'s unknown)"


def _rows(c: Comparison):
    theirs_by = {s.key: s for s in c.theirs.summaries}
    for s in c.ours.summaries:
        other = theirs_by.get(s.key)
        yield s, other, matched(other, s)


def line(c: Comparison, ours: Summary, theirs: Summary | None, pairs) -> str:
    parts = [f"{slo_label(ours)}: {c.tool} {_counts(theirs)} / {OURS} {_counts(ours)}", _caught(pairs, c.tool)]
    shift, _ = _shift(pairs)
    if shift:
        parts.append(shift)
    parts.append(_cost(c, ours.slo))
    return "; ".join(parts)


def _side(i: Incident | None) -> str:
    if i is None:
        return "not notified"
    spent = "" if i.spent_at_first is None else f", {i.spent_at_first:.0%} of the budget spent"
    return f"first {i.first_class} {when(i.start)}{spent}"


def _header(c: Comparison) -> list[str]:
    f = c.ours.facts
    lines = [f"{c.tool} ({f['peer']}) vs {OURS} ({f['spec']}) on {f['url']}",
             f"{when(c.ours.start)} to {when(c.ours.end)} UTC ({(c.ours.end - c.ours.start) / 86400:.1f} days); "
             f"history: {f['series']:,} series, {f['samples']:,} samples at {f['resolution']}s"]
    if f.get("unmatched_peer_episodes"):
        lines.append(f"{f['unmatched_peer_episodes']} {c.tool} alert episode(s) name no SLO of the spec: left out")
    if f.get("history_note"):
        lines.append(f["history_note"])
    return lines


def text(c: Comparison) -> str:
    lines = [*_header(c), ""]
    for ours, theirs, pairs in _rows(c):
        lines.append(line(c, ours, theirs, pairs))
        lines.append(f"  paging: {c.tool} {span(theirs.paging_seconds if theirs else 0)}, "
                     f"{OURS} {span(ours.paging_seconds)}")
        for t, o in pairs:
            lines.append(f"  incident {when(min(x.start for x in (t, o) if x))}: {c.tool} {_side(t)}; "
                         f"{OURS} {_side(o)}")
    return "\n".join(lines) + "\n"


def markdown(c: Comparison) -> str:
    lines = [f"### {c.tool} vs {OURS}", "", " · ".join(_header(c)), "",
             f"| SLO | pages {c.tool} | pages {OURS} | tickets {c.tool} | tickets {OURS} | paging {c.tool} | "
             f"paging {OURS} | incidents caught | first notification | rule cost |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    details = []
    for ours, theirs, pairs in _rows(c):
        shift, _ = _shift(pairs)
        lines.append(f"| {slo_label(ours)} | {theirs.pages if theirs else 0} | {ours.pages} | "
                     f"{theirs.tickets if theirs else 0} | {ours.tickets} | "
                     f"{span(theirs.paging_seconds if theirs else 0)} | {span(ours.paging_seconds)} | "
                     f"{_caught(pairs, c.tool).removeprefix('incidents caught ')} | "
                     f"{shift.removeprefix('first notification ') or '-'} | "
                     f"{_cost(c, ours.slo).removeprefix('cost ')} |")
        details += [f"- {slo_label(ours)} {when(min(x.start for x in (t, o) if x))}: {c.tool} {_side(t)}; "
                    f"{OURS} {_side(o)}" for t, o in pairs]
    if details:
        lines += ["", "Incidents:", "", *details]
    return "\n".join(lines) + "\n"


def as_json(c: Comparison) -> str:
    def side(s: Summary | None) -> dict:
        return {"pages": s.pages if s else 0, "tickets": s.tickets if s else 0,
                "paging_seconds": s.paging_seconds if s else 0}

    slos = []
    for ours, theirs, pairs in _rows(c):
        peer_cost, our_cost = c.cost.get(ours.slo, (0, 0))
        _, median = _shift(pairs)
        slos.append({"slo": ours.slo, "group": dict(ours.group), "line": line(c, ours, theirs, pairs),
                     "peer": side(theirs), "ours": side(ours),
                     "incidents": [{"peer": asdict(t) if t else None, "ours": asdict(o) if o else None}
                                   for t, o in pairs],
                     "first_notification_shift_seconds": median,
                     "cost": {"peer": peer_cost, "ours": our_cost,
                              "share": round(our_cost / peer_cost, 4) if peer_cost else None},
                     "episodes": {"peer": [asdict(e) for e in (theirs.episodes if theirs else ())],
                                  "ours": [asdict(e) for e in ours.episodes]}})
    doc = {"tool": c.tool, "start": c.ours.start, "end": c.ours.end, "facts": c.ours.facts, "slos": slos}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


FORMATS = {"text": text, "markdown": markdown, "json": as_json}
