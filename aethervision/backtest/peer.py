"""A peer tool's rules (Sloth, Pyrra, any Prometheus rule file), ready to replay beside ours.

`aethervision compare` replays another tool's alerts over the same history as the
spec's. This module reads what the user has: the peer's generated rule file (a
Prometheus rule file or a PrometheusRule object), or a Sloth spec, which the real
`sloth generate` turns into rules. It then makes those rules speak the backtest's
vocabulary without changing what they compute:
- a group without `interval` gets the one Prometheus would use (its global
  evaluation_interval, 1m unless the user says otherwise);
- groups that mix recording and alerting rules are split (same interval);
- an alert's class comes from Sloth's `sloth_severity` (page/ticket) when present,
  else from `severity` as the generated Alertmanager config routes it;
- each alert episode is given the `slo` label of the spec's SLO it is about: Sloth's
  `sloth_slo` (and `sloth_service`), Pyrra's `slo`, matched as the importer names them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import promql_parser
import yaml

from aethervision.backtest.alerts import Episode
from aethervision.backtest.history import Input
from aethervision.clients import servers
from aethervision.clients import sloth as sloth_client
from aethervision.core import durations
from aethervision.core.errors import UserError
from aethervision.importers import common, detect, documents
from aethervision.promql.parse import metric_names, selector_matchers
from aethervision.rules import cost


@dataclass(frozen=True)
class PeerRules:
    tool: str  # "Sloth", "Pyrra" or "peer": the column's name
    source: str  # what the rules came from, for the report
    recording: tuple[dict, ...]
    alerting: tuple[dict, ...]
    spec_text: str | None = None  # the peer's own spec, when given one (to import ours from)


def _rule_groups(doc: dict) -> list | None:
    """The groups of a Prometheus rule file or of a PrometheusRule object; None for neither."""
    if isinstance(doc.get("groups"), list):
        return doc["groups"]
    if doc.get("kind") == "PrometheusRule" and isinstance((doc.get("spec") or {}).get("groups"), list):
        return doc["spec"]["groups"]
    return None


def _tool_of(groups: list[dict]) -> str:
    text = yaml.safe_dump(groups)
    if "sloth_slo" in text:
        return "Sloth"
    if "pyrra" in text.lower() or any(str(r.get("alert")) == "ErrorBudgetBurn" for g in groups
                                      for r in g.get("rules", [])):
        return "Pyrra"
    return "peer"


def load(path: Path, interval: str = "1m", tool: str | None = None) -> PeerRules:
    """The peer's rules from a rule file, a PrometheusRule, or a Sloth spec (run through `sloth generate`)."""
    docs = [d for d in documents(path) if d is not None]
    if not docs:
        raise UserError(f"{path}: empty")
    groups: list = []
    spec_text = None
    for n, doc in enumerate(docs, 1):
        if not isinstance(doc, dict):
            raise UserError(f"{path}: document {n}: not a mapping")
        found = _rule_groups(doc)
        if found is not None:
            groups += found
            continue
        kind = detect(doc)
        if kind in ("sloth", "sloth-k8s") or (kind == "openslo" and "v1alpha" in str(doc.get("apiVersion"))):
            spec_text = path.read_text("utf-8")
            break
        if kind == "pyrra":
            raise UserError(f"{path}: document {n}: a Pyrra object; compare needs the rules Pyrra generated from it "
                            f"(its PrometheusRule or `pyrra generate` output): {servers.PYRRA_UNAVAILABLE}")
        raise UserError(f"{path}: document {n}: neither a Prometheus rule file (groups:), a PrometheusRule, "
                        "nor a Sloth spec")
    source = str(path)
    if spec_text is not None:
        groups = sloth_client.generate(spec_text).get("groups", [])
        source = f"sloth generate {path.name}"
        tool = tool or "Sloth"
    recording, alerting = split(groups, interval, path)
    if not alerting:
        raise UserError(f"{path}: no alerting rules to replay")
    return PeerRules(tool or _tool_of(groups), source, tuple(recording), tuple(alerting), spec_text)


