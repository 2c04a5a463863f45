"""The demo's past as a live Prometheus would have written it: every recording rule the alerts,
the budget and the runway read, over the whole history, and the alerts' firing samples (`ALERTS`).

Without it a fresh demo holds raw counters and the tiles its 30-day window reads, so
`aethervision report` on the demo's month shows neither its incidents nor its runway trend.
The rules are recorded as the backtest records them (backtest/replay.py, level by level against
a temporary Prometheus) at one step for all fast rules, the history's resolution, and each alert is
replayed at that step with its `for`; the firing samples go in as one block per day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from aethervision.backtest import replay, rule_backfill
from aethervision.backtest import run as backtest_run
from aethervision.backtest.alerts import Episode
from aethervision.core import durations
from aethervision.core.model import Spec
from aethervision.promql import queries as q
from aethervision.rules import files as rule_files

Progress = Callable[[str], None]
# Alerts are replayed from an hour into the history: before, the fast windows hold less than
# their length and the no-data alert would fire for the history's first minutes.
WARM_UP = 3600


def alerts_text(episodes: list[Episode], step: int, end: int) -> str:
    """OpenMetrics `ALERTS{..., alertstate="firing"} 1` every `step` while each episode fires."""
    out = []
    for episode in sorted(episodes, key=lambda e: (e.labels, e.start)):
        labels = {**episode.label_map, "alertstate": "firing"}
        head = "ALERTS{" + ",".join(f'{k}="{rule_backfill.escape(v)}"' for k, v in sorted(labels.items())) + "}"
        out.extend(f"{head} 1 {t}\n" for t in range(episode.start, episode.until(end), step))
    return "".join(out)


def record(spec: Spec, data: Path, start: int, end: int, step: int, workdir: Path, progress: Progress,
           host: str = "127.0.0.1") -> list[Episode]:
    """Record the rules over [start, end] into `data` (which holds the raw history), with what the
    live window reads (rules.backfill_passes), then the alerts' firing samples; returns the episodes."""
    began = time.monotonic()
    rules = backtest_run.rule_set(spec, "demo", tuple(s.name for s in spec.slos))
    wanted = tuple(sorted(rule_files.slo_graph(spec).backfilled()))
    extra = (*wanted, *(q.days_to_breach(s) for s in spec.slos))
    levels = replay.passes(rules, start, start, end, extra=extra, min_step=step)
    progress(f"recording the alerts' and the runway's rules over the history ({len(levels)} levels, "
             f"every {durations.format(step)} or their group's interval)")
    rule_backfill.run(levels, data, workdir, lambda line: progress(line.strip()), name="prometheus-history",
                      host=host)
    alert_rules = [r for g in rules.alerting for r in g["rules"]]
    episodes: list[Episode] = []
    warm = start + WARM_UP
    with rule_backfill.serving(data, workdir, "prometheus-history", host) as client:
        for rule in alert_rules:
            episodes += replay.alert(client, rule, step, warm - warm % step, end)
    text = alerts_text(episodes, step, end)
    if text:
        rule_backfill.import_day(text, data, workdir, "alerts")
    progress(f"  alerts: {len(alert_rules)} rules replayed, {len(episodes)} episodes written as ALERTS "
             f"({time.monotonic() - began:.0f}s)")
    return episodes
