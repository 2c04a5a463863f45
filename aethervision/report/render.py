"""The report as markdown, HTML or JSON, and the files `--out DIR` holds: report.<ext> and
charts/<slo>-budget.png, charts/<slo>-runway.png (markdown and HTML show them)."""

from __future__ import annotations

import html
import json

from aethervision.backtest.history import when
from aethervision.report import charts
from aethervision.report.figures import Figures


def _pct(value: float | None, digits: int = 3) -> str:
    return "no traffic" if value is None else f"{100 * value:.{digits}f}%"


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:.1f} h"


def as_dict(figures: list[Figures]) -> dict:
    return {"slos": [{
        "slo": f.slo, "period": f.period.label, "start": f.period.start, "end": f.period.end,
        "objective": f.objective, "attained": f.attained, "met": f.met, "events": f.all, "bad_events": f.bad,
        "budget_events": f.budget_events, "budget_spent": f.spent,
        "budget_remaining": None if f.spent is None else 1 - f.spent, "excluded_tiles": f.excluded_tiles,
        "groups": [{"labels": labels, "bad_events": bad, "events": total,
                    "attained": 1 - bad / total if total else None} for labels, bad, total in f.groups],
        "incidents": [{"start": i.start, "end": i.end, "alerts": list(i.alerts), "bad_events": i.bad,
                       "budget_share": i.budget_share} for i in f.incidents],
        "corrections": [{"start": c.start, "end": c.end, "reason": c.reason, "bad_events": c.bad,
                         "events": c.all} for c in f.corrections],
        "runway_daily_min_days": [{"period": label, "days": [{"day_end": t, "min": v} for t, v in lows]}
                                  for label, lows in f.runway],
    } for f in figures]}


def _trend(f: Figures) -> str:
    lows = [(label, [v for _, v in values if v is not None]) for label, values in f.runway]
    return ", ".join(f"{label}: lowest {min(v):.1f} d, median {sorted(v)[len(v) // 2]:.1f} d" if v
                     else f"{label}: no runway recorded" for label, v in lows)


def _sections(f: Figures) -> list[tuple[str, list[str], list[list[str]]]]:
    """(heading, table header, rows) per part of one SLO's report."""
    summary = [["objective", f"{100 * f.objective:g}%"], ["attained", _pct(f.attained)],
               ["met", {True: "yes", False: "no", None: "-"}[f.met]],
               ["events", f"{f.all:,.0f} ({f.bad:,.0f} bad)"],
               ["budget spent", _pct(f.spent, 1)],
               ["budget remaining", "-" if f.spent is None else _pct(max(0.0, 1 - f.spent), 1)]]
    if f.excluded_tiles:
        summary.append(["excluded (maintenance)", f"{f.excluded_tiles * 5} min"])
    incidents = [[when(i.start), _hours(i.end - i.start), ", ".join(i.alerts), f"{i.bad:,.0f}",
                  _pct(i.budget_share, 1)] for i in f.incidents]
    corrections = [[when(c.start), when(c.end), c.reason, f"{c.bad:,.0f} of {c.all:,.0f}"]
                   for c in f.corrections]
    groups = [[" ".join(f"{k}={v}" for k, v in labels.items()), _pct(1 - bad / total if total else None),
               _pct(bad / ((1 - f.objective) * total) if total else None, 1)] for labels, bad, total in f.groups]
    return [("Summary", ["", ""], summary),
            *([("Groups", ["group", "attained", "budget spent"], groups)] if f.groups else []),
            ("Incidents", ["start", "length", "alerts", "bad events", "budget"], incidents),
            ("Corrections", ["from", "to", "reason", "bad events left out"], corrections)]


def markdown(figures: list[Figures]) -> str:
    lines = ["# SLO report", ""]
    for f in figures:
        lines += [f"## {f.slo}: {f.period.label}", ""]
        for heading, header, rows in _sections(f):
            lines += [f"**{heading}**", ""]
            if not rows:
                lines += ["none", ""]
                continue
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(row) + " |" for row in rows] + [""]
        lines += [f"**Runway trend** (daily lowest days to breach): {_trend(f)}", "",
                  f"![budget](charts/{f.slo}-budget.png)", "", f"![runway](charts/{f.slo}-runway.png)", ""]
    return "\n".join(lines)


def html_page(figures: list[Figures]) -> str:
    parts = ["<!doctype html><meta charset=utf-8><title>SLO report</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}</style>",
             "<h1>SLO report</h1>"]
    for f in figures:
        parts.append(f"<h2>{html.escape(f.slo)}: {html.escape(f.period.label)}</h2>")
        for heading, header, rows in _sections(f):
            parts.append(f"<h3>{heading}</h3>")
            if not rows:
                parts.append("<p>none</p>")
                continue
            head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            parts.append(f"<table><tr>{head}</tr>{body}</table>")
        parts += [f"<p>Runway trend: {html.escape(_trend(f))}</p>",
                  f'<img src="charts/{f.slo}-budget.png" alt="budget">',
                  f'<img src="charts/{f.slo}-runway.png" alt="runway">']
    return "\n".join(parts) + "\n"


FORMATS = {"markdown": ("report.md", markdown), "html": ("report.html", html_page),
           "json": ("report.json", lambda figures: json.dumps(as_dict(figures), indent=2, sort_keys=True) + "\n")}


def files(figures: list[Figures], fmt: str) -> dict[str, bytes]:
    """Relative path -> bytes for `--out DIR`."""
    name, render = FORMATS[fmt]
    out = {name: render(figures).encode()}
    if fmt != "json":
        for f in figures:
            out[f"charts/{f.slo}-budget.png"] = charts.burndown(f)
            out[f"charts/{f.slo}-runway.png"] = charts.runway(f)
    return out
