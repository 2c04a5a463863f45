"""The verdicts on noisy traffic: every policy over the Poisson scenarios (scenarios.noisy_scenarios),
those with an incident and the quiet weeks, as recall, precision, detection and reset, and false
pages and tickets per week of quiet noise."""

from __future__ import annotations

import statistics

from bench.foresight import metrics
from bench.foresight.scenarios import QUIET_DAYS

PREFIX = "noisy_"


def verdicts(results: list[metrics.Result]) -> list[dict]:
    out = []
    for policy in dict.fromkeys(r.policy for r in results):
        mine = [r for r in results if r.policy == policy and r.scenario.startswith(PREFIX)]
        if not mine:
            continue
        worthy = [r for r in mine if r.worthy]
        quiet = [r for r in mine if not r.worthy]
        found = [r for r in worthy if r.detected]
        episodes = sum(r.pages + r.tickets for r in mine)
        false = sum(r.false_pages + r.false_tickets for r in mine)
        weeks = len(quiet) * QUIET_DAYS / 7
        resets = [r.reset for r in worthy if r.reset is not None and not r.reset_open]
        out.append({
            "policy": policy, "incidents": len(worthy), "detected": len(found),
            "recall": round(len(found) / len(worthy), 3) if worthy else None,
            "precision": round(1 - false / episodes, 3) if episodes else None,
            "detection": round(statistics.median(r.first_alert for r in found)) if found else None,
            "reset": round(statistics.median(resets)) if resets else None,
            "pages_per_incident": round(sum(r.pages for r in worthy) / len(worthy), 2) if worthy else None,
            "false_pages_per_week": round(sum(r.false_pages for r in quiet) / weeks, 2) if weeks else None,
            "false_tickets_per_week": round(sum(r.false_tickets for r in quiet) / weeks, 2) if weeks else None,
        })
    return out


def markdown(rows: list[dict], titles: dict[str, str], duration, pct) -> list[str]:
    if not rows:
        return []
    lines = ["## Noisy traffic", "",
             "Poisson-distributed requests and errors (fixed seeds) at 2, 60 and 10,000 requests a minute and on "
             "the diurnal curve: for each, a quiet week at 0.1% errors and an incident worth a notification. "
             "Detection and reset are medians over the incidents; false pages and tickets are per week of the "
             "quiet noise.", "",
             "| policy | detected | recall | precision | detection | reset | pages per incident "
             "| false pages per week | false tickets per week |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {titles.get(r['policy'], r['policy'])} | {r['detected']} of {r['incidents']} | "
                     f"{pct(r['recall'])} | {pct(r['precision'])} | {duration(r['detection'])} | "
                     f"{duration(r['reset'])} | {r['pages_per_incident']} | {r['false_pages_per_week']} | "
                     f"{r['false_tickets_per_week']} |")
    return lines
