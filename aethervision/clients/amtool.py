"""Run the real amtool: `amtool check-config` on a generated alertmanager.yml."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from aethervision.clients import servers


def find() -> str | None:
    """amtool of the pinned Alertmanager (`make servers`), else PATH; None when absent."""
    return servers.locate("amtool")


def check_config(text: str, binary: str, beside: dict[str, str] | None = None) -> str:
    """amtool's complaint about an Alertmanager config (the text after FAILED:), "" if it loads;
    `beside`: files next to it (the notification templates it names), checked with it."""
    with tempfile.TemporaryDirectory(prefix="aethervision-am-") as tmp:
        path = Path(tmp, "alertmanager.yml")
        path.write_text(text, "utf-8")
        for name, content in (beside or {}).items():
            Path(tmp, name).write_text(content, "utf-8")
        result = subprocess.run([binary, "check-config", str(path)], capture_output=True, text=True,
                                timeout=60, check=False, stdin=subprocess.DEVNULL)
    if result.returncode == 0:
        return ""
    output = result.stdout.replace(str(path), "alertmanager.yml")
    if "FAILED:" not in output:
        return _no_urls((output + result.stderr).strip())
    # "Checking ... FAILED: yaml: unmarshal errors:" and the indented lines that say what.
    failed = output.split("FAILED:", 1)[1]
    return _no_urls(" ".join(line.strip() for line in failed.splitlines() if line.strip()))


def _no_urls(text: str) -> str:
    """A webhook URL is a secret (Slack's carries its token in the path): never echo one."""
    return re.sub(r"\w+://[^\s\"']+", "<url>", text)
