"""Typed errors. The CLI maps them to exit codes: user errors 1, the rest 2."""

from __future__ import annotations

import re


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Hide URL userinfo and any known secret in a message."""
    text = re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text)
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


class SpecError(UserError):
    """A problem in the spec file, located by file and field path."""

    def __init__(self, source: str, field: str, message: str):
        self.source = source
        self.field = field
        self.message = message
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {message}")


class ValidationFailed(UserError):
    """Generated output failed validation; `problems` lists each finding."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class ToolMissing(UserError):
    """An external tool (promtool, prometheus) is not installed."""


class NetworkError(AetherVisionError):
    """Grafana or Prometheus unreachable or failing after retries. Exit code 2."""
