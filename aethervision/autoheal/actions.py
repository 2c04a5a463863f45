"""The autoheal mapping file: alert name -> remediation command.

Commands are argument lists run without a shell; nothing from an alert is
ever substituted into them. Each action has a timeout and a cooldown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jsonschema

from aethervision.core import defaults as d
from aethervision.core import durations
from aethervision.core.errors import SpecError
from aethervision.spec.yamlio import check_schema, read_yaml

VERSION = "aethervision/autoheal/v1"

_DURATION = {"type": "string", "pattern": durations.PATTERN}
_TUNING = {"timeout": _DURATION, "cooldown": _DURATION}
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "actions"],
    "properties": {
        "version": {"const": VERSION},
        "defaults": {"type": "object", "additionalProperties": False, "properties": _TUNING},
        "actions": {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_:]*$"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["command"],
                "properties": {
                    "command": {"type": "array", "minItems": 1,
                                "items": {"type": "string", "minLength": 1}},
                    "description": {"type": "string"},
                    **_TUNING,
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Action:
    alert: str
    command: tuple[str, ...]
    timeout_seconds: int
    cooldown_seconds: int
    description: str = ""

    def as_dict(self) -> dict:
        return {"command": list(self.command), "timeout": durations.format(self.timeout_seconds),
                "cooldown": durations.format(self.cooldown_seconds), "description": self.description}


def load(path: str | Path) -> dict[str, Action]:
    """Read and validate a mapping file; SpecError names the file and field."""
    source = str(path)
    data = read_yaml(Path(path))
    return parse(data, source)


def parse(data, source: str) -> dict[str, Action]:
    if not isinstance(data, dict):
        raise SpecError(source, "", f"must be a YAML mapping with 'version: {VERSION}'")
    check_schema(jsonschema.Draft202012Validator(SCHEMA), data, source, _hint)
    tuning = {"timeout": d.ACTION_TIMEOUT, "cooldown": d.ACTION_COOLDOWN, **data.get("defaults", {})}
    actions = {}
    for alert, entry in sorted(data["actions"].items()):
        timeout, cooldown = (durations.parse(entry.get(key, tuning[key])) for key in ("timeout", "cooldown"))
        if timeout < 1:
            raise SpecError(source, f"actions.{alert}.timeout", "must be at least 1s")
        actions[alert] = Action(alert=alert, command=tuple(entry["command"]), timeout_seconds=timeout,
                                cooldown_seconds=cooldown, description=entry.get("description", ""))
    return actions


def _hint(error: jsonschema.ValidationError) -> str | None:
    """What a command must look like, where the generic wording would not say."""
    if error.validator == "type" and error.validator_value == "array":
        return "must be a list of arguments, e.g. [docker, restart, crm] (no shell string)"
    if error.validator == "minItems":
        return "must list the command and its arguments (got an empty list)"
    return None

