"""`aethervision cost`: what the generated rules cost a real Prometheus, per SLO.

Each rule's expression runs once as an instant query with `stats=all`;
Prometheus answers with `totalQueryableSamples`, exactly the samples the
expression reads on that server's data. A rule counts once per evaluation of
its group (the group's interval), so the figures are samples per hour, what the
rules cost every hour, forever. The same method as `make bench-cost`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aethervision.builder.pipeline import Generated
from aethervision.clients.prometheus import Client
from aethervision.core import durations
from aethervision.rules import cost as rule_cost

OPERATOR = "(operator rules)"


@dataclass
class Owner:
    rules: int = 0
    samples_per_evaluation: int = 0
    samples_per_hour: float = 0.0
    heaviest: dict[str, float] = field(default_factory=dict)  # rule -> samples per hour


def _owner(group: str) -> str:
    return group.split(".", 1)[0].removeprefix("slo_") if group.startswith("slo_") else OPERATOR


def measure(gen: Generated, client: Client, progress: Callable[[str], None] = lambda _m: None,
            at: float | None = None) -> dict[str, Owner]:
    """SLO name (or OPERATOR) -> its rules' measured cost, at one instant (now) for every rule."""
    at = f"{time.time() if at is None else at:.3f}"
    groups = [g for doc in gen.rule_docs.values() for g in doc["groups"]]
    total, done = sum(len(g["rules"]) for g in groups), 0
    out: dict[str, Owner] = {}
    for group in groups:
        per_hour = 3600 / durations.parse(group["interval"])
        owner = out.setdefault(_owner(group["name"]), Owner())
        for rule in group["rules"]:
            stats = client.get("/api/v1/query", query=rule["expr"], time=at, stats="all").get("stats", {})
            samples = int(stats.get("samples", {}).get("totalQueryableSamples", 0))
            owner.rules += 1
            owner.samples_per_evaluation += samples
            owner.samples_per_hour += samples * per_hour
            owner.heaviest[rule.get("record") or rule.get("alert")] = samples * per_hour
            done += 1
            if done % 100 == 0 or done == total:
                progress(f"{done}/{total} rules measured")
    return out


def per_hour(rule_docs, client: Client, at: float | None = None) -> int:
    """Measured samples per hour of every rule in `rule_docs` (a diff's base or head)."""
    stamp, total = f"{time.time() if at is None else at:.3f}", 0.0
    for doc in rule_docs:
        for group in (doc or {}).get("groups", []):
            evaluations = 3600 / durations.parse(group.get("interval") or "30s")
            for rule in group.get("rules", []):
                stats = client.get("/api/v1/query", query=rule["expr"], time=stamp, stats="all").get("stats", {})
                total += int(stats.get("samples", {}).get("totalQueryableSamples", 0)) * evaluations
    return round(total)


def estimate(gen: Generated) -> int:
    """The static estimate (rules/cost.py), for when there is no Prometheus to ask."""
    return rule_cost.estimate(gen.rule_docs.values())


def render(owners: dict[str, Owner], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({name: {"rules": o.rules, "samples_per_evaluation": o.samples_per_evaluation,
                                  "samples_per_hour": round(o.samples_per_hour),
                                  "heaviest_rule": max(o.heaviest, key=o.heaviest.get, default="")}
                           for name, o in owners.items()}, indent=2) + "\n"
    rows = sorted(owners.items(), key=lambda kv: -kv[1].samples_per_hour)
    width = max([len(n) for n in owners] + [3])
    lines = [f"{'SLO':<{width}}  {'rules':>5}  {'samples/eval':>12}  {'samples/hour':>14}  heaviest rule"]
    for name, o in rows:
        top = max(o.heaviest, key=o.heaviest.get, default="")
        share = o.heaviest.get(top, 0) / o.samples_per_hour if o.samples_per_hour else 0
        lines.append(f"{name:<{width}}  {o.rules:>5}  {o.samples_per_evaluation:>12,}  "
                     f"{round(o.samples_per_hour):>14,}  {top} ({share:.0%})")
    total = sum(o.samples_per_hour for o in owners.values())
    lines.append(f"{'total':<{width}}  {sum(o.rules for o in owners.values()):>5}  "
                 f"{sum(o.samples_per_evaluation for o in owners.values()):>12,}  {round(total):>14,}")
    return "\n".join(lines) + "\n"
