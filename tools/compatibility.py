"""docs/compatibility.md from the engine results of the last test run (never typed by hand).

    python tools/compatibility.py [--results build/engine-results.json] [--out docs/compatibility.md]

tests/conftest.py records, per engine and test module, how many tests passed and
failed, and the version each engine's binary reports; this turns that into a table.
Exit 1 when the results are missing or any engine test failed (the table is still written).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Test module -> what it shows about an engine, in the order of the table's columns.
CHECKS = {
    "test_rules_scenarios": "rule scenarios (promtool test rules)",
    "test_sli_scenarios": "SLI kind scenarios (promtool)",
    "test_engines_agree": "every recording rule vs Prometheus 3 on the same data",
    "test_native_and_utf8": "native histograms, UTF-8 names",
    "test_sloth_agrees": "Sloth's recorded ratios, same data",
    "test_import_equivalence": "imported SLOs vs sloth generate",
    "test_new_series": "first-hour figures",
    "test_endpoint_down": "endpoint-down alerts",
}
LIVE = "other tests with servers or promtool (demo, backtest, live SLIs, ...)"
ENGINE_NAMES = {
    "prometheus-3": "Prometheus (pinned build)", "prometheus-2": "Prometheus (Debian bookworm)",
    "victoriametrics": "VictoriaMetrics (pinned build)", "victoriametrics-debian": "VictoriaMetrics (Debian bookworm)",
    "alertmanager": "Alertmanager (pinned build)", "sloth": "Sloth (pinned build)",
    "default": "the default build (.servers/bin): every other test",
}


def _cell(counts: dict) -> str:
    parts = [f"{counts[k]} {k}" for k in ("passed", "failed", "skipped") if counts.get(k)]
    return ", ".join(parts) or ""


def render(data: dict) -> tuple[str, bool]:
    table: dict[str, dict[str, dict]] = {}
    failed = False
    for row in data["results"]:
        column = CHECKS.get(row["module"], LIVE)
        cell = table.setdefault(row["engine"], {}).setdefault(column, {})
        for key in ("passed", "failed", "skipped"):
            cell[key] = cell.get(key, 0) + row.get(key, 0)
        failed |= bool(row.get("failed"))
    columns = [c for c in [*CHECKS.values(), LIVE] if any(c in cells for cells in table.values())]
    lines = ["# Compatibility: engines and versions tested", "",
             f"Made by `make compatibility` from the engine results of the test run of {data['at']} "
             "(`build/engine-results.json`, written by `make test`); not typed. Each cell counts that "
             "run's tests on the engine: every rule scenario and SLI scenario runs with the same "
             "expectations on each promtool; the engines-agree test compares every recording rule's "
             "answer with the pinned Prometheus 3 on the same data (within 1%).", "",
             "| engine | version | " + " | ".join(columns) + " |",
             "|---|---|" + "---|" * len(columns)]
    versions = data.get("versions", {})
    for engine in sorted(table, key=lambda e: list(ENGINE_NAMES).index(e) if e in ENGINE_NAMES else 99):
        version = versions.get(engine, {}).get("version", "") or "?"
        if engine == "default":
            version = f"{version} ({Path(versions.get(engine, {}).get('binary', '?')).name})"
        cells = [_cell(table[engine].get(c, {})) for c in columns]
        lines.append(f"| {ENGINE_NAMES.get(engine, engine)} | {version} | " + " | ".join(cells) + " |")
    lines += ["", "Also run by the tests: " + ", ".join(
        f"{ENGINE_NAMES.get(e, e)} {v.get('version') or '?'}" for e, v in sorted(versions.items())
        if e not in table) + ".", ""]
    return "\n".join(lines), failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=ROOT / "build" / "engine-results.json")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "compatibility.md")
    args = parser.parse_args(argv)
    if not args.results.is_file():
        print(f"compatibility: {args.results} not found: run `make test` first", file=sys.stderr)
        return 1
    text, failed = render(json.loads(args.results.read_text()))
    args.out.write_text(text)
    print(f"compatibility: wrote {args.out}" + (" (some engine tests failed)" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
