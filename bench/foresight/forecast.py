"""Does the runway predict? Forecasters as recording rules, and their score against the exhaustion
the counts give (scenarios.Scenario.exhausted_at, computed without any rule).

Every forecaster reads the AetherVision policy's recorded series and records
`foresight:hours_to_breach{forecaster="..."}` (capped at the spec's cap: "no burn"). The engine asks
for it at every evaluation from the incident's start. For each evaluation t before the budget runs out
at E, the error is |t + forecast - E|, grouped by the true horizon E - t. "No burn" said before an
exhaustion counts apart (it is no forecast at all), as do forecasts of an exhaustion that never came
(scenarios that do not exhaust, where the forecast fell before the scenario's end).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aethervision.core import forecast as core
from aethervision.core.model import SLO, Spec
from aethervision.promql import queries as q
from aethervision.rules import slo as slo_rules
from aethervision.rules.slo import num

RECORD = "foresight:hours_to_breach"
HORIZONS = core.HORIZONS
EWMA_HALF_LIFE = 60  # minutes: the exponentially weighted burn forgets half of itself in an hour
_GOT = re.compile(r'forecaster="([^"]+)"[^}]*\} ([^\s,]+)')


@dataclass(frozen=True)
class Forecaster:
    name: str
    what: str
    expr: str  # hours to breach; absent or the cap where nothing burns


def _burn(spec: Spec, slo: SLO, burn: str) -> str:
    """The budget left at a burn (in budgets per window), as the generated runways are."""
    return slo_rules.capped_runway(spec, slo, slo_rules.at_burn(slo, burn))




def forecasters(spec: Spec, slo: SLO, step_minutes: int) -> tuple[list[Forecaster], dict]:
    """The candidates, the default first, and the EWMA's own rule. `step_minutes`: the
    evaluation interval (the EWMA's step)."""
    alpha = num(round(1 - 0.5 ** (step_minutes / EWMA_HALF_LIFE), 6))
    ewma = f"foresight:budget_burn:ewma{EWMA_HALF_LIFE}m"
    return [
        Forecaster("default", f"the default: the budget left along its {q.TREND_WINDOW} slope (deriv)",
                   q.hours_to_breach(slo)),
        Forecaster("burn_min", "the default before: the smaller of the 1h and 6h runways",
                   slo_rules.smaller_runway(slo)),
        Forecaster("burn_1h", "budget burn over 1h", q.hours_to_breach(slo, "1h")),
        Forecaster("burn_6h", "budget burn over 6h", q.hours_to_breach(slo, "6h")),
        Forecaster("burn_1d", "budget burn over 1d", _burn(spec, slo, q.budget_burn(slo, "1d"))),
        Forecaster("ewma", f"exponentially weighted budget burn (half-life {EWMA_HALF_LIFE}m)",
                   _burn(spec, slo, ewma)),
        Forecaster("trend_6h", "trend-aware: the budget left, extrapolated along its 6h slope (deriv)",
                   slo_rules.trend_runway(spec, slo, "6h")),
    ], {"record": ewma,  # reads its own last value: alpha of the newest burn, the rest of the old
        "expr": f"{alpha} * {q.budget_burn(slo, '10m')} + {num(1 - float(alpha))} * "
                f"last_over_time({ewma}[{2 * step_minutes}m]) or {q.budget_burn(slo, '10m')}"}


def group(spec: Spec, slo: SLO, step_minutes: int) -> dict:
    """One rule group recording every forecaster (after the policy's groups, so it reads this round)."""
    candidates, ewma = forecasters(spec, slo, step_minutes)
    return {"name": "foresight.forecasts",
            "rules": [ewma] + [{"record": RECORD, "expr": f.expr, "labels": {"forecaster": f.name}}
                               for f in candidates]}


def parse(lines: list[str], i: int) -> dict[str, float]:
    """The forecasts in the `got:` line after a failed expectation at line i."""
    got = next((lines[j] for j in range(i + 1, min(i + 4, len(lines))) if "got:" in lines[j]), "")
    return {name: float(value) for name, value in _GOT.findall(got)}


def score(name: str, runs: list[tuple[object, dict[int, float]]], cap_hours: float) -> core.Score:
    """`runs`: (scenario, minute -> forecast hours); scored from after the incident's start (at the
    start no error has happened yet) by the one scoring (aethervision.core.forecast), in seconds."""
    out = core.Score()
    for scenario, series in runs:
        exhausted = scenario.exhausted_at
        points = [(t * 60, hours * 3600) for t, hours in sorted(series.items()) if t > scenario.incident[0]]
        out.add(points, None if exhausted is None else exhausted * 60, scenario.minutes * 60, cap_hours * 3600)
    return out


def summary(s: core.Score, name: str = "", what: str = "") -> dict:
    return {"forecaster": name, "what": what, **core.summary(s)}


def best(summaries: list[dict]) -> dict:
    """The lowest median relative error; fewer "no burn" before an exhaustion breaks ties."""
    return min((s for s in summaries if s["relative"] is not None),
               key=lambda s: (s["relative"], s["no_burn"], s["phantom"]))


def scores(spec: Spec, slo: SLO, runs: list[tuple[object, dict[int, dict[str, float]]]],
           step_minutes: int) -> list[dict]:
    """Every forecaster's summary over the runs (scenario, minute -> forecaster -> hours)."""
    candidates, _ = forecasters(spec, slo, step_minutes)
    out = []
    for f in candidates:
        series = [(scenario, {t: v[f.name] for t, v in forecasts.items() if f.name in v})
                  for scenario, forecasts in runs]
        out.append(summary(score(f.name, series, spec.runway.cap_hours), f.name, f.what))
    return out


def _cell(row: dict) -> str:
    if not row["n"]:
        return "—"
    return f"{_minutes(row['median'] // 60)} / {_minutes(row['p90'] // 60)} ({row['n']})"


def _minutes(m: int) -> str:
    return f"{m // 1440}d{m % 1440 // 60}h" if m >= 1440 else (f"{m // 60}h{m % 60:02d}m" if m >= 60 else f"{m}m")


def markdown(rows: list[dict], default: str = "default") -> list[str]:
    """The forecast section of docs/foresight.md."""
    if not rows:
        return []
    lines = ["## Does the runway predict? The forecast score", "",
             "At every evaluation from an incident's start until the budget runs out, each forecaster's "
             "predicted exhaustion is compared with the real one (from the counts). Cells: median / 90th "
             "percentile absolute error (evaluations), by the true time left. *Relative*: the median error "
             "as a share of the time left, the ranking. *No burn*: evaluations before an exhaustion that "
             "said \"no burn\". *Phantom*: evaluations in scenarios that never exhaust whose forecast "
             "fell before the scenario's end.", "",
             "| forecaster | what | " + " | ".join(h for h, _, _ in HORIZONS) + " | relative | no burn | phantom |",
             "|---|---|" + "---|" * len(HORIZONS) + "---|---|---|"]
    winner = best(rows)
    for r in rows:
        name = f"**{r['forecaster']}**" if r["forecaster"] == winner["forecaster"] else r["forecaster"]
        lines.append(f"| {name} | {r['what']} | " + " | ".join(_cell(r["horizons"][h]) for h, _, _ in HORIZONS)
                     + f" | {r['relative']:.1%} | {r['no_burn']}/{r['before_exhaustion']} | "
                       f"{r['phantom']}/{r['without_exhaustion']} |")
    mine = next(r for r in rows if r["forecaster"] == default)
    lines += ["", f"Best by the ranking: **{winner['forecaster']}**, {winner['relative']:.1%} median relative "
                  f"error against the default's {mine['relative']:.1%}; it said \"no burn\" "
                  f"{winner['no_burn']} times before an exhaustion (the default: {mine['no_burn']})."]
    before = next((r for r in rows if r["forecaster"] == "burn_min"), None)
    if before is not None:
        lines.append(f"The default against the one it replaced (burn_min): {mine['relative']:.1%} median relative "
                     f"error against {before['relative']:.1%}, \"no burn\" {mine['no_burn']} against "
                     f"{before['no_burn']} times, phantom exhaustions {mine['phantom']} against {before['phantom']}.")
    steady = [r for r in rows if r["no_burn"] <= max(1, mine["no_burn"]) and r["relative"] is not None]
    safest = min(steady, key=lambda r: (r["relative"], r["no_burn"]))
    if safest["forecaster"] not in (winner["forecaster"], default):
        lines.append(f"Among those that (almost) never miss a burn: **{safest['forecaster']}**, "
                     f"{safest['relative']:.1%}, \"no burn\" {safest['no_burn']} times, phantom exhaustions "
                     f"{safest['phantom']} against the default's {mine['phantom']}.")
    return lines
