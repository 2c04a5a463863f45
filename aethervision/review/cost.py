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
from aethervision.core.errors import UserError
from aethervision.rules import cost as rule_cost
from aethervision.rules.graph import Graph

OPERATOR = "(operator rules)"


@dataclass
class Owner:
    rules: int = 0
    samples_per_evaluation: int = 0
    samples_per_hour: float = 0.0
    heaviest: dict[str, float] = field(default_factory=dict)  # rule -> samples per hour

    @property
    def heaviest_rule(self) -> str:
        return max(self.heaviest, key=self.heaviest.get, default="")


def _owner(group: str) -> str:
    return group.split(".", 1)[0].removeprefix("slo_") if group.startswith("slo_") else OPERATOR


def rule_samples(client: Client, expr: str, at: float) -> int:
    """The samples one evaluation of `expr` reads at `at`: Prometheus's own query statistics."""
    stats = client.get("/api/v1/query", query=expr, time=f"{at:.3f}", stats="all").get("stats", {})
    samples = stats.get("samples", {}).get("totalQueryableSamples")
    if samples is None:
        raise UserError(f"{client.safe_url} reports no query statistics (stats=all, totalQueryableSamples): "
                        "Prometheus 2.35 or later does; without one, use --estimate")
    return int(samples)


def measure_docs(rule_docs, client: Client, progress: Callable[[str], None] = lambda _m: None,
                 at: float | None = None) -> dict[str, Owner]:
    """SLO name (or OPERATOR) -> its rules' measured cost, at one instant (now) for every rule."""
    at = time.time() if at is None else at
    nodes = Graph.of_docs(rule_docs, rule_cost.DEFAULT_INTERVAL).nodes
    out: dict[str, Owner] = {}
    for done, node in enumerate(nodes, 1):
        per_hour = 3600 / node.interval
        owner = out.setdefault(_owner(node.group), Owner())
        samples = rule_samples(client, node.rule["expr"], at)
        owner.rules += 1
        owner.samples_per_evaluation += samples
        owner.samples_per_hour += samples * per_hour
        owner.heaviest[node.name] = samples * per_hour
        if done % 100 == 0 or done == len(nodes):
            progress(f"{done}/{len(nodes)} rules measured")
    return out


def measure(gen: Generated, client: Client, progress: Callable[[str], None] = lambda _m: None,
            at: float | None = None) -> dict[str, Owner]:
    """The generated rules' measured cost per SLO (see measure_docs)."""
    return measure_docs(gen.rule_docs.values(), client, progress, at)


def per_hour(rule_docs, client: Client, at: float | None = None) -> int:
    """Measured samples per hour of every rule in `rule_docs` (a diff's base or head)."""
    return round(sum(o.samples_per_hour for o in measure_docs(rule_docs, client, at=at).values()))


def estimate(gen: Generated) -> int:
    """The static estimate (rules/cost.py), for when there is no Prometheus to ask."""
    return rule_cost.estimate(gen.rule_docs.values())


def render(owners: dict[str, Owner], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({name: {"rules": o.rules, "samples_per_evaluation": o.samples_per_evaluation,
                                  "samples_per_hour": round(o.samples_per_hour),
                                  "heaviest_rule": o.heaviest_rule}
                           for name, o in owners.items()}, indent=2) + "\n"
    rows = sorted(owners.items(), key=lambda kv: -kv[1].samples_per_hour)
    width = max([len(n) for n in owners] + [3])
    lines = [f"{'SLO':<{width}}  {'rules':>5}  {'samples/eval':>12}  {'samples/hour':>14}  heaviest rule"]
    for name, o in rows:
        top = o.heaviest_rule
        share = o.heaviest.get(top, 0) / o.samples_per_hour if o.samples_per_hour else 0
        lines.append(f"{name:<{width}}  {o.rules:>5}  {o.samples_per_evaluation:>12,}  "
                     f"{round(o.samples_per_hour):>14,}  {top} ({share:.0%})")
    total = sum(o.samples_per_hour for o in owners.values())
    lines.append(f"{'total':<{width}}  {sum(o.rules for o in owners.values()):>5}  "
                 f"{sum(o.samples_per_evaluation for o in owners.values()):>12,}  {round(total):>14,}")
    return "\n".join(lines) + "\n"
