"""docs/architecture.md cannot drift: it is written from the import contract and the packages'
docstrings (tools/architecture.py), and each docstring says what its package may import."""

from __future__ import annotations

import subprocess
import sys

from support.repo import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import architecture  # noqa: E402


def test_every_package_is_in_one_layer_and_says_what_it_may_import():
    assert architecture.problems() == []


def test_the_docs_and_the_picture_match_the_code():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "architecture.py"), "--check"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr


def test_the_check_names_a_package_whose_docstring_is_wrong(monkeypatch):
    real = architecture.docstring

    def wrong(package: str) -> str:
        text = real(package)
        return text.replace("Imports: spec,", "Imports: clients, spec,") if package == "rules" else text

    monkeypatch.setattr(architecture, "docstring", wrong)
    assert architecture.problems() == [
        "aethervision/rules/__init__.py: the docstring must say `Imports: spec, promql, core.`"]


def test_the_table_holds_each_package_with_its_layer():
    text = architecture.markdown()
    assert "| 1 | `aethervision/cli/` |" in text and "| 7 | `builder/` |" in text
    assert "| 13 | `aethervision/core/` | The foundation:" in text
