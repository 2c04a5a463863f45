"""Run the real promtool: rule files and bare PromQL expressions."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import yaml

from .errors import ToolMissing

INSTALL_HINT = ("install Debian's prometheus package (apt-get install prometheus), "
                "or point PROMTOOL at the binary")
# Grafana's macros are not PromQL; give them plausible values before parsing.
GRAFANA_MACROS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def find() -> str:
    """Path of promtool (PROMTOOL env wins); ToolMissing when absent."""
    path = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if not path:
        raise ToolMissing(f"promtool not found: {INSTALL_HINT}")
    return path


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([find(), *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def check_rules(*paths: Path) -> list[str]:
    """`promtool check rules`; returns problems (empty when every file passes)."""
    result = run("check", "rules", *map(str, paths))
    if result.returncode == 0:
        return []
    lines = (result.stdout + result.stderr).strip().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("Checking ")]


def expand_macros(expr: str) -> str:
    for macro, value in GRAFANA_MACROS.items():
        expr = expr.replace(macro, value)
    return expr


def check_expressions(exprs: dict[str, str]) -> list[str]:
    """Parse each expression with promtool; problems are keyed by their label."""
    if not exprs:
        return []
    with tempfile.TemporaryDirectory(prefix="aethervision-promql-") as tmp:
        def rule_file(items: dict[str, str], name: str) -> Path:
            rules = [{"record": f"aethervision_check:expr_{i}", "expr": expand_macros(e)}
                     for i, e in enumerate(items.values())]
            path = Path(tmp, name)
            path.write_text(yaml.safe_dump({"groups": [{"name": "check", "rules": rules}]}))
            return path

        if not check_rules(rule_file(exprs, "all.yml")):
            return []
        # Something failed: check one by one to say which expression it was.
        problems = []
        for i, (label, expr) in enumerate(exprs.items()):
            found = check_rules(rule_file({label: expr}, f"one-{i}.yml"))
            if found:
                detail = found[-1].split("could not parse expression:")[-1].strip()
                problems.append(f"{label}: PromQL does not parse: {detail}")
        return problems
