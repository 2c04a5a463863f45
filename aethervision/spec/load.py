"""Load aethervision.yaml: YAML -> JSON Schema -> frozen model -> semantic checks.

Each step runs once: the schema reports every violation at once, the model is
built in one pass (each duration parsed once, its field path kept for errors),
and the semantic checks read the model, not the raw dict.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from aethervision.core import defaults as d
from aethervision.core import durations
from aethervision.core.errors import SpecError
from aethervision.core.model import (
    SLI,
    SLO,
    Autoheal,
    BurnTier,
    Grafana,
    Policy,
    Probes,
    Prometheus,
    Runway,
    RunwayAlert,
    ScrapeJob,
    Spec,
    Threshold,
)
from aethervision.promql.parse import selector_problem
from aethervision.spec.yamlio import check_schema, field_path, parse_yaml, read_yaml

VERSION = "aethervision/v1"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the spec (shipped with the package)."""
    return json.loads(resources.files("aethervision.spec").joinpath("schema.json").read_text("utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def load(path: str | Path = d.SPEC_PATH) -> Spec:
    """Read, validate and freeze a spec file; SpecError names file and field."""
    path = Path(path)
    return from_data(read_yaml(path), str(path))


def parse(text: str, source: str = d.SPEC_PATH) -> Spec:
    """Validate spec text and build the frozen model."""
    return from_data(parse_yaml(text, source), source)


def _hint(error: jsonschema.ValidationError) -> str | None:
    """Messages that say what a value means, where the schema's wording would not."""
    path = list(error.absolute_path)
    if path[-1:] == ["objective"] and error.validator == "exclusiveMaximum" \
            and isinstance(error.instance, (int, float)) and 1 < error.instance <= 100:
        return (f"must be < 1: the objective is a ratio ({error.instance / 100:g}), "
                f"not a percentage ({error.instance:g})")
    return None


def from_data(data, source: str) -> Spec:
    if not isinstance(data, dict):
        raise SpecError(source, "", f"must be a YAML mapping with 'version: {VERSION}'")
    slos = data.get("slos")
    if isinstance(slos, list) and len(slos) > d.MAX_SLOS:  # before the schema walks them all
        raise SpecError(source, "slos", f"{len(slos):,} SLOs is over the limit of {d.MAX_SLOS:,} per spec: "
                                        "split the fleet into several specs")
    check_schema(_validator(), data, source, _hint)
    spec = _Builder(data, source).spec()
    _check(spec, source)
    return spec


class _Builder:
    """Raw (schema-valid) data -> frozen model; each duration parsed once, located on error."""

    def __init__(self, data: dict, source: str):
        self.data, self.source = data, source

    def seconds(self, value: str, *path) -> int:
        try:
            return durations.parse(value)
        except ValueError as exc:
            raise SpecError(self.source, field_path(path), str(exc)) from exc

    def spec(self) -> Spec:
        data = self.data
        return Spec(source=self.source, slos=tuple(self.slo(i, s) for i, s in enumerate(data["slos"])),
                    runway=self.runway(data["runway"]), grafana=self.grafana(data["grafana"]),
                    probes=self.probes(data["probes"]), autoheal=self.autoheal(data["autoheal"]),
                    prometheus=self.prometheus(data["prometheus"]))

    def slo(self, i: int, s: dict) -> SLO:
        return SLO(name=s["name"], service=s["service"], title=s.get("title", s["name"]),
                   description=s.get("description", ""), objective=float(s["objective"]),
                   window=s["window"], window_seconds=self.seconds(s["window"], "slos", i, "window"),
                   sli=SLI(errors=s["sli"]["errors"], total=s["sli"]["total"]),
                   runbook_url=s.get("runbook_url", ""))

    def runway(self, rw: dict) -> Runway:
        def alert(level: str) -> RunwayAlert:
            a = rw["alerts"][level]
            return RunwayAlert(below=a["below"], for_=a["for"],
                               below_seconds=self.seconds(a["below"], "runway", "alerts", level, "below"))

        def thresholds(key: str) -> tuple[Threshold, ...]:
            return tuple(Threshold(color=t["color"], value=float(t["value"])) for t in rw[key])

        burn = rw.get("burn_alerts", d.BURN_ALERTS)

        def tiers(severity: str) -> tuple[BurnTier, ...]:
            where = ("runway", "burn_alerts", severity)
            return tuple(BurnTier(long=t["long"], short=t["short"], factor=float(t["factor"]),
                                  long_seconds=self.seconds(t["long"], *where, i, "long"),
                                  short_seconds=self.seconds(t["short"], *where, i, "short"))
                         for i, t in enumerate(burn[severity]))

        return Runway(
            warning=alert("warning"), critical=alert("critical"),
            days_to_breach_thresholds=thresholds("days_to_breach_thresholds"),
            budget_remaining_thresholds=thresholds("budget_remaining_thresholds"),
            cap_seconds=self.seconds(rw["cap"], "runway", "cap"),
            chart_max_seconds=self.seconds(rw.get("chart_max", d.CHART_MAX), "runway", "chart_max"),
            policy=Policy(rw.get("policy", d.POLICY)), min_errors=rw.get("min_errors", d.MIN_ERRORS),
            page_tiers=tiers("page"), ticket_tiers=tiers("ticket"))

    def grafana(self, g: dict) -> Grafana:
        dash = g["dashboard"]
        return Grafana(
            url=g.get("url", d.GRAFANA_URL), dashboard_uid=dash["uid"], dashboard_title=dash["title"],
            tags=tuple(dash.get("tags", ())), refresh=dash.get("refresh", d.DASHBOARD_REFRESH),
            time_from=dash.get("time_from", d.DASHBOARD_TIME_FROM),
            folder_uid=g["folder"]["uid"], folder_title=g["folder"]["title"],
            datasource_name=g["datasource"]["name"], datasource_uid=g["datasource"]["uid"],
            datasource_url=g["datasource"]["url"])

    def probes(self, p: dict) -> Probes:
        return Probes(http=p["http"], tcp=p["tcp"], min_healthy=p["min_healthy"], for_=p.get("for", d.PROBES_FOR))

    def autoheal(self, a: dict) -> Autoheal:
        stale = a.get("stale_after", d.AUTOHEAL_STALE_AFTER)
        return Autoheal(job=a["job"], target=a["target"], stale_after=stale,
                        stale_after_seconds=self.seconds(stale, "autoheal", "stale_after"),
                        disabled_for=a.get("disabled_for", d.AUTOHEAL_DISABLED_FOR))

    def prometheus(self, pr: dict) -> Prometheus:
        return Prometheus(scrape_interval=pr["scrape_interval"], evaluation_interval=pr["evaluation_interval"],
                          scrape=tuple(ScrapeJob(job=j["job"], targets=tuple(j["targets"]))
                                       for j in pr.get("scrape", ())))


def _check(spec: Spec, source: str) -> None:
    """Rules the schema cannot express, on the model; the first broken one is reported."""
    def fail(field: str, message: str):
        raise SpecError(source, field, message)

    selectors = [(f"slos[{i}].sli.{part}", getattr(slo.sli, part)) for i, slo in enumerate(spec.slos)
                 for part in ("errors", "total")]
    selectors += [("probes.http", spec.probes.http), ("probes.tcp", spec.probes.tcp)]
    for field, text in selectors:
        problem = selector_problem(text)
        if problem:
            fail(field, f"not a valid PromQL series selector: {problem}")
    names: dict[str, int] = {}
    for i, slo in enumerate(spec.slos):
        if slo.name in names:
            fail(f"slos[{i}].name", f"duplicate SLO name {slo.name!r} (also slos[{names[slo.name]}])")
        names[slo.name] = i
        if slo.window_seconds < 3600:
            fail(f"slos[{i}].window", "must be at least 1h")
    rw = spec.runway
    for key in ("days_to_breach_thresholds", "budget_remaining_thresholds"):
        steps = getattr(rw, key)
        for i in range(1, len(steps)):
            if steps[i].value <= steps[i - 1].value:
                fail(f"runway.{key}[{i}].value", f"thresholds must be in ascending order ({steps[i].value:g} "
                                                 f"follows {steps[i - 1].value:g})")
    if rw.critical.below_seconds >= rw.warning.below_seconds:
        fail("runway.alerts.critical.below", "must be shorter than runway.alerts.warning.below")
    if rw.cap_seconds <= rw.warning.below_seconds:
        fail("runway.cap", "must be longer than runway.alerts.warning.below")
    shortest_window = min(slo.window_seconds for slo in spec.slos)
    for severity, tiers in (("page", rw.page_tiers), ("ticket", rw.ticket_tiers)):
        for i, tier in enumerate(tiers):
            where = f"runway.burn_alerts.{severity}[{i}]"
            if not 60 <= tier.short_seconds < tier.long_seconds:
                fail(f"{where}.short", f"must be at least 1m and shorter than long ({tier.long})")
            if tier.long_seconds > shortest_window:
                fail(f"{where}.long", "must not exceed the SLO window")
