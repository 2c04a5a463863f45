"""docs/foresight.md and docs/foresight.json from the results: tables, then what they say."""

from __future__ import annotations

import json
from pathlib import Path

from aethervision.core.files import write_atomic
from bench.foresight import demo_month, engine, forecast, metrics, noise, workbook
from bench.foresight.policies import MW_TIERS, SEED_FOR
from bench.foresight.scenarios import DAY, OBJECTIVE, T0, WORTHY_SHARE, Scenario

TITLES = {"seed": "seed", "multiwindow": "multiwindow (SRE Workbook)", "aethervision": "**aethervision** (default)"}


def duration(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    days, rest = divmod(minutes, DAY)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return sign + ("".join(parts) or "0m")


def _pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if 0 < value < 0.1 else f"{value:.0%}"


def _reset(r: metrics.Result) -> str:
    if r.reset is None or not r.worthy:  # no incident to recover from
        return "—"
    return f"not within {duration(r.reset)}" if r.reset_open else duration(r.reset)


def _detected(r: metrics.Result) -> str:
    return {None: "(none due)", True: "yes", False: "**no**"}[r.detected]


def data(results: list[metrics.Result], chosen: list[Scenario], promtool_version: str) -> dict:
    """The machine-readable report (docs/foresight.json)."""
    return {
        "settings": {"objective": OBJECTIVE, "window_days": 30, "history_days": T0 // DAY,
                     "series_interval": engine.SERIES_INTERVAL, "evaluation_interval": f"{engine.STEP}m",
                     "worthy_share": WORTHY_SHARE, "relapse_minutes": metrics.RELAPSE,
                     "promtool": promtool_version},
        # Lists, not mappings: the suite's order survives sorted-key JSON.
        "scenarios": [{"name": s.name, "what": s.what, "worthy": s.worthy,
                       "incident_minutes": s.incident[1] - s.incident[0],
                       "incident_share": round(s.incident_share, 4),
                       "exhausted_after": None if s.exhausted_at is None else s.exhausted_at - T0}
                      for s in chosen],
        "results": [r.as_dict() for r in results],
        "summary": [{"policy": policy, **figures} for policy, figures in metrics.summary(results).items()],
    }


def text_table(results: list[metrics.Result]) -> str:
    head = f"{'scenario':<26} {'policy':<13} {'detected':<10} {'first':>7} {'page':>7} {'lead':>7} " \
           f"{'spent':>6} {'pages':>5} {'tix':>4} {'false':>5} {'reset':>10}"
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.scenario:<26} {r.policy:<13} {_detected(r):<10} {duration(r.first_alert):>7} "
                     f"{duration(r.first_page):>7} {duration(r.lead):>7} {_pct(r.spent_at_first):>6} "
                     f"{r.pages:>5} {r.tickets:>4} {r.false_pages + r.false_tickets:>5} {_reset(r):>10}")
    return "\n".join(lines)


def _criteria(results: list[metrics.Result], scenarios: list[dict]) -> list[str]:
    """The issue's bar for the default policy, checked against the figures."""
    mine = {r.scenario: r for r in results if r.policy == "aethervision"}
    base = {r.scenario: r for r in results if r.policy == "multiwindow"}
    lines = []
    quiet = [n for n in ("blip", "low_traffic") if n in mine]
    noisy = [f"{n} ({mine[n].false_pages})" for n in quiet if mine[n].false_pages]
    lines.append(("- **No false page on " + " and ".join(quiet) + ":** "
                  + ("met." if not noisy else f"not met: {', '.join(noisy)}.")) if quiet else "")
    verdicts = []
    for s in scenarios:
        name = s["name"]
        if s["exhausted_after"] is None or name not in mine or name not in base:
            continue
        ours, theirs = mine[name].first_alert, base[name].first_alert
        ok = ours is not None and (theirs is None or ours <= theirs)
        verdicts.append((ok, f"{name}: {duration(ours)} vs {duration(theirs)}"))
    if verdicts:
        lines.append("- **Every exhausting scenario detected no later than the multiwindow baseline:** "
                     + ("met" if all(ok for ok, _ in verdicts) else "not met") + " (first notification, "
                     "ours vs baseline: " + "; ".join(text for _, text in verdicts) + ").")
        if any(not ok and text.startswith("low_traffic") for ok, text in verdicts):
            lines.append("  At 12 requests an hour the default waits for `min_errors` (3) failures before it "
                         "pages, where the baseline pages on two; the same two failures are all the "
                         "low_traffic scenario has, and there they are noise. Paging on two would buy these "
                         "minutes with the baseline's false pages.")
    resets = [(n, r) for n, r in mine.items() if r.worthy and r.reset is not None]
    late = [f"{n} ({_reset(r)})" for n, r in resets if r.reset_open or r.reset > 60]
    if resets:
        worst = max(r.reset for _, r in resets)
        lines.append("- **Resets within an hour of recovery:** " + (
            f"met (slowest: {duration(worst)})." if not late else f"not met: {', '.join(late)}."))
    return [line for line in lines if line]


