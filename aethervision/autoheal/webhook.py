"""Alertmanager's webhook payload (version 4), validated before anything acts on it."""

from __future__ import annotations

from dataclasses import dataclass

import jsonschema

from aethervision.spec.yamlio import schema_problems

_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
SCHEMA = {
    "type": "object",
    "required": ["version", "status", "alerts"],
    "properties": {
        "version": {"const": "4"},
        "status": {"enum": ["firing", "resolved"]},
        "receiver": {"type": "string"},
        "groupKey": {"type": "string"},
        "truncatedAlerts": {"type": "integer", "minimum": 0},
        "groupLabels": _STRINGS,
        "commonLabels": _STRINGS,
        "commonAnnotations": _STRINGS,
        "externalURL": {"type": "string"},
        "alerts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["status", "labels"],
                "properties": {
                    "status": {"enum": ["firing", "resolved"]},
                    "labels": {**_STRINGS, "required": ["alertname"]},
                    "annotations": _STRINGS,
                    "startsAt": {"type": "string"},
                    "endsAt": {"type": "string"},
                    "fingerprint": {"type": "string"},
                    "generatorURL": {"type": "string"},
                },
            },
        },
    },
}
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


class MalformedPayload(ValueError):
    """The body is not an Alertmanager v4 webhook payload."""


@dataclass(frozen=True)
class Alert:
    name: str
    status: str
    autoheal: bool  # label or annotation autoheal="true"
    fingerprint: str


def parse(data) -> list[Alert]:
    """The alerts of a webhook payload; MalformedPayload names the first bad field."""
    problems = schema_problems(_VALIDATOR, data, limit=1)
    if problems:
        where, message = problems[0]
        raise MalformedPayload(f"{where or 'payload'}: {message}")
    alerts = []
    for item in data["alerts"]:
        labels, annotations = item["labels"], item.get("annotations", {})
        flag = labels.get("autoheal", annotations.get("autoheal", ""))
        alerts.append(Alert(name=labels["alertname"], status=item["status"],
                            autoheal=flag.strip().lower() == "true",
                            fingerprint=item.get("fingerprint", "")))
    return alerts
