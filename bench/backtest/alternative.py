"""Our recording path against the documented one, `promtool tsdb create-blocks-from rules`.

Both record the same rules (the backtest's first dependency level: the tiles,
the sample timestamps and the fast group's raw windows, which is where the
reading happens) over the same copied history against the same Prometheus.
Only the first level: promtool writes one block per rule and 2 hours, and the
next levels would have to open all of them (a 30-day replay of a single SLO runs
out of file handles).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from aethervision.backtest import replay, rule_backfill
from aethervision.clients import promtool


def _fresh(history: Path, workdir: Path) -> Path:
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    replay._link_history(history, workdir / "tsdb")
    return workdir / "tsdb"


def _promtool(jobs: list[rule_backfill.Pass], data: Path, workdir: Path) -> int:
    made = []
    with rule_backfill.serving(data, workdir, "prometheus-promtool") as client:
        for i, job in enumerate(jobs):
            path = workdir / f"pass-{i}.yml"
            path.write_text(json.dumps({"groups": [{"name": f"pass-{i}", "interval": f"{job.step}s",
                                                    "rules": list(job.rules)}]}))
            out = workdir / f"pass-{i}.blocks"
            run = promtool.run("tsdb", "create-blocks-from", "rules", "--quiet", f"--start={job.start}",
                               f"--end={job.end + job.step // 2}", f"--url={client.url}", f"--output-dir={out}",
                               str(path), timeout=7200)
            if run.returncode != 0:
                raise RuntimeError(f"promtool failed on {path}: {run.stderr[-500:]}")
            made.append(out)
    return sum(len(list(out.iterdir())) for out in made)


def first_level(rules: replay.Rules, history: Path, history_start: int, start: int, end: int, workdir: Path,
                say=print) -> dict:
    (jobs, *_) = replay.passes(rules, history_start, start, end)
    out = {"rules": sum(len(j.rules) for j in jobs)}
    data = _fresh(history, workdir / "ours")
    began = time.monotonic()
    rule_backfill.run([jobs], data, workdir / "ours", lambda line: None)
    out["aethervision_seconds"] = round(time.monotonic() - began, 1)
    out["aethervision_blocks"] = len({p.parent.name for p in data.glob("*/meta.json")}) - \
        len({p.parent.name for p in history.glob("*/meta.json")})
    say(f"    first level ({out['rules']} rules), ours: {out['aethervision_seconds']}s")
    data = _fresh(history, workdir / "promtool")
    began = time.monotonic()
    out["promtool_blocks"] = _promtool(jobs, data, workdir / "promtool")
    out["promtool_seconds"] = round(time.monotonic() - began, 1)
    say(f"    first level, promtool create-blocks-from rules: {out['promtool_seconds']}s, "
        f"{out['promtool_blocks']:,} blocks")
    return out
