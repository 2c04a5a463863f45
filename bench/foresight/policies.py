"""The alert policies under test, as Prometheus rule groups.

- seed: AetherVision's generated rules with `runway.policy: seed` and the seed
  document's `for` durations (15m warning, 10m critical).
- multiwindow: the SRE Workbook's multiwindow, multi-burn-rate alerts exactly as
  Sloth generates them for a 30-day window (page: 14.4x over 1h and 5m, or 6x
  over 6h and 30m; ticket: 3x over 1d and 2h, or 1x over 3d and 6h; no `for`).
- aethervision: AetherVision's generated rules from the repository spec, i.e.
  the default `aethervision build` writes.
Every alert gets a `policy` label; severity maps to a class: critical and page
are pages, warning and ticket are tickets, info is neither.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import yaml

from aethervision import spec as spec_mod
from aethervision.rules import policy as policy_rules
from aethervision.rules import slo as slo_rules
from bench.foresight import forecast
from bench.foresight.scenarios import BUDGET

STEP = 5  # minutes between the engine's evaluations (engine.STEP, which imports this module)

SLI_ERRORS = 'crm_payments_total{status="failed"}'
SLI_TOTAL = 'crm_payments_total{status=~"success|failed"}'
PAGE, TICKET = "page", "ticket"
CLASS = {"critical": PAGE, "page": PAGE, "warning": TICKET, "ticket": TICKET}
SEED_FOR = {"warning": "15m", "critical": "10m"}  # the seed document's alert durations


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    groups: tuple[dict, ...]  # recording groups first, then alerts


def _labelled(groups: list[dict], name: str) -> tuple[dict, ...]:
    out = copy.deepcopy(groups)
    for group in out:
        for rule in group["rules"]:
            if "alert" in rule:
                rule["labels"] = {**rule.get("labels", {}), "policy": name}
    return tuple(out)


def _generated(spec_path: Path, name: str, title: str, change, extra=lambda spec, slo: ()) -> Policy:
    data = yaml.safe_load(spec_path.read_text())
    change(data)
    spec = spec_mod.parse(yaml.safe_dump(data), str(spec_path))
    (slo,) = spec.slos
    if (slo.sli.errors, slo.sli.total, slo.objective) != (SLI_ERRORS, SLI_TOTAL, 1 - BUDGET):
        raise SystemExit(f"{spec_path}: the benchmark needs the payment_rate SLO as shipped "
                         f"({SLI_ERRORS}, objective {1 - BUDGET:g})")
    groups = [*slo_rules.recording_groups(spec, slo), policy_rules.alert_group(spec, slo), *extra(spec, slo)]
    return Policy(name, title, _labelled(groups, name))


def seed(spec_path: Path) -> Policy:
    def as_written(data: dict) -> None:
        data["runway"]["policy"] = "seed"
        for level, for_ in SEED_FOR.items():
            data["runway"]["alerts"][level]["for"] = for_
    return _generated(spec_path, "seed", "Seed runway policy (as written)", as_written)


def aethervision(spec_path: Path) -> Policy:
    # The forecasters ride along: they read this policy's recorded series (forecast.py).
    return _generated(spec_path, "aethervision", "AetherVision default policy", lambda data: None,
                      lambda spec, slo: [forecast.group(spec, slo, STEP)])


MW_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
MW_TIERS = {PAGE: [("5m", "1h", 14.4), ("30m", "6h", 6)], TICKET: [("2h", "1d", 3), ("6h", "3d", 1)]}


def multiwindow() -> Policy:
    """The SRE Workbook baseline in Sloth's exact shape."""
    labels = {"sloth_id": "crm-payment-rate", "sloth_service": "crm", "sloth_slo": "payment-rate"}
    selector = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    recording = [{"record": f"slo:sli_error:ratio_rate{w}",
                  "expr": f"(sum(rate({SLI_ERRORS}[{w}])))\n/\n(sum(rate({SLI_TOTAL}[{w}])))",
                  "labels": {**labels, "sloth_window": w}} for w in MW_WINDOWS]

    def condition(tiers) -> str:
        def over(window: str, factor: float) -> str:
            return (f"max(slo:sli_error:ratio_rate{window}{{{selector}}} > ({factor:g} * {BUDGET:g})) "
                    "without (sloth_window)")
        return "\nor\n".join(f"(\n    {over(short, f)}\n    and\n    {over(long, f)}\n)" for short, long, f in tiers)

    alerts = [{"alert": f"PaymentRateSLO{severity.capitalize()}", "expr": condition(tiers),
               "labels": {"sloth_severity": severity, "severity": severity, "policy": "multiwindow"}}
              for severity, tiers in MW_TIERS.items()]
    return Policy("multiwindow", "SRE Workbook multiwindow, multi-burn-rate (Sloth)",
                  ({"name": "sloth-slo-sli-recordings-crm-payment-rate", "rules": recording},
                   {"name": "sloth-slo-alerts-crm-payment-rate", "rules": alerts}))


def all_policies(spec_path: Path) -> list[Policy]:
    return [seed(spec_path), multiwindow(), aethervision(spec_path)]