def _reading(summary: list[dict]) -> list[str]:
    out = []
    for s in summary:
        policy = s["policy"]
        never = f"; still firing at the end of {', '.join(s['never_reset'])}" if s["never_reset"] else ""
        out.append(f"- **{policy}**: detected {s['detected']} of {s['worthy']} scenarios that deserve a "
                   f"notification (recall {_pct(s['recall'])}); {s['episodes']} alert episodes, "
                   f"{s['false_pages']} false pages and {s['false_tickets']} false tickets (precision "
                   f"{_pct(s['precision'])}); slowest reset {duration(s['worst_reset'])}{never}.")
    return out


def markdown(report: dict, results: list[metrics.Result]) -> str:
    settings, scenarios, summary = report["settings"], report["scenarios"], report["summary"]
    mw = "; ".join(f"{cls}: " + " or ".join(f"{f:g}x over {long} and {short}" for short, long, f in tiers)
                   for cls, tiers in MW_TIERS.items())
    lines = [
        "# Foresight benchmark: predictive alerts against the SRE Workbook baseline",
        "",
        "Generated by `make bench-foresight` (`python -m bench.foresight`); do not edit by hand.",
        f"Machine-readable figures: [foresight.json](foresight.json). Rules evaluated by {settings['promtool']}.",
        "",
        "## How it is measured",
        "",
        f"Each scenario is {settings['history_days']} days of its own healthy history (so the 30-day "
        "window is full), then an incident and a recovery. Requests and errors are whole numbers per "
        f"minute; promtool gets them as counters sampled every {settings['series_interval']} and evaluates "
        f"every rule every {settings['evaluation_interval']} (promtool loads at most 10,000 samples per "
        "query: 30 days of recorded rates at 5 minutes is 8,640). What fired when is read back from "
        "promtool at every evaluation; timings therefore have a 5-minute resolution. The budget figures "
        "(when it is exhausted, how much was spent) are computed exactly from the counts in Python, not "
        f"by any rule. Objective {OBJECTIVE:.0%} over 30 days.",
        "",
        f"A scenario **deserves a notification** when its incident spends at least {WORTHY_SHARE:.0%} of "
        "the 30-day budget (the SRE Workbook's smallest spend worth a ticket) or exhausts it. An alert "
        "episode in a scenario that does not, or one starting more than an hour after its incident "
        "ended, is **false**. Critical/page alerts are pages, warning/ticket alerts tickets; the "
        "`info` budget-exhausted state is neither.",
        "",
        "Policies:",
        f"- **seed**: the original runway alerts: conservative runway (min of the 1h and 6h projections) "
        f"under 24h for {SEED_FOR['warning']} (warning), under 6h for {SEED_FOR['critical']} (critical).",
        f"- **multiwindow**: the SRE Workbook's multiwindow, multi-burn-rate alerts as Sloth generates "
        f"them ({mw}; no `for`).",
        "- **aethervision**: what `aethervision build` generates by default (`runway.policy: "
        "aethervision`): the runway alerts confirmed by a short window, only while burning faster "
        "than the budget allows and with budget left; fast- and slow-burn alerts on the budget burn "
        "(errors against the window's average traffic); a minimum of failed events; the exhausted "
        "budget as a separate `info` alert. See README, \"Alerts\".",
        "",
        "## Scenarios",
        "",
        "| scenario | what happens | incident spends | budget exhausted | deserves a notification |",
        "|---|---|---|---|---|",
    ]
    for s in scenarios:
        lines.append(f"| {s['name']} | {s['what']} | {_pct(s['incident_share'])} | "
                     f"{'after ' + duration(s['exhausted_after']) if s['exhausted_after'] is not None else 'no'}"
                     f" | {'yes' if s['worthy'] else 'no'} |")
    lines += ["", "## Results", "",
              "Times are from the incident start. *Lead*: before the budget is exhausted. *Spent*: share of "
              "the 30-day budget already gone at the first notification, and at the first page. *Reset*: "
              "after the incident ends, until nothing fires.", "",
              "| scenario | policy | detected | first alert | first page | lead | spent | spent at page | pages "
              "| tickets | false | reset |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.scenario} | {TITLES.get(r.policy, r.policy)} | {_detected(r)} | "
                     f"{duration(r.first_alert)} | {duration(r.first_page)} | {duration(r.lead)} | "
                     f"{_pct(r.spent_at_first)} | {_pct(r.spent_at_first_page)} | {r.pages} | {r.tickets} | "
                     f"{r.false_pages + r.false_tickets} | {_reset(r)} |")
    lines += ["", "## Over the suite", "",
              "| policy | recall | precision | false pages | false tickets | slowest reset | never reset |",
              "|---|---|---|---|---|---|---|"]
    for s in summary:
        policy = s["policy"]
        lines.append(f"| {TITLES.get(policy, policy)} | {_pct(s['recall'])} | {_pct(s['precision'])} | "
                     f"{s['false_pages']} | {s['false_tickets']} | {duration(s['worst_reset'])} | "
                     f"{', '.join(s['never_reset']) or '—'} |")
    lines += ["", *noise.markdown(noise.verdicts(results), TITLES, duration, _pct)]
    lines += ["", "## Reading", ""] + _reading(summary)
    lines += ["", "Where the default and the multiwindow baseline differ:", ""] + _differences(results)
    lines += ["", "The bar the default policy has to clear:", ""] + _criteria(results, scenarios)
    lines += ["", *forecast.markdown(report.get("forecasts", []))]
    lines += ["", *demo_month.markdown(report.get("demo_month", []))]
    lines += ["", *workbook.markdown(report.get("workbook", []))]
    lines += ["", "## Limits", "", *LIMITS]
    return "\n".join(lines) + "\n"


