"""`python -m bench.backtest` (make bench-backtest): how long `aethervision backtest` takes on real history.

A benchmark, not a test: it prints what it measured and writes
docs/backtest-speed.md and docs/backtest-speed.json. The history is bench/cost's (N SLOs x 20 raw series
scraped every 15 s for 30 days, imported with promtool) served by a real
Prometheus; the backtest copies it at one sample a minute, records the rules and
replays the alerts exactly as `aethervision backtest` does (same library call).

Side by side, in the same run (bench/backtest/alternative.py): the first
dependency level of the recording rules, where the raw series are read, recorded
our way and with `promtool tsdb create-blocks-from rules` (the documented way to
backfill rules) over the same copied history.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import yaml

from aethervision import spec as spec_mod
from aethervision.backtest import rule_backfill
from aethervision.backtest import run as backtest
from bench.backtest import alternative
from bench.cost import data
from bench.cost.report import machine_facts

DAY = 86400


def bench_spec(slos: int, workdir: Path) -> Path:
    """The repository spec's policy for N SLOs on bench/cost's counters."""
    doc = yaml.safe_load(Path("aethervision.yaml").read_text())
    doc["slos"] = [{"name": data.slo_name(i), "service": "bench", "objective": 0.99, "window": "30d",
                    "sli": {"errors": data.errors_selector(i), "total": data.total_selector(i)}} for i in range(slos)]
    path = workdir / f"bench-{slos}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def source(workdir: Path, slos: int, days: int, end: int, say) -> Path:
    tsdb = workdir / f"tsdb-{slos}"
    if not tsdb.exists():
        data.history(workdir, slos, days * DAY, end, [], say)
    return tsdb


def ours(client, spec_path: Path, end: int, workdir: Path, say) -> dict:
    lines: list[str] = []

    def note(line: str) -> None:
        lines.append(line)
        if not line.startswith("  history: day"):
            say(f"    {line.strip()}")

    started = time.monotonic()
    head, _ = backtest.run(spec_mod.load(spec_path), spec_path, client, end=end, workdir=workdir, progress=note)
    seconds = time.monotonic() - started
    facts = head.facts
    return {"seconds": round(seconds, 1), "replay_seconds": round(head.seconds, 1),
            "copy_seconds": round(seconds - head.seconds, 1), "days": round((head.end - head.start) / DAY, 2),
            "series": facts["series"], "samples": facts["samples"],
            "episodes": sum(len(s.episodes) for s in head.summaries)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backtest", description=__doc__.splitlines()[0])
    parser.add_argument("--slos", type=int, default=10)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=Path(".bench/backtest"))
    parser.add_argument("--out", type=Path, default=Path("docs"))
    args = parser.parse_args(argv)
    say = print
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    end = int(time.time()) // data.SCRAPE * data.SCRAPE
    results: dict = {"machine": machine_facts(), "slos": args.slos, "days": args.days, "runs": {}}
    for slos in sorted({1, args.slos}):
        say(f"backtest: {slos} SLOs x {args.days} days")
        tsdb = source(args.workdir, slos, args.days, end, say)
        spec_path = bench_spec(slos, args.workdir)
        with rule_backfill.serving(tsdb, args.workdir / f"source-{slos}", f"prometheus-source-{slos}") as client:
            run = {"aethervision": ours(client, spec_path, end, args.workdir / f"run-{slos}", say)}
        if slos != 1:  # promtool's way takes minutes per SLO: one SLO shows the ratio
            results["runs"][str(slos)] = run
            continue
        spec = spec_mod.load(spec_path)
        rules = backtest._rules(spec, "head", tuple(s.name for s in spec.slos))
        copied = args.workdir / f"run-{slos}" / "history"
        start = end - int(run["aethervision"]["days"] * DAY)
        run["first_level"] = alternative.first_level(rules, copied, history_start(copied), start, end,
                                                     args.workdir / f"alternative-{slos}", say)
        results["runs"][str(slos)] = run
        say(f"  {json.dumps(run)}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backtest-speed.json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    (args.out / "backtest-speed.md").write_text(markdown(results))
    say(f"wrote {args.out / 'backtest-speed.md'} and {args.out / 'backtest-speed.json'}")
    return 0


def history_start(tsdb: Path) -> int:
    return min(json.loads((b / "meta.json").read_text())["minTime"] for b in tsdb.iterdir()
               if (b / "meta.json").exists()) // 1000


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = ["# Backtest speed", "", "Written by `make bench-backtest` (`python -m bench.backtest`); do not edit.", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']:,} MB; {m['prometheus']}.", "",
             f"History: bench/cost's counters, 20 raw series per SLO scraped every 15 s for {results['days']} days, "
             "served by a real Prometheus. `aethervision backtest` copies them at one sample a minute, records the "
             "rules in a temporary Prometheus and replays the alerts over the days the server holds "
             "(the library call the command makes).", "",
             "| SLOs | days replayed | total | copying history | rules and alerts | series copied "
             "| samples copied | episodes |", "|---|---|---|---|---|---|---|---|"]
    runs = sorted(results["runs"].items(), key=lambda kv: int(kv[0]))
    for slos, run in runs:
        a = run["aethervision"]
        lines.append(f"| {slos} | {a['days']} | {a['seconds']:.0f} s | {a['copy_seconds']:.0f} s | "
                     f"{a['replay_seconds']:.0f} s | {a['series']:,} | {a['samples']:,} | {a['episodes']} |")
    lines += ["", "Recording the first dependency level (tiles, sample timestamps, the fast raw windows: where the "
              "raw series are read), same rules, same history, same Prometheus:", "",
              "| SLOs | rules | aethervision | blocks | promtool create-blocks-from rules | blocks | speed-up |",
              "|---|---|---|---|---|---|---|"]
    for slos, run in [(n, r) for n, r in runs if "first_level" in r]:
        f = run["first_level"]
        lines.append(f"| {slos} | {f['rules']} | {f['aethervision_seconds']:.1f} s | {f['aethervision_blocks']:,} | "
                     f"{f['promtool_seconds']:.1f} s | {f['promtool_blocks']:,} | "
                     f"{f['promtool_seconds'] / max(f['aethervision_seconds'], 0.1):.1f}x |")
    goal = results["runs"].get(str(results["slos"]), {}).get("aethervision", {})
    if goal:
        verdict = "met" if goal["seconds"] < 120 else "NOT met"
        lines += ["", f"Goal: {results['slos']} SLOs x {results['days']} days under 2 minutes on this machine: "
                  f"{goal['seconds']:.0f} s, {verdict}."]
    lines += ["", "Why not promtool's rule backfill: it writes one block per rule and 2 hours (a 30-day replay of "
              "one SLO's rules is thousands of blocks), and each block costs more than the query that fills it. "
              "`aethervision backtest` runs the same range queries at each group's interval against the same "
              "Prometheus, and writes each dependency level's answers as one block per day."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
