"""docs/architecture.md and docs/architecture.png from the code itself (never typed by hand).

    python tools/architecture.py [--check]

The layers come from the import-linter contract in pyproject.toml (what `make test` enforces);
what each package holds from the first paragraph of its own docstring, which also states what
it may import (an `Imports:` line, checked against the contract). `--check` writes nothing and
exits 1 when the docs or a docstring disagree with the code (tests/test_architecture.py runs it).
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC, PICTURE = ROOT / "docs" / "architecture.md", ROOT / "docs" / "architecture.png"
CONTRACT = "Layers, each importing only the ones below it"
TOP_LEVEL = {"builder", "dashboards", "panels"}  # the design card's folders, symlinked into aethervision/

FOOTER = """\
`panels/`, `dashboards/` and `builder/` sit at the top of the repository (the design card's
shape), symlinked into `aethervision/`. `provisioning/` is generated and committed;
`tests/golden/` holds spec-in, provisioning-out pairs (`make golden`); `bench/` the
benchmarks; `deploy/` the compose file. `tools/servers.py` builds the pinned servers
(`make servers`), `tools/compatibility.py` writes docs/compatibility.md from the test results,
and this page is written by `tools/architecture.py` (`make architecture`).
"""


def layers() -> list[list[str]]:
    """The contract's layers, top first: each a list of package names (without `aethervision.`)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["name"] == CONTRACT)
    return [[p.strip().removeprefix("aethervision.") for p in layer.split("|")] for layer in contract["layers"]]


def packages() -> list[str]:
    return sorted(p.name for p in (ROOT / "aethervision").iterdir() if (p / "__init__.py").exists())


def docstring(package: str) -> str:
    tree = ast.parse((ROOT / "aethervision" / package / "__init__.py").read_text())
    return ast.get_docstring(tree) or ""


def may_import(package: str, stack: list[list[str]]) -> list[str]:
    """Every package in a layer below `package`'s, top first."""
    below = next(i for i, layer in enumerate(stack) if package in layer) + 1
    return [p for layer in stack[below:] for p in layer]


def imports_line(package: str, stack: list[list[str]]) -> str:
    allowed = may_import(package, stack)
    return "Imports: " + (", ".join(allowed) if allowed else "nothing of AetherVision") + "."


def holds(package: str) -> str:
    """The docstring's first paragraph, on one line."""
    return " ".join(docstring(package).split("\n\n")[0].split())


def problems() -> list[str]:
    """What disagrees between the packages, their docstrings and the contract."""
    stack, found = layers(), packages()
    named = [p for layer in stack for p in layer]
    out = [f"aethervision/{p}: in no layer of the contract (pyproject.toml)" for p in found if p not in named]
    out += [f"pyproject.toml: layer {p} is not a package under aethervision/" for p in named if p not in found]
    for p in found:
        if p in named and imports_line(p, stack) not in " ".join(docstring(p).split()):
            out.append(f"aethervision/{p}/__init__.py: the docstring must say `{imports_line(p, stack)}`")
    return out


def markdown() -> str:
    stack = layers()
    lines = ["# Architecture: the layers and where things live", "",
             "Written by `tools/architecture.py` from the import-linter contract (`pyproject.toml`, enforced by "
             "`make test`) and each package's docstring; `tests/test_architecture.py` fails when they disagree. "
             "Each layer imports only the layers below it; packages side by side in a layer do not import each "
             "other.", "", "![The layers](architecture.png)", "",
             "| layer | package | holds | may import |", "|---|---|---|---|"]
    for i, layer in enumerate(stack, 1):
        for p in layer:
            where = f"`{p}/`" if p in TOP_LEVEL else f"`aethervision/{p}/`"
            text = holds(p).replace("|", "\\|")
            lines.append(f"| {i} | {where} | {text} | {', '.join(may_import(p, stack)) or '—'} |")
    return "\n".join(lines) + "\n\n" + FOOTER


def picture() -> bytes:
    """The layers as boxes, top first (PNG, byte-identical for the same input)."""
    import matplotlib  # noqa: PLC0415 (only this command draws)

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415

    stack = layers()
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(stack) + 0.6), dpi=100)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, len(stack))
    ax.axis("off")
    for row, layer in enumerate(stack):
        y = len(stack) - row - 1
        width = 0.98 / len(layer)
        for col, p in enumerate(layer):
            x = 0.01 + col * width
            color = "#f2d7a6" if p in TOP_LEVEL else "#cfe2f3"
            ax.add_patch(plt.Rectangle((x + 0.005, y + 0.1), width - 0.01, 0.8, facecolor=color, edgecolor="#33475b"))
            ax.text(x + width / 2, y + 0.5, p, ha="center", va="center", fontsize=10, family="DejaVu Sans")
    ax.set_title("AetherVision: each layer imports only the layers below it (import-linter)", fontsize=10)
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the docs are out of date")
    args = parser.parse_args()
    issues = problems()
    text, png = markdown(), picture()
    if args.check:
        if DOC.read_text() != text:
            issues.append(f"{DOC.relative_to(ROOT)} is out of date: run `make architecture`")
        if not PICTURE.exists() or PICTURE.read_bytes() != png:
            issues.append(f"{PICTURE.relative_to(ROOT)} is out of date: run `make architecture`")
    else:
        DOC.write_text(text)
        PICTURE.write_bytes(png)
        print(f"wrote {DOC.relative_to(ROOT)}, {PICTURE.relative_to(ROOT)}")
    for issue in issues:
        print(issue, file=sys.stderr)
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())
