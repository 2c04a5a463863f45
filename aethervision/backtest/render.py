"""Backtest results as text (terminal), markdown (a pull request comment) or JSON, and base vs head."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from aethervision.backtest.report import INCIDENT_GAP, Incident, Result, Summary, notify_class
from aethervision.core import durations, forecast


def when(t: int | None) -> str:
    return "-" if t is None else time.strftime("%d %b %H:%M", time.gmtime(t))


def span(seconds: int) -> str:
    return durations.format(max(0, int(seconds)) // 60 * 60, weeks=False) if seconds >= 60 else f"{seconds}s"


def _clock(t: int | None) -> str:
    return "none" if t is None else when(t)[-5:]


def slo_label(summary: Summary) -> str:
    group = ", ".join(f"{k}={v}" for k, v in summary.group)
    return f"{summary.slo} ({group})" if group else summary.slo


def _rate(count: int, result: Result) -> str:
    return f"{count / result.weeks:.1f}/week" if result.weeks else "-"


def _episode_span(e, end: int) -> str:
    """"08 Nov 16:40 - 09 Nov 01:56 (9h16m)", the end's date only when it differs."""
    if e.end is None:
        return f"{when(e.start)} - still firing ({span(end - e.start)} so far)"
    stop = when(e.end)
    stop = stop[-5:] if stop[:6] == when(e.start)[:6] else stop
    return f"{when(e.start)} - {stop} ({span(e.end - e.start)})"


def _incident_line(i: Incident) -> str:
    spent = "-" if i.spent_at_first is None else f"{i.spent_at_first:.0%}"
    ran_out = f"budget ran out {span(i.lead)} after it" if i.lead is not None else "budget lasted"
    page = f", first page {when(i.first_page)}" if i.first_page is not None and i.first_page != i.start else ""
    return (f"{when(i.start)} first {i.first_class}{page}; {i.pages} page(s), {i.tickets} ticket(s); "
            f"{spent} of the budget spent by then; {ran_out}")


def matched(base: Summary | None, head: Summary | None) -> list[tuple[Incident | None, Incident | None]]:
    """Incidents of base and head paired when they overlap (within the incident gap)."""
    tagged = [(i, 0) for i in (base.incidents if base else ())] + [(i, 1) for i in (head.incidents if head else ())]
    pairs: list[list] = []
    reach = None
    for incident, side in sorted(tagged, key=lambda x: x[0].start):
        end = incident.end if incident.end is not None else 1 << 62
        if pairs and reach is not None and incident.start - reach < INCIDENT_GAP and pairs[-1][side] is None:
            pairs[-1][side] = incident
            reach = max(reach, end)
        else:
            pairs.append([incident, None] if side == 0 else [None, incident])
            reach = end
    return [tuple(p) for p in pairs]


def difference(base: Summary | None, head: Summary | None) -> str:
    """One line: "pages 7 -> 2; tickets 3 -> 3; 14 Nov 09:12 incident: first page 09:24 -> 09:31 (+7m); ..."."""
    parts = [f"pages {base.pages if base else 0} -> {head.pages if head else 0}",
             f"tickets {base.tickets if base else 0} -> {head.tickets if head else 0}"]
    lost, new = [], []
    for old, now in matched(base, head):
        if old and not now:
            lost.append(f"{when(old.start)} ({old.first_class})")
        elif now and not old:
            new.append(f"{when(now.start)} ({now.first_class})")
        elif old and now:
            paged = old.first_page is not None or now.first_page is not None
            a, b = (old.first_page, now.first_page) if paged else (old.start, now.start)
            if paged or a != b:
                what = "first page" if paged else "first notification"
                shift = "" if a is None or b is None or a == b else \
                    f" ({'+' if b > a else '-'}{span(abs(b - a))})"
                parts.append(f"{when(min(old.start, now.start))} incident: {what} "
                             f"{_clock(a)} -> {_clock(b)}{shift}")
    parts.append(f"lost: {', '.join(lost)}" if lost else "no incident lost")
    if new:
        parts.append(f"new: {', '.join(new)}")
    return "; ".join(parts)


def _facts(result: Result) -> list[str]:
    f = result.facts
    head = (f"{when(result.start)} to {when(result.end)} UTC ({(result.end - result.start) / 86400:.1f} days)")
    lines = [head]
    if f:
        lines.append(f"history: {f['series']:,} series, {f['samples']:,} samples at {f['resolution']}s "
                     f"(the shortest alert window, {f['shortest_window']}, holds {f['points_in_shortest']}); "
                     f"alerts evaluated every {f['alert_interval']}")
    if f.get("history_note"):
        lines.append(f["history_note"])
    return lines