def split(groups: list, interval: str, path: Path) -> tuple[list[dict], list[dict]]:
    """Recording groups and alert groups, each with an interval and with alert classes the backtest reads."""
    recording, alerting = [], []
    durations.parse(interval)
    for i, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
            raise UserError(f"{path}: groups[{i}]: needs name and rules")
        every = str(group.get("interval") or interval)
        name = str(group.get("name", f"group-{i}"))
        records = [r for r in group["rules"] if isinstance(r, dict) and "record" in r]
        alerts = [_classed(r) for r in group["rules"] if isinstance(r, dict) and "alert" in r]
        if records:
            recording.append({"name": name, "interval": every, "rules": records})
        if alerts:
            alerting.append({"name": name, "interval": every, "rules": alerts})
    return recording, alerting


def _classed(rule: dict) -> dict:
    labels = dict(rule.get("labels") or {})
    if labels.get("sloth_severity") in ("page", "ticket"):
        labels["severity"] = labels["sloth_severity"]
    return {**rule, "labels": labels}


def selectors(expr: str) -> list[str]:
    """Every vector selector an expression reads, as written by the parser."""
    found: list[str] = []

    def walk(node) -> None:
        kind = type(node).__name__
        if kind == "VectorSelector":
            found.append(str(node).removesuffix("{}"))
            return
        for attr in ("lhs", "rhs", "expr", "param", "vector_selector", "vs"):
            child = getattr(node, attr, None)
            if child is not None and not isinstance(child, (str, int, float)):
                walk(child)
        for arg in getattr(node, "args", None) or []:
            walk(arg)

    walk(promql_parser.parse(expr))
    return found


def inputs(rules: PeerRules) -> list[Input]:
    """The raw series the peer's rules read (selectors of metrics none of its rules record)."""
    recorded = {r["record"] for g in rules.recording for r in g["rules"]}
    out: dict[str, None] = {}
    for group in (*rules.recording, *rules.alerting):
        for rule in group["rules"]:
            for selector in selectors(str(rule["expr"])):
                if not metric_names(selector) & recorded and selector != "ALERTS":
                    out.setdefault(selector, None)
    return [Input(s, (), False) for s in out]


def slo_of(labels: dict[str, str], names: set[str]) -> str | None:
    """The spec's SLO a peer alert is about, by the names the importer gives peers' SLOs."""
    candidates = [labels.get("sloth_slo"), labels.get("slo")]
    if labels.get("sloth_service") and labels.get("sloth_slo"):
        candidates.append(f"{labels['sloth_service']}_{labels['sloth_slo']}")
    for text in candidates:
        if text and text in names:
            return text
        if text and common.slo_name(text) in names:
            return common.slo_name(text)
    return None


def labelled(episodes: tuple[Episode, ...], names: set[str]) -> tuple[tuple[Episode, ...], int]:
    """Episodes with the spec's `slo` label; how many matched no SLO of the spec (left out)."""
    out, unmatched = [], 0
    for e in episodes:
        labels = e.label_map
        slo = slo_of(labels, names)
        if slo is None:
            unmatched += 1
            continue
        labels["slo"] = slo
        out.append(Episode(e.alert, e.severity, tuple(sorted(labels.items())), e.pending, e.start, e.end))
    return tuple(out), unmatched


def _mentions(rule: dict, slo: str, names: set[str]) -> bool:
    """The rule's labels, or the `=` matchers of a selector it reads, name the SLO."""
    labels = {k: str(v) for k, v in (rule.get("labels") or {}).items()}
    pinned = [{label: value for label, op, value in selector_matchers(s)[1] if op == "="}
              for s in selectors(str(rule.get("expr", "")))]
    return any(slo_of(found, names) == slo for found in (labels, *pinned))


def cost_per_slo(rules: PeerRules, names: set[str]) -> dict[str, int]:
    """Estimated samples per hour of the peer's rules that belong to each SLO (rules.cost)."""
    groups = [*rules.recording, *rules.alerting]
    every = cost.intervals([{"groups": list(rules.recording)}])
    out = {}
    for slo in sorted(names):
        mine = [{**g, "rules": [r for r in g["rules"] if _mentions(r, slo, names)]} for g in groups]
        out[slo] = cost.estimate([{"groups": [g for g in mine if g["rules"]]}], series_interval=every)
    return out
