"""The README and docs say what the code does: commands that run, documented inputs, short README."""

from __future__ import annotations

import re
import shlex

import pytest

from aethervision import spec as spec_mod
from aethervision.cli import main
from aethervision.rules import files as rules

from support.repo import ROOT, SPEC

README = (ROOT / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()


def _code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_the_readme_gets_to_the_point():
    assert len(README.splitlines()) <= 200


def test_every_input_metric_is_documented():
    table = dict(re.findall(r"^\| `([A-Za-z_:]+)` \| (.+) \|$", (ROOT / "docs" / "spec.md").read_text(), re.M))
    assert set(rules.input_metrics(spec_mod.load(SPEC))) <= set(table)


def test_every_command_and_the_exit_codes_are_documented():
    for name in main.commands:
        assert f"aethervision {name}" in README
    for code in ("`0` ok", "`1` bad input", "`2` internal error"):
        assert code in README


def test_the_two_setup_commands_are_in_the_readme_and_makefile():
    for target in ("dashboards", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", MAKEFILE, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def _make_targets() -> list[str]:
    found = set(re.findall(r"`make ([a-z-]+)`", README))
    for block in _code_blocks(README, "sh"):
        found |= set(re.findall(r"^make ([a-z-]+)", block, re.M))
    return sorted(found)


@pytest.mark.parametrize("target", _make_targets())
def test_every_make_target_the_readme_shows_exists(target):
    assert re.search(rf"^{re.escape(target)}:", MAKEFILE, re.M), f"README shows `make {target}`"


def _aethervision_commands() -> list[str]:
    found = set()
    for line in re.findall(r"`(aethervision [^`]+)`", README):
        words = [w for w in shlex.split(re.sub(r"\[.*?\]", "", line))[1:] if not w.startswith("-")]
        found.add(" ".join(words[:1]))
    return sorted(found)


@pytest.mark.parametrize("command", _aethervision_commands())
def test_every_aethervision_command_the_readme_shows_runs(cli, command):
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0, result.output


def test_every_flag_the_readme_shows_exists(cli):
    for line in re.findall(r"`(aethervision [^`]+)`", README):
        words = shlex.split(line.replace("[", " ").replace("]", " ").replace("|", " "))
        command, flags = words[1], [w for w in words if w.startswith("--")]
        if command not in main.commands:
            continue
        help_text = cli(command, "--help").output
        for flag in flags:
            assert flag in help_text, f"README shows `{line}`: {flag} is not an option of {command}"


def test_docs_links_resolve():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+\.md)\)", path.read_text()):
            assert (path.parent / target).is_file(), f"{path.name} links to missing {target}"
