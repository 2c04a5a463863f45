"""Run the real promtool: rule files, bare PromQL expressions, and the unit-test files it reads."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import yaml

from aethervision.clients import servers
from aethervision.core.errors import ToolMissing
from aethervision.core.files import load_yaml

INSTALL_HINT = ("`make servers` builds it into .servers/, or install Debian's prometheus package "
                "(apt-get install prometheus), or point PROMTOOL at the binary")
# Grafana's macros are not PromQL; give them plausible values before parsing.
GRAFANA_MACROS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def find() -> str:
    """Path of promtool (PROMTOOL env wins); ToolMissing when absent."""
    path = servers.locate("promtool")
    if not path:
        raise ToolMissing(f"promtool not found: {INSTALL_HINT}")
    return path


def run(*args: str, timeout: float = 120, binary: str | None = None) -> subprocess.CompletedProcess:
    """promtool with `args`; `binary` picks one build (the engine matrix), else find()."""
    return subprocess.run([binary or find(), *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def check_rules(*paths: Path) -> list[str]:
    """`promtool check rules`; returns problems (empty when every file passes)."""
    result = run("check", "rules", *map(str, paths))
    if result.returncode == 0:
        return []
    lines = (result.stdout + result.stderr).strip().splitlines()
    # Only the failures: "Checking x" and "SUCCESS: N rules found" of the files that passed are not problems.
    return [line.strip() for line in lines
            if line.strip() and not line.startswith("Checking ") and not line.strip().startswith("SUCCESS:")]


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


def counter_values(runs: Iterable[tuple[float, int]]) -> str:
    """promtool's expanding notation for a counter that starts at 0 and then grows by
    `increment` for `count` samples, run after run: [(5, 3), (7, 2)] -> '0 5+5x2 22+7x1'.

    promtool expands 'a+bxn' by adding b to a n times; the running value is computed
    the same way here and written exactly (repr), since a rounded start
    (2.67572e+07 for 26757216) would read as a counter reset.
    """
    tokens, value = ["0"], 0
    for increment, count in runs:
        if count <= 0:
            continue
        start = value + increment
        tokens.append(f"{start!r}+{increment!r}x{count - 1}")
        value = start
        for _ in range(count - 1):
            value += increment
    return " ".join(tokens)


def group_order(rule_files: list[Path]) -> list[str]:
    """Groups in file order. Without `group_eval_order` promtool evaluates groups in
    random (Go map) order, and an alert may read the previous step's recorded value."""
    return [g["name"] for path in rule_files for g in load_yaml(path.read_text())["groups"]]


def unit_test_document(rule_files: list[Path], evaluation_interval: str, tests: list[dict],
                       group_eval_order: list[str] | None = None) -> dict:
    """A `promtool test rules` file: the rule files, evaluated in order, and the test cases."""
    return {"rule_files": [str(p) for p in rule_files], "evaluation_interval": evaluation_interval,
            "group_eval_order": group_order(rule_files) if group_eval_order is None else group_eval_order,
            "tests": tests}
