"""The forecasters on the demo's month: `make demo`'s 31 days of payments (10 a second, 0.1% failing)
with its slow burn, outage and blip, recorded on a real Prometheus the way a live one would have
(rule_backfill, one step a minute) and read every 5 minutes. The budget never runs out in that month,
so the score is what a forecaster says that did not happen: evaluations forecasting an exhaustion
before the history's end (phantoms), overall and during the incidents, and its lowest forecast. The
exponentially weighted burn reads its own previous value, which range queries cannot replay: it is
scored on the scenarios only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from aethervision import spec as spec_mod
from aethervision.backtest import replay, rule_backfill
from aethervision.core import defaults
from aethervision.demo import simulator
from aethervision.rules import files as rule_files
from bench.foresight import forecast

DAY, STEP, READ = 86400, 60, 300
END = 1_790_000_000 - 1_790_000_000 % DAY
START = END - defaults.DEMO_HISTORY_DAYS * DAY


def _incidents() -> tuple[tuple[int, int, float], ...]:
    return tuple((END - ago, END - ago + seconds, ratio) for _, ago, seconds, ratio in defaults.DEMO_INCIDENTS)


def measure(spec_path: Path, say: Callable[[str], None] = print) -> list[dict]:
    spec = spec_mod.load(spec_path)
    slo = spec.slos[0]
    candidates, _ = forecast.forecasters(spec, slo, READ // 60)
    candidates = [f for f in candidates if f.name != "ewma"]
    recording, _ = rule_files.slo_groups(spec, (slo.name,))
    group = {"name": "foresight.forecasts", "interval": f"{STEP}s",
             "rules": [{"record": f"foresight:hours_to_breach:{f.name}", "expr": f.expr} for f in candidates]}
    rules = replay.Rules("demo-month", (*recording, group), (), {})
    scored_from = START + 2 * DAY  # the 1d window and the forecasts' own warm-up
    with tempfile.TemporaryDirectory(prefix="demo-month-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        say(f"demo month: {defaults.DEMO_HISTORY_DAYS} days of the demo's payments, its incidents, the rules")
        simulator.history(work / "history.om", START, END, STEP, simulator.DEFAULT_RPS, simulator.HEALTHY_RATIO,
                          incidents=_incidents())
        rule_backfill.import_file(work / "history.om", work / "data", work / "blocks")
        names = tuple(r["record"] for r in group["rules"])
        rule_backfill.run(replay.passes(rules, START, scored_from, END, extra=names, min_step=STEP),
                          work / "data", work, lambda line: say(line.rstrip()))
        with rule_backfill.serving(work / "data", work / "serve", "prometheus-demo-month") as client:
            series = {f.name: {int(t): v for _, values in client.query_range(
                f"foresight:hours_to_breach:{f.name}", scored_from, END, READ) for t, v in values}
                for f in candidates}
    during = [(a, b + 3600) for a, b, _ in _incidents()]  # an incident and the hour after it
    out = []
    for f in candidates:
        points = series[f.name]
        phantom = [t for t, h in points.items() if t + h * 3600 < END]
        out.append({"forecaster": f.name, "evaluations": len(points), "phantom": len(phantom),
                    "phantom_in_incidents": sum(1 for t in phantom if any(a <= t < b for a, b in during)),
                    "lowest_hours": round(min(points.values()), 1) if points else None})
    return out


def markdown(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    lines = ["### On the demo's month", "",
             "`make demo`'s history (31 days, a slow burn of 36 hours at 2.5%, a 45-minute outage at 30%, a "
             "2-minute blip; the budget never runs out), every forecaster recorded on a real Prometheus and "
             "read every 5 minutes from the third day. *Phantom*: evaluations forecasting an exhaustion "
             "before the month's end, which never came.", "",
             "| forecaster | evaluations | phantom | of them in an incident or the hour after | lowest forecast |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['forecaster']} | {r['evaluations']} | {r['phantom']} | {r['phantom_in_incidents']} | "
                     f"{r['lowest_hours']} h |")
    return lines
