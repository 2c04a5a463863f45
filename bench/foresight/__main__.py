"""`python -m bench.foresight` (make bench-foresight): run the suite, print figures, write the report.

A benchmark, not a test: it prints what it measured and writes
docs/foresight.md and docs/foresight.json. Same rules and scenarios, same files.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from aethervision import spec as spec_mod
from aethervision.clients import promtool
from bench.foresight import demo_month, engine, forecast, metrics, policies, report, scenarios, workbook

# One promtool run per scenario and group: the seed and the baseline share one,
# AetherVision's default runs alone, so the two halves balance on two cores.
RUN_GROUPS = (("aethervision",), ("seed", "multiwindow"))
POLICY_ORDER = ("seed", "multiwindow", "aethervision")


def run_suite(spec_path: Path, chosen: list[scenarios.Scenario], jobs: int, workdir: Path,
              say=print, forecasts: list | None = None) -> list[metrics.Result]:
    """Every policy over every scenario; `forecasts` (a list) receives (scenario, its forecasts)."""
    by_name = {p.name: p for p in policies.all_policies(spec_path)}
    tasks = [(s, [by_name[n] for n in group]) for s in chosen for group in RUN_GROUPS]
    say(f"foresight: {len(chosen)} scenario(s) x {len(by_name)} policies in {len(tasks)} promtool runs, "
        f"{jobs} at a time")
    results: dict[tuple[str, str], metrics.Result] = {}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(engine.run, s, group, workdir): s for s, group in tasks}
        for done, future in enumerate(as_completed(futures), 1):
            scenario = futures[future]
            run = future.result()
            for name in run.policies:
                results[(scenario.name, name)] = metrics.evaluate(name, scenario, run.firing[name])
            if run.forecasts and forecasts is not None:
                forecasts.append((scenario, run.forecasts))
            say(f"  [{done}/{len(tasks)}] {scenario.name:<26} {'+'.join(run.policies):<20} "
                f"promtool {run.seconds:5.1f}s")
    say(f"foresight: {time.monotonic() - started:.0f}s in all")
    return [results[(s.name, p)] for s in chosen for p in POLICY_ORDER if (s.name, p) in results]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.foresight", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=Path("aethervision.yaml"),
                        help="spec whose generated rules are the 'aethervision' policy (default: %(default)s)")
    parser.add_argument("--scenario", action="append", dest="scenarios", metavar="NAME",
                        help="run only this scenario (repeatable); default: all of them")
    parser.add_argument("--out", type=Path, default=Path("docs"),
                        help="folder for foresight.md and foresight.json (default: %(default)s)")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    parser.add_argument("--jobs", type=int, default=2, help="promtool runs at a time (default: %(default)s)")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite foresight.md from the foresight.json in --out (no measuring)")
    args = parser.parse_args(argv)
    if args.render:
        print(f"wrote {report.render(args.out)}")
        return 0
    chosen = scenarios.by_name(args.scenarios)
    if args.scenarios and not args.no_write:
        parser.error("a partial run would overwrite the full report: add --no-write")
    promtool.find()
    runs: list = []
    with tempfile.TemporaryDirectory(prefix="foresight-") as tmp:
        results = run_suite(args.spec, chosen, args.jobs, Path(tmp), forecasts=runs)
    print()
    print(report.text_table(results))
    spec = spec_mod.load(args.spec)
    runs.sort(key=lambda run: [s.name for s in chosen].index(run[0].name))
    scores = forecast.scores(spec, spec.slos[0], runs, engine.STEP)
    print()
    print("\n".join(forecast.markdown(scores)))
    data = report.data(results, chosen, promtool_version())
    data["forecasts"] = scores
    if not args.scenarios:  # the demo's month and the Workbook's table: their own histories, real Prometheus
        data["demo_month"] = demo_month.measure(args.spec)
        print("\n".join(demo_month.markdown(data["demo_month"])))
        data["workbook"] = workbook.measure(args.spec)
        print("\n".join(workbook.markdown(data["workbook"])))
    if not args.no_write:
        written = report.write(args.out, data)
        print("\nwrote " + ", ".join(str(p) for p in written))
    return 0


def promtool_version() -> str:
    done = promtool.run("--version")
    return (done.stdout or done.stderr).splitlines()[0].strip()


if __name__ == "__main__":
    sys.exit(main())
