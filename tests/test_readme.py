"""The README documents what the code does: input metrics, commands, exit codes."""

from __future__ import annotations

import re

from aethervision import spec as spec_mod
from aethervision.cli import main
from aethervision.rules import files as rules

from conftest import ROOT, SPEC

README = (ROOT / "README.md").read_text()


def test_every_input_metric_is_documented():
    table = dict(re.findall(r"^\| `([A-Za-z_:]+)` \| (.+) \|$", README, re.M))
    assert set(rules.input_metrics(spec_mod.load(SPEC))) <= set(table)


def test_every_command_and_the_exit_codes_are_documented():
    for name in main.commands:
        assert f"aethervision {name}" in README
    for code in ("`0` ok", "`1` bad input", "`2` internal error"):
        assert code in README


def test_the_two_setup_commands_are_in_the_readme_and_makefile():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("dashboards", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
