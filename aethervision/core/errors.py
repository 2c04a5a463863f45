"""Typed errors. The CLI maps them to exit codes: user errors 1, the rest 2."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(\w+://)[^/@\s]+@")
_QUERY = re.compile(r"(\w+://[^\s?#]*\?)([^\s#]*)")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Hide credentials in a message: URL userinfo, URL query values, and known secrets.

    Query values go too because tokens travel there (`?token=...`, `?api_key=...`)
    and nothing a message needs to say depends on them.
    """
    text = _USERINFO.sub(r"\1***@", text)
    text = _QUERY.sub(lambda m: m.group(1) + re.sub(r"=[^&;]*", "=***", m.group(2)), text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class AetherVisionError(Exception):
    """Base class for every error AetherVision raises on purpose."""

    exit_code = 2


class UserError(AetherVisionError):
    """Bad input or a failed check: the user can fix it. Exit code 1."""

    exit_code = 1


def located(source: str, field: str, message: str) -> str:
    """'file: field: message', the one wording of every input error."""
    return f"{source}: {field}: {message}" if field else f"{source}: {message}"


class SpecError(UserError):
    """Problems in an input file, each located by file and field path.

    `field` and `message` are the first problem; `problems` lists all of them
    (a schema check reports every violation at once, not only the first).
    """

    def __init__(self, source: str, field: str, message: str,
                 more: list[tuple[str, str]] | tuple = ()):
        self.source = source
        self.field = field
        self.message = message
        self.problems = [(field, message), *more]
        super().__init__("\n".join(located(source, f, m) for f, m in self.problems))


class ValidationFailed(UserError):
    """Generated output failed validation; `problems` lists each finding."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class ToolMissing(UserError):
    """An external tool (promtool, prometheus) is not installed."""


class NetworkError(AetherVisionError):
    """Grafana or Prometheus unreachable or failing after retries. Exit code 2."""
