"""Load aethervision.yaml: YAML -> jsonschema -> semantic checks -> frozen model."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import durations
from .errors import SpecError
from .model import (
    SLI, SLO, Autoheal, BurnTier, Grafana, Probes, Prometheus, Runway, RunwayAlert,
    ScrapeJob, Spec, Threshold,
)

VERSION = "aethervision/v1"
DEFAULT_PATH = "aethervision.yaml"
# The SRE Workbook's multiwindow, multi-burn-rate thresholds (as Sloth generates
# them), with short windows of at most 30m so every alert resets within 30
# minutes of recovery and each window is several samples wide.
DEFAULT_BURN_ALERTS = {
    "page": [{"long": "1h", "short": "10m", "factor": 14.4}, {"long": "6h", "short": "30m", "factor": 6}],
    "ticket": [{"long": "1d", "short": "30m", "factor": 3}, {"long": "3d", "short": "30m", "factor": 1}],
}
DEFAULT_MIN_ERRORS = 3


def schema() -> dict[str, Any]:
    """The JSON Schema of the spec (shipped with the package)."""
    text = resources.files("aethervision").joinpath("spec.schema.json").read_text("utf-8")
    return json.loads(text)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys instead of keeping the last."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path):
    """Parse a YAML file strictly (duplicate keys refused); SpecError names the file."""
    source = str(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise SpecError(source, "", "file not found") from None
    except OSError as exc:
        raise SpecError(source, "", f"cannot read: {exc.strerror}") from None
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str):
    """YAML text to data with line/column in errors."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - safe subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(source, where, f"malformed YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(source, "", f"malformed YAML: {exc}") from None


def load(path: str | Path = DEFAULT_PATH) -> Spec:
    """Read, validate and freeze a spec file; SpecError names file and field."""
    path = Path(path)
    return _from_data(read_yaml(path), str(path))


def parse(text: str, source: str = DEFAULT_PATH) -> Spec:
    """Validate spec text and build the frozen model."""
    return _from_data(parse_yaml(text, source), source)


def _from_data(data, source: str) -> Spec:
    if not isinstance(data, dict):
        raise SpecError(source, "", "must be a YAML mapping with 'version: aethervision/v1'")
    _check_schema(data, source)
    _check_semantics(data, source)
    return _build(data, source)