def text(result: Result, base: Result | None = None) -> str:
    lines = [f"Backtest of {result.facts.get('spec', 'the spec')} on {result.facts.get('url', 'Prometheus')}",
             *_facts(result), ""]
    base_by = {s.key: s for s in base.summaries} if base else {}
    for s in result.summaries:
        lines.append(f"{slo_label(s)}: pages {s.pages} ({_rate(s.pages, result)}), tickets {s.tickets} "
                     f"({_rate(s.tickets, result)}), paging {span(s.paging_seconds)}")
        if base:
            lines.append(f"  vs {base.rules}: {difference(base_by.get(s.key), s)}")
        for e in s.episodes:
            lines.append(f"  {_episode_span(e, result.end)}  {e.alert} ({e.severity}, {notify_class(e.severity)})")
        for i in s.incidents:
            lines.append(f"  incident: {_incident_line(i)}")
        if s.forecast:
            lines.append(f"  runway forecast: {forecast.describe(s.forecast, span)}")
    return "\n".join(lines) + "\n"


def markdown(result: Result, base: Result | None = None) -> str:
    title = f"### Backtest: {result.facts.get('spec', 'spec')}" + (f" against {base.rules}" if base else "")
    lines = [title, "", f"{' · '.join(_facts(result))}", ""]
    base_by = {s.key: s for s in base.summaries} if base else {}
    if base:  # the two side by side, then what changed
        lines += [f"| SLO | pages {base.rules} | pages now | tickets {base.rules} | tickets now | paging {base.rules} "
                  "| paging now | what changes |", "|---|---|---|---|---|---|---|---|"]
        for s in result.summaries:
            old = base_by.get(s.key)
            lines.append(f"| {slo_label(s)} | {old.pages if old else 0} | {s.pages} | {old.tickets if old else 0} | "
                         f"{s.tickets} | {span(old.paging_seconds if old else 0)} | {span(s.paging_seconds)} | "
                         f"{difference(old, s)} |")
    else:
        lines += ["| SLO | pages | tickets | paging | incidents |", "|---|---|---|---|---|"]
        for s in result.summaries:
            lines.append(f"| {slo_label(s)} | {s.pages} ({_rate(s.pages, result)}) | {s.tickets} "
                         f"({_rate(s.tickets, result)}) | {span(s.paging_seconds)} | {len(s.incidents)} |")
    episodes = [(s, e) for s in result.summaries for e in s.episodes]
    if episodes:
        lines += ["", "<details><summary>Episodes</summary>", "", "| SLO | alert | severity | when |",
                  "|---|---|---|---|"]
        lines += [f"| {slo_label(s)} | {e.alert} | {e.severity} | {_episode_span(e, result.end)} |"
                  for s, e in episodes]
        lines += ["", "</details>"]
    incidents = [(s, i) for s in result.summaries for i in s.incidents]
    if incidents:
        lines += ["", "Incidents:", ""] + [f"- {slo_label(s)}: {_incident_line(i)}" for s, i in incidents]
    forecasts = [s for s in result.summaries if s.forecast]
    if forecasts:  # median / 90th percentile error by the true time left (aethervision.core.forecast)
        lines += ["", "Runway forecast (median / p90 error by time left):", ""]
        lines += [f"- {slo_label(s)}: {forecast.describe(s.forecast, span)}" for s in forecasts]
    return "\n".join(lines) + "\n"


def as_json(result: Result, base: Result | None = None) -> str:
    def one(r: Result) -> dict:
        return {"rules": r.rules, "start": r.start, "end": r.end, "facts": r.facts,
                "slos": [{"slo": s.slo, "group": dict(s.group), "pages": s.pages, "tickets": s.tickets,
                          "pages_per_week": round(s.pages / r.weeks, 3) if r.weeks else None,
                          "tickets_per_week": round(s.tickets / r.weeks, 3) if r.weeks else None,
                          "paging_seconds": s.paging_seconds, "forecast": s.forecast,
                          "episodes": [{**asdict(e), "labels": dict(e.labels),
                                        "class": notify_class(e.severity)} for e in s.episodes],
                          "incidents": [{**asdict(i), "lead": i.lead} for i in s.incidents]}
                         for s in r.summaries]}
    doc = {"head": one(result)}
    if base:
        base_by = {s.key: s for s in base.summaries}
        doc["base"] = one(base)
        doc["difference"] = {slo_label(s): difference(base_by.get(s.key), s) for s in result.summaries}
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


FORMATS = {"text": text, "markdown": markdown, "json": as_json}
