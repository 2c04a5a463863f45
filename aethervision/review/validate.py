"""`aethervision validate`: every check of the generated output, with the tools that need running."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema

from aethervision import spec as spec_mod
from aethervision.builder import checks, outputs, pipeline, render
from aethervision.builder.outputs import PROMETHEUS_DIR
from aethervision.builder.pipeline import Generated
from aethervision.clients import amtool, promtool, servers
from aethervision.configs import alertmanager, targets
from aethervision.core import defaults
from aethervision.core.errors import ToolMissing, UserError
from aethervision.core.model import SLO, SLIKind, Spec
from aethervision.promql import features, sli

OPERATOR_SCHEMA_ENV = defaults.OPERATOR_SCHEMA_ENV
if TYPE_CHECKING:  # the live check's client; a build need not import the HTTP stack
    from aethervision.clients.prometheus import Client

OPERATOR_SCHEMA_FILE = "prometheusrule.v1.jsonschema.json"


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)  # what ran
    skipped: list[str] = field(default_factory=list)  # what did not, and why


def rule_problems(rule_files: dict[str, str]) -> list[str]:
    """`promtool check rules` on the generated rule files (name -> content)."""
    with tempfile.TemporaryDirectory(prefix="aethervision-rules-") as tmp:
        paths = []
        for name, text in rule_files.items():
            path = Path(tmp, name)
            path.write_text(text, "utf-8")
            paths.append(path)
        return [p.replace(tmp + "/", "") for p in promtool.check_rules(*paths)]


def _shape(slo: SLO):
    """What an SLO's rules depend on besides its names and selectors."""
    sli = slo.sli if slo.sli.kind is SLIKind.RAW else dataclasses.replace(
        slo.sli, errors="", total="", histogram="", selector="", probe="")
    return dataclasses.replace(slo, name="", service="", title="", description="", runbook_url="", sli=sli)


def _skipped_slos(spec: Spec) -> set[str]:
    """SLOs whose rules are another SLO's with other names and selectors: promtool checks one
    SLO of each shape (names match the schema's pattern and selectors were parsed when the
    spec loaded), so checking 1,000 alike SLOs costs what checking one does."""
    seen, skipped = set(), set()
    for slo in spec.slos:
        shape = _shape(slo)
        if shape in seen:
            skipped.add(slo.name)
        seen.add(shape)
    return skipped


def _checked(doc: dict, skipped: set[str]) -> dict:
    groups = [g for g in doc.get("groups", []) if g["name"].split(".", 1)[0].removeprefix("slo_") not in skipped]
    return {**doc, "groups": groups}


def generated_rule_files(gen: Generated) -> dict[str, str]:
    """Every rule file to check: the plain files, and each target's groups as a Prometheus file.

    Written as JSON (which is YAML) with one key per line: promtool reads it the same,
    and a Python YAML emitter took most of a 1,000-SLO build."""
    skipped = _skipped_slos(gen.spec)
    out = {name: json.dumps(_checked(doc, skipped), indent=1) for name, doc in gen.rule_docs.items()}
    out.update({rel.replace("/", "__"): json.dumps(_checked(targets.as_prometheus_rules(doc), skipped), indent=1)
                for rel, doc in targets.documents(gen.spec).items()})
    return out


