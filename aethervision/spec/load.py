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
    Alertmanager,
    Autoheal,
    BurnTier,
    CentralRuler,
    EndpointDown,
    Grafana,
    NoData,
    Outputs,
    Policy,
    Probes,
    Prometheus,
    PrometheusRuleTarget,
    RuleGroups,
    Runway,
    RunwayAlert,
    ScrapeJob,
    Slack,
    SLIKind,
    Spec,
    Threshold,
    Tier,
)
from aethervision.spec import checks, periods
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
    checks.check(spec, source)
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

        def optional(key: str, build):  # sections a spec may leave out: None, and no outputs for them
            return build(data[key]) if key in data else None

        names = tuple(s["name"] for s in data["slos"])
        return Spec(source=self.source, slos=tuple(self.slo(i, s) for i, s in enumerate(data["slos"])),
                    runway=self.runway(data.get("runway", {})), grafana=self.grafana(data.get("grafana", {})),
                    probes=optional("probes", self.probes), autoheal=optional("autoheal", self.autoheal),
                    prometheus=optional("prometheus", self.prometheus),
                    alertmanager=optional("alertmanager", self.alertmanager),
                    outputs=self.outputs(data.get("outputs", {})), rules=self.rules(data),
                    alerting_engine=data.get("alerting", {}).get("engine", d.ALERTING_ENGINE),
                    recording_engine=data.get("alerting", {}).get("recording_rules", d.RECORDING_ENGINE),
                    slack=self.slack(data.get("notifications", {}).get("slack")),
                    maintenance=periods.maintenance(self.source, data.get("maintenance", []), names),
                    corrections=periods.corrections(self.source, data.get("corrections", []), names),
                    budget_alerts=periods.budget_alerts(data.get("budget_consumed_alerts")))

    def slo(self, i: int, s: dict) -> SLO:
        nd = s.get("no_data", {})
        no_data_for = nd.get("for", d.NO_DATA_FOR)
        self.seconds(no_data_for, "slos", i, "no_data", "for")
        calendar, window = (periods.calendar(self.source, i, s["window"]) if isinstance(s["window"], dict)
                            else (None, s["window"]))
        return SLO(name=s["name"], service=s["service"], title=s.get("title", s["name"]),
                   description=s.get("description", ""), objective=float(s["objective"]),
                   window=window, window_seconds=self.seconds(window, "slos", i, "window"), calendar=calendar,
                   sli=self.sli(i, s["sli"]), runbook_url=s.get("runbook_url", ""),
                   group_by=tuple(s.get("group_by", ())), labels=tuple(s.get("labels", {}).items()),
                   alert_name=s.get("alert_name", ""),
                   alerting=tuple((name, Tier(labels=tuple(t.get("labels", {}).items()),
                                              annotations=tuple(t.get("annotations", {}).items()),
                                              disable=t.get("disable", False),
                                              autoheal=t.get("autoheal", False)))
                                  for name, t in s.get("alerting", {}).items()),
                   no_data=NoData(for_=no_data_for, severity=nd.get("severity", d.NO_DATA_SEVERITY),
                                  disable=nd.get("disable", False)))

    def sli(self, i: int, raw: dict) -> SLI:
        kinds = [k for k in ("errors", "latency", "probe", "raw") if k in raw]
        if len(kinds) != 1:
            found = " and ".join(("errors/total" if k == "errors" else k) for k in kinds) or "none"
            raise SpecError(self.source, f"slos[{i}].sli", "needs exactly one SLI kind: errors + total (a "
                                                           f"ratio of counters), latency, probe or raw; found {found}")
        kind = kinds[0]
        if kind == "errors":
            return SLI(kind=SLIKind.RATIO, errors=raw["errors"], total=raw["total"])
        if kind == "latency":
            lat = raw["latency"]
            native = "native_histogram" in lat
            if native == ("histogram" in lat):
                raise SpecError(self.source, f"slos[{i}].sli.latency", "needs exactly one of histogram (a "
                                "classic histogram: _bucket and _count) or native_histogram (Prometheus 3)")
            return SLI(kind=SLIKind.LATENCY, histogram=lat["native_histogram" if native else "histogram"],
                       selector=lat.get("selector", ""), below=float(lat["below"]), native=native)
        if kind == "probe":
            return SLI(kind=SLIKind.PROBE, probe=raw["probe"])
        return SLI(kind=SLIKind.RAW, raw=raw["raw"])

    def runway(self, rw: dict) -> Runway:
        def alert(level: str) -> RunwayAlert:
            a = rw.get("alerts", {}).get(level, d.RUNWAY_ALERTS[level])
            return RunwayAlert(below=a["below"], for_=a["for"],
                               below_seconds=self.seconds(a["below"], "runway", "alerts", level, "below"))

        def thresholds(key: str) -> tuple[Threshold, ...]:
            default = {"days_to_breach_thresholds": d.DAYS_TO_BREACH_THRESHOLDS,
                       "budget_remaining_thresholds": d.BUDGET_REMAINING_THRESHOLDS}[key]
            return tuple(Threshold(color=t["color"], value=float(t["value"])) for t in rw.get(key, default))

        burn = rw.get("burn_alerts", d.BURN_ALERTS)
        cap = rw.get("cap", d.RUNWAY_CAP)

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
            cap_seconds=self.seconds(cap, "runway", "cap"),
            chart_max_seconds=self.seconds(rw.get("chart_max", d.CHART_MAX), "runway", "chart_max"),
            policy=Policy(rw.get("policy", d.POLICY)), min_errors=rw.get("min_errors", d.MIN_ERRORS),
            hold_seconds=self.seconds(rw.get("hold", d.HOLD), "runway", "hold"),
            page_tiers=tiers("page"), ticket_tiers=tiers("ticket"))

    def grafana(self, g: dict) -> Grafana:
        dash, folder, ds = g.get("dashboard", {}), g.get("folder", {}), g.get("datasource", {})
        return Grafana(
            url=g.get("url", d.GRAFANA_URL), dashboard_uid=dash.get("uid", d.DASHBOARD_UID),
            dashboard_title=dash.get("title", d.DASHBOARD_TITLE), tags=tuple(dash.get("tags", d.DASHBOARD_TAGS)),
            refresh=dash.get("refresh", d.DASHBOARD_REFRESH), time_from=dash.get("time_from", d.DASHBOARD_TIME_FROM),
            folder_uid=folder.get("uid", d.FOLDER_UID), folder_title=folder.get("title", d.FOLDER_TITLE),
            datasource_name=ds.get("name", d.DATASOURCE_NAME), datasource_uid=ds.get("uid", d.DATASOURCE_UID),
            datasource_url=ds.get("url", d.PROMETHEUS_URL), format=g.get("format", d.DASHBOARD_FORMAT))

    def probes(self, p: dict) -> Probes:
        targets = p.get("targets", {})
        return Probes(http=p["http"], tcp=p["tcp"], min_healthy=p["min_healthy"], for_=p.get("for", d.PROBES_FOR),
                      exporter=p.get("exporter", ""), http_targets=tuple(targets.get("http", ())),
                      tcp_targets=tuple(targets.get("tcp", ())), down=self.endpoint_down(p.get("endpoint_down", {})))

    def slack(self, s: dict | None) -> Slack | None:
        if s is None:
            return None
        return Slack(webhook_url_file=s["webhook_url_file"], channel=s.get("channel", ""),
                     severities=tuple(s.get("severities", ("critical", "warning"))))

    def endpoint_down(self, e: dict) -> EndpointDown:
        self.seconds(e.get("for", d.ENDPOINT_DOWN_FOR), "probes", "endpoint_down", "for")
        return EndpointDown(for_=e.get("for", d.ENDPOINT_DOWN_FOR),
                            severity=e.get("severity", d.ENDPOINT_DOWN_SEVERITY),
                            autoheal=e.get("autoheal", False), disable=e.get("disable", False))

    def rules(self, data: dict) -> RuleGroups:
        r, long = data.get("rules", {}), data.get("rules", {}).get("long_windows", {})
        fast = r.get("interval", data.get("prometheus", {}).get("evaluation_interval", d.EVALUATION_INTERVAL))
        slow, start = long.get("interval", d.LONG_WINDOW_INTERVAL), long.get("from", d.LONG_WINDOW_FROM)
        return RuleGroups(interval=fast, interval_seconds=self.seconds(fast, "rules", "interval"),
                          long_interval=slow, long_interval_seconds=self.seconds(slow, "rules", "long_windows",
                                                                                 "interval"),
                          long_from=start, long_from_seconds=self.seconds(start, "rules", "long_windows", "from"),
                          engine=r.get("engine", d.RULES_ENGINE))

    def outputs(self, o: dict) -> Outputs:
        pr, central = o.get("prometheus_rule"), o.get("central_ruler")
        return Outputs(
            rule_files=o.get("rule_files", True),
            prometheus_rule=PrometheusRuleTarget(namespace=pr["namespace"], labels=tuple(pr.get("labels", {}).items()))
            if pr else None,
            central_ruler=CentralRuler(
                flavour=central["flavour"], namespace=central["namespace"],
                local_sli=central.get("place_sli", "local") == "local",
                source_tenants=tuple(central.get("source_tenants", ())),
                partial_response_strategy=central.get("partial_response_strategy", "abort")) if central else None)

    def alertmanager(self, a: dict) -> Alertmanager:
        return Alertmanager(target=a["target"], group_wait=a.get("group_wait", d.AM_GROUP_WAIT),
                            group_interval=a.get("group_interval", d.AM_GROUP_INTERVAL),
                            repeat_interval=a.get("repeat_interval", d.AM_REPEAT_INTERVAL),
                            receivers=tuple(sorted(a.get("receivers", {}).items())),
                            autoheal_token_file=a.get("autoheal_token_file", ""))

    def autoheal(self, a: dict) -> Autoheal:
        stale = a.get("stale_after", d.AUTOHEAL_STALE_AFTER)
        return Autoheal(job=a["job"], target=a["target"], stale_after=stale,
                        stale_after_seconds=self.seconds(stale, "autoheal", "stale_after"),
                        disabled_for=a.get("disabled_for", d.AUTOHEAL_DISABLED_FOR))

    def prometheus(self, pr: dict) -> Prometheus:
        return Prometheus(scrape_interval=pr["scrape_interval"], evaluation_interval=pr["evaluation_interval"],
                          scrape=tuple(ScrapeJob(job=j["job"], targets=tuple(j["targets"]))
                                       for j in pr.get("scrape", ())))