LIMITS = [
    "- Outside the noisy_ scenarios traffic is steady within each segment (low_traffic, low_traffic_outage "
    "and diurnal aside); the noisy ones draw Poisson counts from fixed seeds: one draw each, not a "
    "distribution of outcomes.",
    "- Timings have the 5-minute resolution of the evaluation; two policies 5 minutes apart may be "
    "closer in reality.",
    "- One objective (99%) and one window (30 days); the burn thresholds scale with both, the runway "
    "thresholds (24h, 6h) do not.",
    "- What deserves a notification is a rule (10% of the budget, or exhaustion), not an on-call "
    "engineer's judgement; the per-scenario figures let a reader apply another rule.",
    "- The default holds a flapping burn as one page (`runway.hold`, 30m: a 10-minute short window is "
    "read at its highest over the last 20 minutes while the long window burns); the baseline has no "
    "hold, and pages once per bad stretch.",
]


def _differences(results: list[metrics.Result]) -> list[str]:
    """Scenario by scenario, where aethervision's figures are not the baseline's."""
    mine = {r.scenario: r for r in results if r.policy == "aethervision"}
    base = {r.scenario: r for r in results if r.policy == "multiwindow"}
    out = []
    for name, ours in mine.items():
        theirs = base.get(name)
        if theirs is None:
            continue
        notes = []
        if ours.first_alert != theirs.first_alert:
            notes.append(f"first alert {duration(ours.first_alert)} vs {duration(theirs.first_alert)}")
        if ours.first_page != theirs.first_page:
            notes.append(f"first page {duration(ours.first_page)} vs {duration(theirs.first_page)}")
        ours_false, theirs_false = ours.false_pages + ours.false_tickets, theirs.false_pages + theirs.false_tickets
        if ours_false != theirs_false:
            notes.append(f"{ours_false} false alerts vs {theirs_false}")
        if ours.worthy and ours.reset != theirs.reset:
            notes.append(f"reset {_reset(ours)} vs {_reset(theirs)}")
        if notes:
            out.append(f"- {name}: " + "; ".join(notes) + ".")
    return out or ["- none."]


def write(folder: Path, report: dict) -> list[Path]:
    js = folder / "foresight.json"
    write_atomic(js, json.dumps(report, indent=1, sort_keys=True) + "\n")
    return [render(folder), js]


def render(folder: Path) -> Path:
    """foresight.md from foresight.json (the figures are not measured again)."""
    report = json.loads((folder / "foresight.json").read_text())
    md = folder / "foresight.md"
    write_atomic(md, markdown(report, [metrics.Result(**r) for r in report["results"]]))
    return md