def operator_schema_problems(gen: Generated, schema_dir: Path) -> list[str]:
    """Each PrometheusRule object against the prometheus-operator's CRD schema."""
    path = schema_dir / OPERATOR_SCHEMA_FILE
    try:
        validator = jsonschema.Draft7Validator(json.loads(path.read_text("utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: cannot read the PrometheusRule schema ({exc})") from exc
    return [f"{rel}: {'.'.join(map(str, e.absolute_path)) or '(object)'}: {e.message}"
            for rel, doc in targets.documents(gen.spec).items() if doc.get("kind") == "PrometheusRule"
            for e in validator.iter_errors(doc)]


def promql_problems_before_writing(gen: Generated) -> list[str] | None:
    """`promtool check rules` on every generated rule (about 40 ms), or None without promtool.

    The spec's selectors are already checked in-process when the spec loads; this
    catches anything else that would not parse before `build` writes a file.
    """
    try:
        binary = promtool.find()
    except ToolMissing:
        return None
    refused = engine_problems(gen.spec, binary)
    if refused:  # promtool would only fail to parse; say which field needs what
        return refused
    return [f"{PROMETHEUS_DIR}/: {p}" for p in rule_problems(generated_rule_files(gen))]


def engine_problems(spec: Spec, promtool_binary: str) -> list[str]:
    """Spec fields that need Prometheus 3 when the promtool at hand is older (features.py)."""
    if not features.needs(spec):
        return []
    version = servers.version_of(promtool_binary)
    return features.problems(spec, "prometheus", version, f"promtool {version or '(version unknown)'} "
                             f"({promtool_binary})", " (`make servers` builds Prometheus 3's promtool)")


def alertmanager_problems(spec: Spec) -> list[str] | None:
    """`amtool check-config` on the generated alertmanager.yml, or None without amtool.

    A receiver's config is the spec's, passed through; when the file fails, each of the
    spec's receivers is checked alone, so the problem names `alertmanager.receivers.<name>`."""
    if spec.alertmanager is None:
        return []
    binary = amtool.find()
    if binary is None:
        return None
    beside = {alertmanager.SLACK_TEMPLATE_FILE: alertmanager.SLACK_TEMPLATE} if spec.slack is not None else {}
    problem = amtool.check_config(alertmanager_yaml(spec), binary, beside)
    if not problem:
        return []
    located = []
    for name, receiver in spec.alertmanager.receivers:
        alone = dataclasses.replace(spec, alertmanager=dataclasses.replace(
            spec.alertmanager, receivers=((name, receiver),)))
        own = amtool.check_config(alertmanager_yaml(alone), binary, beside)
        if own:
            located.append(f"{spec.source}: alertmanager.receivers.{name}: Alertmanager would not load it "
                           f"(amtool check-config: {own})")
    return located or [f"{spec.source}: alertmanager: Alertmanager would not load the generated "
                       f"{outputs.ALERTMANAGER_FILE} (amtool check-config: {problem})"]


def alertmanager_yaml(spec: Spec) -> str:
    return render.to_yaml(alertmanager.config(spec), spec.source)


def generate_checked(spec_path: str) -> tuple[Generated, list[str] | None]:
    """Generate everything while promtool checks the rules (promql_problems_before_writing)
    and amtool the Alertmanager config: the checks need only the spec and the rules, so they
    run beside the dashboards' generation. None: promtool is missing."""
    spec = spec_mod.load(spec_path)
    rule_docs = outputs.rule_documents(spec)
    with ThreadPoolExecutor(max_workers=2) as pool:
        check = pool.submit(promql_problems_before_writing, Generated(spec, {}, rule_docs, {}))
        am_check = pool.submit(alertmanager_problems, spec)
        gen = pipeline.generate_from(spec, rule_docs)
        promql, am = check.result(), am_check.result() or []
        return gen, (promql + am if promql is not None else (am or None))


def validate(gen: Generated, schema_dir: Path | None, use_promtool: bool = True,
             operator_schema: Path | None = None) -> Report:
    """Schemas, structure, metric names, PromQL parsing and promtool's rule check."""
    report = Report()
    for rel, data in gen.dashboards.items():
        if schema_dir is not None:
            report.problems += [f"{rel}: {p}" for p in checks.schema_problems(data, schema_dir)]
        queries = checks.dashboard_queries(data, rel)
        report.problems += checks.metric_problems(gen.known_metrics,
                                                  checks.dashboard_queries(data, rel, every_value=True))
        if use_promtool:
            report.problems += promtool.check_expressions(queries)
    if schema_dir is not None and gen.spec.grafana.format != "classic":
        for rel, text in sorted(gen.files.items()):
            if rel.startswith(outputs.DASHBOARD_DIR + "/") and rel.endswith(".json"):
                report.problems += checks.resource_problems(json.loads(text), schema_dir, rel)
        report.checked.append(f"{gen.spec.grafana.format} resources against Grafana's resource, dashboardv2 and "
                              "folderv1 schemas")
    report.problems += checks.metric_problems(gen.known_metrics, checks.rule_queries(gen.rule_docs))
    report.checked += ["panel ids, grid, refIds, thresholds", "metric names against the rules and inputs"]
    if use_promtool:
        report.problems += engine_problems(gen.spec, promtool.find()) or \
            [f"{PROMETHEUS_DIR}/: {p}" for p in rule_problems(generated_rule_files(gen))]
        report.checked += ["PromQL parses (promtool)", "promtool check rules"]
    else:
        report.skipped.append("PromQL parsing and `promtool check rules` (--skip-promtool)")
    if gen.spec.alertmanager is not None:
        am = alertmanager_problems(gen.spec)
        if am is None:
            report.skipped.append("amtool check-config: amtool not found (`make servers` builds it)")
        else:
            report.problems += am
            report.checked.append("amtool check-config on the Alertmanager config")
    if gen.spec.outputs.prometheus_rule:
        if operator_schema is not None:
            report.problems += operator_schema_problems(gen, operator_schema)
            report.checked.append(f"PrometheusRule objects against the operator's CRD schema ({operator_schema})")
        else:
            report.skipped.append("PrometheusRule CRD schema: no schema folder (pass --operator-schema or set "
                                  f"{OPERATOR_SCHEMA_ENV})")
    if schema_dir is not None:
        report.checked.append(f"Grafana JSON Schemas ({schema_dir})")
    else:
        report.skipped.append("Grafana JSON Schemas: no schema folder (pass --grafana-schema or set "
                              "AETHERVISION_GRAFANA_SCHEMA)")
    return report


def live_sli_problems(spec: Spec, client: Client) -> tuple[list[str], list[str]]:
    """(problems, notes) from asking a live Prometheus about every SLI: its series exist,
    and a latency SLO's bound is one of its histogram's buckets however `le` is spelled."""
    kind, version = client.engine()
    problems = features.problems(spec, kind, version, f"{kind} {version} at {client.safe_url}".replace("  ", " "))
    notes: list[str] = []
    for i, slo in enumerate(spec.slos):
        where = f"{spec.source}: slos[{i}]"
        for where_in_slo, expr, empty in sli.live_probes(slo):
            if client.query(expr):
                continue
            if empty:
                problems.append(f"{where}.{where_in_slo}: {empty} ({expr} on {client.safe_url})")
            else:
                notes.append(f"{where}.{where_in_slo}: no series yet ({expr}); fine while no error has happened")
        problems += _group_label_problems(slo, where, client)
        if slo.sli.kind is SLIKind.LATENCY and not slo.sli.native:
            bounds = [s.labels.get("le", "") for s in client.query(sli.bucket_bounds(slo.sli))]
            numeric = sorted({float(b) for b in bounds if _is_number(b)})  # "1" and "1.0" are one bound
            if bounds and slo.sli.below not in numeric:
                shown = ", ".join(f"{b:g}" for b in numeric)
                problems.append(f"{where}.sli.latency.below: {slo.sli.below:g} is not a bucket bound of "
                                f"{slo.sli.histogram} (its bounds: {shown}, +Inf)")
    return problems, notes


def _group_label_problems(slo: SLO, where: str, client: Client) -> list[str]:
    """A `group_by` label the SLI's series lack would sum every group into one runway."""
    field, selector = next(iter(sli.selectors(slo.sli).items()))
    if slo.sli.kind is SLIKind.RATIO:
        field, selector = "sli.total", slo.sli.total
    if slo.sli.kind is SLIKind.RAW or not slo.group_by:
        return []
    out = []
    for label in slo.group_by:
        found = client.query(f"count by ({label}) ({selector})")
        if found and not any(s.labels.get(label) for s in found):
            out.append(f"{where}.group_by: label {label!r} is on none of the series of {field} ({selector} on "
                       f"{client.safe_url}): the rules would sum every {label} into one runway")
    return out


def _is_number(text: str) -> bool:
    try:
        return float(text) != float("inf")
    except ValueError:
        return False
