"""Rule output targets beyond plain files: PrometheusRule objects and central rulers.

prometheus-operator: one PrometheusRule per SLO (its recording and alert
groups) plus one for the operator rules, labelled for the `ruleSelector`.

Central rulers (Mimir/Cortex `mimirtool rules sync`, Thanos Ruler): one file
per namespace. With `place_sli: local` (the default) each SLO's SLI group, the
rules that read raw series over short windows, goes to a plain rule file for
every cluster's own Prometheus (next to the data, which need not be shipped
at full resolution), and everything that reads only recorded series (long
windows, budget, runway, alerts) runs centrally, where the clusters' series
meet. Mimir groups may read other tenants (`source_tenants`); Thanos groups
say what to do when a store is down (`partial_response_strategy`).
"""

from __future__ import annotations

import copy
import re

from aethervision.core.model import Spec
from aethervision.promql.parse import metric_names
from aethervision.rules import files as rules

KUBERNETES_DIR = "kubernetes"
RULER_DIR = "ruler"
LOCAL_FILE = f"{RULER_DIR}/local/aethervision-sli.yml"
PROMETHEUS_ONLY_KEYS = ("source_tenants", "partial_response_strategy")  # not in a Prometheus rule file


def _k8s_name(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:253]


def _groups_by_owner(spec: Spec) -> dict[str, list[dict]]:
    """'slo-<name>' -> that SLO's groups; 'aethervision' -> the operator groups; in load order."""
    out: dict[str, list[dict]] = {}
    for doc in (rules.recording_rules(spec), rules.alert_rules(spec)):
        for group in doc["groups"]:
            owner = group["name"].split(".", 1)[0]
            out.setdefault("aethervision" if owner == "aethervision" else _k8s_name(owner.replace("_", "-")),
                           []).append(group)
    return out


def prometheus_rules(spec: Spec) -> dict[str, dict]:
    """Relative path -> PrometheusRule object."""
    target = spec.outputs.prometheus_rule
    out = {}
    for owner, groups in _groups_by_owner(spec).items():
        name = f"aethervision-{owner}" if owner != "aethervision" else "aethervision-operator"
        out[f"{KUBERNETES_DIR}/{name}.yaml"] = {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": {"name": name, "namespace": target.namespace,
                         "labels": {"app.kubernetes.io/managed-by": "aethervision", **dict(target.labels)}},
            "spec": {"groups": copy.deepcopy(groups)},
        }
    return out


def _reads_raw(rule: dict) -> bool:
    return any(not name.startswith(("slo:", "aethervision:")) and name != "ALERTS"
               for name in metric_names(rule["expr"]))


def split_sli(group: dict) -> tuple[dict | None, dict]:
    """(the rules reading raw series, the rest) of an SLO recording group."""
    raw = [r for r in group["rules"] if _reads_raw(r)]
    rest = [r for r in group["rules"] if not _reads_raw(r)]
    name = group["name"].replace(".predict.recording", ".sli").replace(".predict.long", ".sli.long")
    sli = {"name": name, **({"interval": group["interval"]} if "interval" in group else {}), "rules": raw} \
        if raw else None
    return sli, {**group, "rules": rest}


def central_ruler(spec: Spec) -> dict[str, dict]:
    """Relative path -> rule document: the ruler's namespace file, and the local SLI file."""
    target = spec.outputs.central_ruler
    local, central = [], []
    for doc in (rules.recording_rules(spec), rules.alert_rules(spec)):
        for group in copy.deepcopy(doc["groups"]):
            if target.local_sli and group["name"].endswith((".predict.recording", ".predict.long")):
                sli, group = split_sli(group)
                if sli:
                    local.append(sli)
            if target.flavour == "mimir" and target.source_tenants:
                group["source_tenants"] = list(target.source_tenants)
            if target.flavour == "thanos":
                group["partial_response_strategy"] = target.partial_response_strategy
            central.append(group)
    ruler = {"namespace": target.namespace, "groups": central} if target.flavour == "mimir" else {"groups": central}
    out = {f"{RULER_DIR}/{target.flavour}/{target.namespace}.yaml": ruler}
    if local:
        out[LOCAL_FILE] = {"groups": local}
    return out


def as_prometheus_rules(doc: dict) -> dict:
    """A target's document as a plain Prometheus rule file, for promtool: groups only, without
    the keys only the central rulers know."""
    groups = doc.get("spec", doc).get("groups", [])
    return {"groups": [{k: v for k, v in g.items() if k not in PROMETHEUS_ONLY_KEYS} for g in groups]}


def documents(spec: Spec) -> dict[str, dict]:
    """Every target document the spec asks for (beyond the plain rule files)."""
    out = {}
    if spec.outputs.prometheus_rule:
        out.update(prometheus_rules(spec))
    if spec.outputs.central_ruler:
        out.update(central_ruler(spec))
    return out
