"""`python -m bench.importers` (make bench-import): importing 1,000 SLOs of each peer format.

A benchmark, not a test: it writes N Sloth, Pyrra and OpenSLO SLOs (ratio, latency and
grouped alike), times `aethervision import` (read, convert, render, load the result as a
spec) for each, and beside it the real `sloth generate` on the same Sloth file; prints the
figures and writes docs/import-speed.md and .json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aethervision import importers
from aethervision.clients import sloth
from aethervision.importers import files as importing


def sloth_file(n: int) -> str:
    lines = ['version: "prometheus/v1"', 'service: "bench"', "slos:"]
    for i in range(n):
        lines += [f'  - name: "svc{i:04d}-availability"', "    objective: 99.9", "    sli:", "      events:",
                  f"        error_query: sum(rate(http_requests_total{{svc=\"s{i}\",code=~\"5..\"}}[{{{{.window}}}}]))",
                  f"        total_query: sum(rate(http_requests_total{{svc=\"s{i}\"}}[{{{{.window}}}}]))",
                  "    alerting:", f"      name: Svc{i:04d}Availability"]
    return "\n".join(lines) + "\n"


def pyrra_file(n: int) -> str:
    docs = []
    for i in range(n):
        docs.append("\n".join([
            "apiVersion: pyrra.dev/v1alpha1", "kind: ServiceLevelObjective",
            f"metadata: {{name: svc{i:04d}-latency, namespace: bench}}",
            "spec:", '  target: "99"', "  window: 28d", "  indicator:", "    latency:",
            f'      success: {{metric: "http_request_duration_seconds_bucket{{svc=\\"s{i}\\",le=\\"0.5\\"}}"}}',
            f'      total: {{metric: "http_request_duration_seconds_count{{svc=\\"s{i}\\"}}"}}',
            "      grouping: [route]"]))
    return "\n---\n".join(docs) + "\n"


def _q(i: int, errors: bool) -> str:
    selector = f'jobs_total{{svc="s{i}"' + (',result="error"' if errors else "") + "}"
    return json.dumps(selector)


def openslo_file(n: int) -> str:
    docs = []
    for i in range(n):
        docs.append("\n".join([
            "apiVersion: openslo/v1", "kind: SLO", f"metadata: {{name: svc{i:04d}-ratio}}", "spec:",
            "  service: bench", "  indicator:", f"    metadata: {{name: svc{i:04d}}}", "    spec:",
            "      ratioMetric:", "        counter: true",
            f'        bad: {{metricSource: {{type: Prometheus, spec: {{query: {_q(i, True)}}}}}}}',
            f'        total: {{metricSource: {{type: Prometheus, spec: {{query: {_q(i, False)}}}}}}}',
            "  timeWindow: [{duration: 28d, isRolling: true}]", "  budgetingMethod: Occurrences",
            "  objectives: [{target: 0.995}]"]))
    return "\n---\n".join(docs) + "\n"


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return round(time.perf_counter() - started, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importers", description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=1000, help="SLOs per format (1000)")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="where import-speed.md/.json go (docs)")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for fmt, text in (("sloth", sloth_file(args.slos)), ("pyrra", pyrra_file(args.slos)),
                          ("openslo", openslo_file(args.slos))):
            path = Path(tmp, f"{fmt}.yaml")
            path.write_text(text)
            report: list = []
            seconds = timed(lambda p=path, r=report: r.append(importing.run([str(p)], importers.Options())))
            row = {"format": fmt, "slos": report[0].slos, "import_seconds": seconds}
            if fmt == "sloth":
                row["sloth_generate_seconds"] = timed(lambda t=text: sloth.generate(t, timeout=600))
            rows.append(row)
            beside = f"   (sloth generate, same file: {row['sloth_generate_seconds']:.2f} s)" if fmt == "sloth" else ""
            print(f"import: {fmt:<8} {row['slos']:>5} SLOs in {seconds:.2f} s{beside}")
    cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True,
                         text=True, check=False).stdout.strip()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "import-speed.json").write_text(json.dumps({"cpu": cpu, "rows": rows}, indent=2) + "\n")
    lines = ["# Import speed", "", "Made by `make bench-import` (`python -m bench.importers`); do not edit by hand.",
             f"Machine: {cpu}. Each run reads the file, converts every document, renders the spec and loads it "
             "with the spec loader (what `aethervision import` does before writing).", "",
             "| format | SLOs | aethervision import | sloth generate (same file) |", "|---|---|---|---|"]
    for r in rows:
        peer = f"{r['sloth_generate_seconds']:.2f} s" if "sloth_generate_seconds" in r else "—"
        lines.append(f"| {r['format']} | {r['slos']:,} | {r['import_seconds']:.2f} s | {peer} |")
    (args.out / "import-speed.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out / 'import-speed.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
