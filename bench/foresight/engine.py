"""Run policies over a scenario in the real `promtool test rules` and read back when alerts fired.

promtool only reports values when an expectation fails, so each evaluation
step asks for "no firing alerts" and the failures list what did fire. A
control expectation at the end checks that the long-window series were
recorded (a query over promtool's 10,000-sample limit would leave them empty).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from aethervision.clients import promtool
from aethervision.core import durations
from bench.foresight import forecast
from bench.foresight.policies import STEP, Policy
from bench.foresight.scenarios import HOUR, T0, Scenario

# STEP (policies.py): minutes between rule evaluations; 30 days of recorded 10m rates = 8,640 samples
SAMPLE = 2  # minutes between samples of the counters: 3 samples in the baseline's 5m window
SERIES_INTERVAL = f"{SAMPLE}m"
FIRING = 'count by (policy, severity) (ALERTS{alertstate="firing", policy!=""})'
_TIME = re.compile(r"time: (\S+),")
_SAMPLE = re.compile(r"\{([^}]*)\} (\S+)")
_LABEL = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Run:
    scenario: str
    policies: tuple[str, ...]
    firing: dict[str, dict[int, set[str]]]  # policy -> minute -> severities firing
    seconds: float
    forecasts: dict[int, dict[str, float]]  # minute -> forecaster -> hours to breach (with "aethervision")


def sampled(per_minute: tuple[int, ...]) -> tuple[int, ...]:
    """Per-minute counts summed into one count per SAMPLE minutes (the counter's increments)."""
    return tuple(sum(per_minute[i:i + SAMPLE]) for i in range(0, len(per_minute), SAMPLE))


def eval_times(scenario: Scenario) -> range:
    return range(T0 - 2 * HOUR, scenario.minutes + 1, STEP)


def document(scenario: Scenario, policies: list[Policy], rule_file: Path) -> dict:
    success = tuple(r - e for r, e in zip(scenario.requests, scenario.errors))
    end = f"{eval_times(scenario)[-1]}m"
    controls = [{"expr": f"count({name})", "eval_time": end, "exp_samples": [{"labels": "{}", "value": 1}]}
                for name in control_series(policies)]
    tests = [{"expr": FIRING, "eval_time": f"{t}m", "exp_samples": []} for t in eval_times(scenario)]
    if any(p.name == "aethervision" for p in policies):  # the forecasts, from the incident on
        tests += [{"expr": forecast.RECORD, "eval_time": f"{t}m", "exp_samples": []}
                  for t in eval_times(scenario) if t >= scenario.incident[0] - STEP]
    series = [{"series": f'crm_payments_total{{status="{status}"}}', "values": counter_values(sampled(counts))}
              for status, counts in (("success", success), ("failed", scenario.errors))]
    return promtool.unit_test_document(
        [rule_file], f"{STEP}m", [{"interval": SERIES_INTERVAL, "promql_expr_test": controls + tests,
                                   "input_series": series}],
        group_eval_order=[g["name"] for p in policies for g in p.groups])


def counter_values(increments: tuple[int, ...]) -> str:
    """promtool's notation for a counter adding `increments`, equal neighbours merged into runs."""
    runs: list[tuple[int, int]] = []
    for inc in increments:
        if runs and runs[-1][0] == inc:
            runs[-1] = (inc, runs[-1][1] + 1)
        else:
            runs.append((inc, 1))
    return promtool.counter_values(runs)


def control_series(policies: list[Policy]) -> list[str]:
    """The recorded series over the longest windows: present only if no query hit the sample limit."""
    names = []
    for p in policies:
        records = [r["record"] for g in p.groups for r in g["rules"] if "record" in r]
        names += [n for n in records if n.endswith(("rate30d", "rate3d", "error_budget_remaining:ratio"))]
    return names


def run(scenario: Scenario, policies: list[Policy], workdir: Path) -> Run:
    """Evaluate the policies' rules over the scenario; the firing timeline per policy."""
    stem = f"{scenario.name}-{'-'.join(p.name for p in policies)}"
    rule_file = workdir / f"{stem}.rules.yml"
    rule_file.write_text(yaml.safe_dump({"groups": [g for p in policies for g in p.groups]}, sort_keys=False))
    test_file = workdir / f"{stem}.test.yml"
    test_file.write_text(yaml.safe_dump(document(scenario, policies, rule_file), sort_keys=False, width=1 << 20))
    started = time.monotonic()
    done = promtool.run("test", "rules", str(test_file), timeout=3600)
    seconds = time.monotonic() - started
    output = done.stdout + done.stderr
    firing, forecasts, problems = parse(output, {p.name for p in policies})
    if problems or done.returncode not in (0, 1) or (done.returncode == 1 and "expr:" not in output):
        raise RuntimeError(f"promtool failed on {test_file}:\n" + "\n".join(problems or output.splitlines()[-20:]))
    return Run(scenario.name, tuple(p.name for p in policies), firing, seconds, forecasts)


def parse(output: str, policies: set[str]) -> tuple[dict[str, dict[int, set[str]]], dict[int, dict[str, float]],
                                                 list[str]]:
    """Failed "nothing fires" expectations -> what fired when; failed "no forecast" ones -> the
    forecasts; anything else is a problem."""
    firing: dict[str, dict[int, set[str]]] = {p: defaultdict(set) for p in policies}
    forecasts: dict[int, dict[str, float]] = {}
    problems = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if "expr:" not in line:
            continue
        if f'expr: "{forecast.RECORD}"' in line:
            forecasts[durations.parse(_TIME.search(line).group(1)) // 60] = forecast.parse(lines, i)
            continue
        got = next((lines[j] for j in range(i + 1, min(i + 4, len(lines))) if "got:" in lines[j]), "")
        if FIRING not in line.replace('\\"', '"'):
            problems.append(f"{line.strip()} {got.strip()}")
            continue
        minute = durations.parse(_TIME.search(line).group(1)) // 60
        for labels, _value in _SAMPLE.findall(got):
            found = dict(_LABEL.findall(labels))
            if found.get("policy") in firing:
                firing[found["policy"]][minute].add(found["severity"])
    return {p: dict(t) for p, t in firing.items()}, forecasts, problems
