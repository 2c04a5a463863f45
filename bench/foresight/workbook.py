"""The SRE Workbook's detection and reset times, reproduced at 30-second resolution on a real Prometheus.

The Workbook ("Alerting on SLOs") gives, for a burn-rate alert over a window, the detection time
(1 - SLO) / error ratio x window x burn rate, and for the multiwindow alerts a reset time of about
the short window: a 100% outage against 99.9% is detected by the 14.4x/1h tier in 0.864 minutes
("about a minute"), by 6x/6h in 2.16, by 3x/1d and 1x/3d in 4.32; they stop firing about 5 minutes,
30 minutes, 2 hours and 6 hours after it ends. Here each tier is one alert, in Sloth's shape, over
31 days without an error and then a one-hour 100% outage (requests every 15 s), evaluated every 30 s
the way a live Prometheus would (rule_backfill's range queries, replay's alert state machine), beside
AetherVision's generated alerts for the same 99.9% SLO.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml

from aethervision import spec as spec_mod
from aethervision.backtest import replay, rule_backfill
from aethervision.core import durations
from aethervision.rules import files as rule_files

OBJECTIVE = 0.999
BUDGET = 1 - OBJECTIVE
STEP = 30  # seconds between evaluations
SCRAPE = 15
RPS = 100
DAY = 86400
START = 1_790_000_000 - 1_790_000_000 % DAY
OUTAGE = (START + 31 * DAY, START + 31 * DAY + 3600)
END = OUTAGE[1] + 7 * 3600
TIERS = (("page", 14.4, "1h", "5m"), ("page", 6, "6h", "30m"), ("ticket", 3, "1d", "2h"), ("ticket", 1, "3d", "6h"))
ERRORS = 'crm_payments_total{status="failed"}'
TOTAL = 'crm_payments_total{status=~"success|failed"}'


def workbook_figures(factor: float, long: str, short: str) -> tuple[float, float]:
    """(detection, reset) in seconds by the Workbook's formula for a 100% outage."""
    return BUDGET / 1.0 * durations.parse(long) * factor, float(durations.parse(short))


def history() -> str:
    lines = []
    for status, broken in (("failed", 1.0), ("success", 0.0)):
        count = 0
        for t in range(START, END + 1, SCRAPE):
            lines.append(f'crm_payments_total{{status="{status}"}} {count} {t}')
            share = broken if OUTAGE[0] < t + SCRAPE <= OUTAGE[1] else 1.0 - broken
            count += round(RPS * SCRAPE * share)
    return "\n".join(lines) + "\n# EOF\n"


def tier_groups() -> tuple[list[dict], list[dict]]:
    windows = sorted({w for _, _, long, short in TIERS for w in (long, short)}, key=durations.parse)
    recording = [{"record": f"workbook:error_ratio:rate{w}",
                  "expr": f"sum(rate({ERRORS}[{w}])) / sum(rate({TOTAL}[{w}]))"} for w in windows]
    alerts = [{"alert": f"Workbook{factor:g}x{long}", "labels": {"severity": severity},
               "expr": f"workbook:error_ratio:rate{long} > {factor * BUDGET:.6g}"
                       f" and workbook:error_ratio:rate{short} > {factor * BUDGET:.6g}"}
              for severity, factor, long, short in TIERS]
    return ([{"name": "workbook.recording", "interval": f"{STEP}s", "rules": recording}],
            [{"name": "workbook.alerts", "interval": f"{STEP}s", "rules": alerts}])


def aethervision_groups(spec_path: Path) -> tuple[list[dict], list[dict]]:
    data = copy.deepcopy(yaml.safe_load(spec_path.read_text()))
    data["slos"][0]["objective"] = OBJECTIVE
    data.setdefault("rules", {})["interval"] = f"{STEP}s"
    spec = spec_mod.parse(yaml.safe_dump(data), str(spec_path))
    recording, alerting = rule_files.slo_groups(spec, (spec.slos[0].name,))
    return recording, [{**g, "rules": [r for r in g["rules"] if r["labels"].get("severity") != "info"]}
                       for g in alerting]


def measure(spec_path: Path, say: Callable[[str], None] = print) -> list[dict]:
    """Per alert: severity, first firing and reset after the outage (seconds), and the Workbook's."""
    wb_recording, wb_alerts = tier_groups()
    av_recording, av_alerts = aethervision_groups(spec_path)
    rules = replay.Rules("workbook", tuple(wb_recording + av_recording), tuple(wb_alerts + av_alerts), {})
    check = (OUTAGE[0] - 600, END)
    with tempfile.TemporaryDirectory(prefix="workbook-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        (work / "history.om").write_text(history())
        say("workbook: 31 days and a one-hour outage at 99.9%, every 15 s, into a TSDB")
        rule_backfill.import_file(work / "history.om", work / "data", work / "blocks")
        rule_backfill.run(replay.passes(rules, START, *check), work / "data", work, lambda line: say(line.rstrip()))
        out = []
        with rule_backfill.serving(work / "data", work / "serve", "prometheus-workbook") as client:
            for rule in [r for g in rules.alerting for r in g["rules"]]:
                episodes = replay.alert(client, rule, STEP, check[0] - check[0] % STEP, check[1])
                first = min((e.start for e in episodes), default=None)
                last = max((e.until(END) for e in episodes), default=None)
                row = {"alert": rule["alert"], "severity": rule["labels"]["severity"], "episodes": len(episodes),
                       "detected": None if first is None else first - OUTAGE[0],
                       "reset": None if last is None else last - OUTAGE[1]}
                tier = next((t for t in TIERS if rule["alert"] == f"Workbook{t[1]:g}x{t[2]}"), None)
                if tier:
                    row["workbook_detected"], row["workbook_reset"] = workbook_figures(*tier[1:])
                out.append(row)
    return out


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 0:  # stopped while the outage went on: the budget was gone (the info alert took over)
        return f"{_time(-seconds)} before the end (budget gone)"
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s or not (h or m) else "")


def _near(got: float | None, want: float | None) -> str:
    """Within one evaluation of the Workbook's figure ("—" where there is none to compare)."""
    return "—" if got is None or want is None else ("yes" if abs(got - want) <= STEP else "**no**")


def markdown(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    lines = ["## The SRE Workbook's table, reproduced at 30 s", "",
             "A 100% outage of one hour against a 99.9% objective, after 31 error-free days; every rule "
             "evaluated every 30 s on a real Prometheus (bench/foresight/workbook.py). *Workbook*: its "
             "formula, (1 - SLO) / error ratio x window x burn rate, and the short window for the reset. "
             "Reset: from the outage's end until the alert stops.", "",
             "| alert | severity | detected | Workbook | within 30 s | reset | Workbook | within 30 s | episodes |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['alert']} | {r['severity']} | {_time(r['detected'])} | "
                     f"{_time(r.get('workbook_detected'))} | {_near(r['detected'], r.get('workbook_detected'))} | "
                     f"{_time(r['reset'])} | {_time(r.get('workbook_reset'))} | "
                     f"{_near(r['reset'], r.get('workbook_reset'))} | {r['episodes']} |")
    return lines