def field_path(parts) -> str:
    """['slos', 0, 'objective'] -> 'slos[0].objective'."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error: jsonschema.ValidationError) -> tuple[list, str]:
    """A short, human message for the first-class schema failures."""
    path, v, kind = list(error.absolute_path), error.validator_value, error.validator
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return path + [extra[0]], f"unknown key (allowed here: {allowed})"
    if kind == "required":
        missing = [k for k in v if k not in error.instance]
        return path + [missing[0]], "required key is missing"
    messages = {
        "exclusiveMaximum": f"must be < {v}",
        "exclusiveMinimum": f"must be > {v}",
        "maximum": f"must be <= {v}",
        "minimum": f"must be >= {v}",
        "const": f"must be {v!r}",
        "type": f"must be of type {v}",
        "minItems": f"must have at least {v} item(s)",
        "minLength": "must not be empty",
        "enum": f"must be one of {v}",
    }
    if kind == "pattern":
        hint = {
            durations.PATTERN: "a duration such as 30s, 15m, 6h or 30d",
        }.get(v, f"matching {v}")
        return path, f"must be {hint} (got {error.instance!r})"
    return path, messages.get(kind, error.message)


def _check_schema(data: dict, source: str) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        # The deepest error is the most specific; report it first.
        first = max(errors, key=lambda e: len(e.absolute_path))
        path, message = _message(first)
        raise SpecError(source, field_path(path), message)


def _duration(data: dict, source: str, path: list, default: str | None = None) -> int:
    value = data
    for part in path:
        value = value.get(part, default) if isinstance(value, dict) else value[part]
    try:
        return durations.parse(value)
    except ValueError as exc:
        raise SpecError(source, field_path(path), str(exc)) from None


def _check_semantics(data: dict, source: str) -> None:
    names: dict[str, int] = {}
    for i, slo in enumerate(data["slos"]):
        if slo["name"] in names:
            raise SpecError(source, f"slos[{i}].name",
                            f"duplicate SLO name {slo['name']!r} (also slos[{names[slo['name']]}])")
        names[slo["name"]] = i
        if _duration(data, source, ["slos", i, "window"]) < 3600:
            raise SpecError(source, f"slos[{i}].window", "must be at least 1h")
    for key in ("days_to_breach_thresholds", "budget_remaining_thresholds"):
        steps = data["runway"][key]
        for i in range(1, len(steps)):
            if steps[i]["value"] <= steps[i - 1]["value"]:
                raise SpecError(
                    source, f"runway.{key}[{i}].value",
                    f"thresholds must be in ascending order ({steps[i]['value']} follows "
                    f"{steps[i - 1]['value']})")
    alerts = ["runway", "alerts"]
    warn = _duration(data, source, alerts + ["warning", "below"])
    crit = _duration(data, source, alerts + ["critical", "below"])
    if crit >= warn:
        raise SpecError(source, "runway.alerts.critical.below",
                        "must be shorter than runway.alerts.warning.below")
    if _duration(data, source, ["runway", "cap"]) <= warn:
        raise SpecError(source, "runway.cap", "must be longer than runway.alerts.warning.below")
    shortest_window = min(_duration(data, source, ["slos", i, "window"]) for i in range(len(data["slos"])))
    for severity, tiers in data["runway"].get("burn_alerts", {}).items():
        for i, tier in enumerate(tiers):
            where = ["runway", "burn_alerts", severity, i]
            long, short = (_duration(data, source, where + [k]) for k in ("long", "short"))
            if not 60 <= short < long:
                raise SpecError(source, field_path(where + ["short"]),
                                f"must be at least 1m and shorter than long ({tier['long']})")
            if long > shortest_window:
                raise SpecError(source, field_path(where + ["long"]), "must not exceed the SLO window")


def _build(data: dict, source: str) -> Spec:
    def seconds(*path, default=None):
        return _duration(data, source, list(path), default)

    slos = tuple(
        SLO(
            name=s["name"], service=s["service"], title=s.get("title", s["name"]),
            description=s.get("description", ""), objective=float(s["objective"]),
            window=s["window"], window_seconds=seconds("slos", i, "window"),
            sli=SLI(errors=s["sli"]["errors"], total=s["sli"]["total"]),
            runbook_url=s.get("runbook_url", ""),
        )
        for i, s in enumerate(data["slos"])
    )
    rw = data["runway"]

    def alert(level: str) -> RunwayAlert:
        a = rw["alerts"][level]
        return RunwayAlert(below=a["below"], below_seconds=seconds("runway", "alerts", level, "below"),
                           for_=a["for"])

    def thresholds(key: str) -> tuple[Threshold, ...]:
        return tuple(Threshold(color=t["color"], value=float(t["value"])) for t in rw[key])

    burn = rw.get("burn_alerts", DEFAULT_BURN_ALERTS)

    def tiers(severity: str) -> tuple[BurnTier, ...]:
        return tuple(BurnTier(long=t["long"], short=t["short"], factor=float(t["factor"]),
                              long_seconds=durations.parse(t["long"]),
                              short_seconds=durations.parse(t["short"])) for t in burn[severity])

    runway = Runway(
        warning=alert("warning"), critical=alert("critical"),
        days_to_breach_thresholds=thresholds("days_to_breach_thresholds"),
        budget_remaining_thresholds=thresholds("budget_remaining_thresholds"),
        cap_seconds=seconds("runway", "cap"),
        chart_max_seconds=seconds("runway", "chart_max", default="72h"),
        policy=rw.get("policy", "aethervision"), min_errors=rw.get("min_errors", DEFAULT_MIN_ERRORS),
        page_tiers=tiers("page"), ticket_tiers=tiers("ticket"),
    )
    g = data["grafana"]
    dash = g["dashboard"]
    grafana = Grafana(
        url=g.get("url", "http://localhost:3000"), dashboard_uid=dash["uid"],
        dashboard_title=dash["title"], tags=tuple(dash.get("tags", ())),
        refresh=dash.get("refresh", "1m"), time_from=dash.get("time_from", "24h"),
        folder_uid=g["folder"]["uid"], folder_title=g["folder"]["title"],
        datasource_name=g["datasource"]["name"], datasource_uid=g["datasource"]["uid"],
        datasource_url=g["datasource"]["url"],
    )
    p = data["probes"]
    probes = Probes(http=p["http"], tcp=p["tcp"], min_healthy=p["min_healthy"], for_=p.get("for", "10m"))
    a = data["autoheal"]
    autoheal = Autoheal(
        job=a["job"], target=a["target"], stale_after=a.get("stale_after", "24h"),
        stale_after_seconds=seconds("autoheal", "stale_after", default="24h"),
        disabled_for=a.get("disabled_for", "10m"),
    )
    pr = data["prometheus"]
    prometheus = Prometheus(
        scrape_interval=pr["scrape_interval"], evaluation_interval=pr["evaluation_interval"],
        scrape=tuple(ScrapeJob(job=j["job"], targets=tuple(j["targets"])) for j in pr.get("scrape", ())),
    )
    return Spec(source=source, slos=slos, runway=runway, grafana=grafana, probes=probes,
                autoheal=autoheal, prometheus=prometheus)
