"""The rule sets compared, for the same N SLOs (objective 99.9% over 30 days):

- AetherVision: what `aethervision build` generates for a spec with these SLOs, and the
  same SLOs over a calendar month (period-to-date rules on top, docs/periods.md).
- Sloth: what the real `sloth generate` (the pinned build, `make servers`) writes for
  the same SLOs as a `prometheus/v1` spec: per-window error ratios on the raw counters
  for 5m, 30m, 1h, 2h, 6h, 1d and 3d, the 30-day ratio from the recorded 5m ratio, the
  metadata group and the two multiwindow alerts; no group interval (the global 30s).
- Pyrra: the shape of Pyrra's generated rules (pyrra-dev/pyrra, kubernetes/controllers
  tests, the v0.7+ shape): an `-increase` group every 2m30s with
  `sum by (code) (increase(total[30d]))` on the raw counters and the absent alert,
  and a burn-rate group every 30s with `rate` ratios over 5m, 30m, 1h, 2h, 6h, 1d and
  4d (Pyrra's 28-day windows) and its four multiwindow alerts.

Pyrra is written here from its published shape: the Go module proxy refuses
github.com/pyrra-dev/pyrra (aethervision.clients.servers.PYRRA_UNAVAILABLE), so its
generator cannot be built on these machines.
"""

from __future__ import annotations

from dataclasses import dataclass

from aethervision import spec as spec_mod
from aethervision.clients import servers
from aethervision.clients import sloth as sloth_client
from aethervision.core import durations
from aethervision.rules import files as rule_files
from bench.cost import data

OBJECTIVE = 0.999
WINDOW = "30d"
GLOBAL_INTERVAL = "30s"
SLOTH_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
PYRRA_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "4d")


@dataclass(frozen=True)
class RuleSet:
    name: str
    title: str
    groups: list[dict]
    # (recorded name, labels, interval, value or None for a timestamp) read over long ranges
    recorded_inputs: list[tuple[str, dict, int, float | None]]

    def interval(self, group: dict) -> int:
        return durations.parse(group.get("interval", GLOBAL_INTERVAL))


def spec_text(slos: int, calendar: bool = False) -> str:
    """The SLOs as an AetherVision spec: the rolling 30-day window, or a calendar month in Berlin."""
    window = "{calendar: month, timezone: Europe/Berlin}" if calendar else WINDOW
    lines = ["version: aethervision/v1", "slos:"]
    for i in range(slos):
        lines += [f"  - name: {data.slo_name(i)}", f"    service: svc{i:03d}", f"    objective: {OBJECTIVE}",
                  f"    window: {window}", "    sli:", f"      errors: '{data.errors_selector(i)}'",
                  f"      total: '{data.total_selector(i)}'"]
    return "\n".join(lines) + "\n"


def aethervision(slos: int, calendar: bool = False) -> RuleSet:
    spec = spec_mod.parse(spec_text(slos, calendar), f"bench-{slos}.yaml")
    groups = rule_files.recording_rules(spec)["groups"] + rule_files.alert_rules(spec)["groups"]
    inputs = []
    tile = spec.rules.long_interval_seconds
    for group in groups:
        for rule in group["rules"]:
            name = rule.get("record", "")
            labels = rule.get("labels", {})
            if name.endswith(":errors:rate:tile"):
                inputs.append((name, labels, tile, data.ERRORS_RATE))
            elif name.endswith(":requests:rate:tile"):
                inputs.append((name, labels, tile, data.TOTAL_RATE))
                slo = name.split(":")[1]
                inputs.append((f"slo:{slo}:sli_sample:timestamp", labels, tile, None))
            elif name.endswith((":errors:counted", ":requests:counted")):  # read a window ago (exact.py)
                inputs.append((name, labels, tile, data.TOTAL_RATE))
    if calendar:
        return RuleSet("aethervision-calendar", "AetherVision, calendar month (Europe/Berlin)", groups, inputs)
    return RuleSet("aethervision", "AetherVision (two tiers, exact long windows)", groups, inputs)


def sloth_spec(slos: int) -> str:
    """The same SLOs as a Sloth `prometheus/v1` spec (objective in percent, `{{.window}}` queries)."""
    lines = ['version: "prometheus/v1"', 'service: "bench"', "slos:"]
    for i in range(slos):
        errors, total = data.errors_selector(i), data.total_selector(i)
        lines += [f'  - name: "{data.slo_name(i)}"', f"    objective: {OBJECTIVE * 100:g}", "    sli:",
                  "      events:", f"        error_query: 'sum(rate({errors}[{{{{.window}}}}]))'",
                  f"        total_query: 'sum(rate({total}[{{{{.window}}}}]))'",
                  "    alerting:", f"      name: S{i:03d}SLO"]
    return "\n".join(lines) + "\n"


def sloth(slos: int) -> RuleSet:
    """What the real `sloth generate` writes for these SLOs (the pinned Sloth build)."""
    groups = sloth_client.generate(sloth_spec(slos))["groups"]
    # Sloth's 30-day ratio averages its recorded 5m ratio over 30 days: that history is backfilled.
    inputs = [(rule["record"], rule["labels"], durations.parse(GLOBAL_INTERVAL), data.ERRORS_RATE / data.TOTAL_RATE)
              for group in groups for rule in group["rules"] if rule.get("record") == "slo:sli_error:ratio_rate5m"]
    return RuleSet("sloth", f"Sloth {servers.server('sloth').version} (`sloth generate`)", groups, inputs)


def pyrra(slos: int) -> RuleSet:
    groups = []
    for i in range(slos):
        name, labels = data.slo_name(i), {"slo": data.slo_name(i)}
        total, errors = data.total_selector(i), data.errors_selector(i)
        increase = [{"record": "bench_requests:increase30d", "expr": f"sum by (code) (increase({total}[30d]))",
                     "labels": labels},
                    {"alert": "SLOMetricAbsent", "expr": f"absent({total}) == 1", "for": "2m",
                     "labels": {**labels, "severity": "critical"}}]
        burn = [{"record": f"bench_requests:burnrate{w}",
                 "expr": f"sum(rate({errors}[{w}])) / sum(rate({total}[{w}]))", "labels": labels}
                for w in PYRRA_WINDOWS]
        sel = f'{{slo="{name}"}}'
        for short, long, factor, severity in (("5m", "1h", 14, "critical"), ("30m", "6h", 7, "critical"),
                                              ("2h", "1d", 2, "warning"), ("6h", "4d", 1, "warning")):
            burn.append({"alert": "ErrorBudgetBurn",
                         "expr": f"bench_requests:burnrate{short}{sel} > ({factor} * (1-{OBJECTIVE})) and "
                                 f"bench_requests:burnrate{long}{sel} > ({factor} * (1-{OBJECTIVE}))",
                         "for": "2m", "labels": {**labels, "severity": severity, "long": long, "short": short}})
        groups += [{"name": f"{name}-increase", "interval": "2m30s", "rules": increase},
                   {"name": name, "interval": "30s", "rules": burn}]
    return RuleSet("pyrra", "Pyrra's shape (re-created: Pyrra cannot be built here)", groups, [])


def all_sets(slos: int) -> list[RuleSet]:
    return [aethervision(slos), aethervision(slos, calendar=True), sloth(slos), pyrra(slos)]
