"""The experiments file (chaos/experiments.yaml): what each experiment breaks and expects.

Three kinds of injection, each with its own restore:
  stop: NAME                          stop a recorded demo process (TCP down); restore: start it
  http_status: {target: NAME, status} make crm-api's health check answer `status`; restore: 200
  error_ratio: R                      the simulator fails R of the payments; restore: the ratio before
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jsonschema

from aethervision.core import durations
from aethervision.core.errors import SpecError
from aethervision.spec.yamlio import check_schema, read_yaml

VERSION = "aethervision/chaos/v1"
DEFAULT_DEADLINE = "5m"
DEFAULT_RECOVERY = "5m"

_DURATION = {"type": "string", "pattern": durations.PATTERN}
_NAME = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["version", "experiments"],
    "properties": {
        "version": {"const": VERSION},
        "experiments": {
            "type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[a-z0-9][a-z0-9-]*$"},
            "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["inject", "expect"],
                "properties": {
                    "description": {"type": "string"},
                    "inject": {
                        "type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
                        "properties": {
                            "stop": _NAME,
                            "http_status": {"type": "object", "additionalProperties": False,
                                            "required": ["target", "status"],
                                            "properties": {"target": _NAME,
                                                           "status": {"type": "integer", "minimum": 400,
                                                                      "maximum": 599}}},
                            "error_ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                        },
                    },
                    "expect": {
                        "type": "object", "additionalProperties": False, "required": ["alert"],
                        "properties": {"alert": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_:]*$"},
                                       "notification": {"type": "boolean"},
                                       "autoheal": {"type": "boolean"}},
                    },
                    "deadline": _DURATION,
                    "recovery": _DURATION,
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    kind: str  # stop | http_status | error_ratio
    target: str  # the demo process (stop, http_status) or "simulator"
    value: float  # the HTTP status, or the error ratio; 0 for stop
    alert: str
    notification: bool  # Alertmanager must hold the alert (routed to its receivers)
    autoheal: bool  # autoheal must run the mapped action
    deadline_seconds: int  # injection -> alert, notification, action
    recovery_seconds: int  # restore -> alert resolved, probes up, runway back


def load(path: Path) -> dict[str, Experiment]:
    """Read and validate an experiments file; SpecError names the file, experiment and field."""
    data = read_yaml(path)
    source = str(path)
    if not isinstance(data, dict):
        raise SpecError(source, "", f"must be a YAML mapping with 'version: {VERSION}'")
    check_schema(jsonschema.Draft202012Validator(SCHEMA), data, source, _hint)
    out = {}
    for name, entry in sorted(data["experiments"].items()):
        (kind, arg), = entry["inject"].items()
        if kind == "stop":
            target, value = arg, 0.0
        elif kind == "http_status":
            target, value = arg["target"], float(arg["status"])
        else:
            target, value = "simulator", float(arg)
        expect = entry["expect"]
        deadline = durations.parse(entry.get("deadline", DEFAULT_DEADLINE))
        recovery = durations.parse(entry.get("recovery", DEFAULT_RECOVERY))
        for field, seconds in (("deadline", deadline), ("recovery", recovery)):
            if seconds < 1:
                raise SpecError(source, f"experiments.{name}.{field}", "must be at least 1s")
        out[name] = Experiment(name=name, description=entry.get("description", ""), kind=kind, target=target,
                               value=value, alert=expect["alert"], notification=expect.get("notification", True),
                               autoheal=expect.get("autoheal", False), deadline_seconds=deadline,
                               recovery_seconds=recovery)
    return out


def _hint(error: jsonschema.ValidationError) -> str | None:
    if error.validator in ("minProperties", "maxProperties") and list(error.path)[-1:] == ["inject"]:
        return "must hold exactly one of stop, http_status, error_ratio"
    return None


def get(experiments: dict[str, Experiment], name: str, source: Path) -> Experiment:
    if name not in experiments:
        raise SpecError(str(source), f"experiments.{name}",
                        f"no such experiment (the file has {', '.join(experiments)})")
    return experiments[name]
