"""`python -m bench.cost` (make bench-cost): three rule sets for the same SLOs on a real Prometheus.

A benchmark, not a test: it prints what it measured and writes docs/cost.md and
docs/cost.json. Each SLO count gets a fresh TSDB in --workdir: 30 days of history
imported with promtool, continued live by an exporter in this process.
"""

from __future__ import annotations

import argparse
import http.server
import shutil
import sys
import threading
import time
from pathlib import Path

from aethervision.core import durations
from bench.cost import data, measure, report, rulesets


class _Exporter(http.server.BaseHTTPRequestHandler):
    """The live continuation of the imported counters, scraped by the measuring Prometheus."""
    slos, start = 0, 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = data.exposition(self.slos, self.start, time.time()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def run(slos: int, workdir: Path, say=print) -> dict:
    window = durations.parse(rulesets.WINDOW)
    say(f"cost: {slos} SLOs")
    started = time.monotonic()
    end = int(time.time()) // data.SCRAPE * data.SCRAPE
    handler = type("Exporter", (_Exporter,), {"slos": slos, "start": data.history_start(end, window)})
    exporter = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    address = f"127.0.0.1:{exporter.server_address[1]}"
    shutil.rmtree(workdir / f"tsdb-{slos}", ignore_errors=True)
    (workdir / f"tsdb-{slos}").mkdir(parents=True)
    history = data.History(slos, data.history_start(end, window), end, workdir / f"tsdb-{slos}")
    # A Prometheus scrapes the exporter from the history's end while the history is imported.
    collector = measure.Server(workdir, history, address, f"collector-{slos}")
    sets = rulesets.all_sets(slos)
    # Once each: the rolling and the calendar AetherVision sets record the same tiles.
    recorded = list({(name, tuple(sorted(labels.items())), interval, value): (name, labels, interval, value)
                     for ruleset in sets for name, labels, interval, value in ruleset.recorded_inputs}.values())
    try:
        history = data.history(workdir, slos, window, end, recorded, say)
    finally:
        collector.close()
    results = {}
    try:
        for ruleset in sets:
            m = measure.run(workdir, history, address, ruleset, say)
            results[ruleset.name] = report.as_dict(ruleset, m, slos)
    finally:
        exporter.shutdown()
    say(report.summary(slos, results) + f"\n  ({time.monotonic() - started:.0f}s)")
    return {"slos": slos, "raw_series_per_slo": data.SERIES_PER_SLO, "scrape_interval_seconds": data.SCRAPE,
            "history_days": round((history.end - history.start) / 86400, 2), "sets": results}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.splitlines()[0])
    parser.add_argument("--slos", default="10,100", help="SLO counts to measure, comma-separated (10,100)")
    parser.add_argument("--workdir", type=Path, default=Path(".bench/cost"),
                        help="scratch folder for the TSDB and logs (.bench/cost)")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="where cost.md and cost.json go (docs)")
    parser.add_argument("--render", action="store_true", help="rewrite cost.md from cost.json, measure nothing")
    args = parser.parse_args(argv)
    if args.render:
        print(f"wrote {report.render(args.out)}")
        return 0
    try:
        counts = [int(n) for n in args.slos.split(",")]
    except ValueError:
        parser.error(f"--slos: not a list of numbers: {args.slos}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    runs = [run(n, args.workdir) for n in counts]
    md, js = report.write(args.out, runs)
    print(f"wrote {md} and {js}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
