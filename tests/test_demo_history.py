"""The demo's past alerts and runway (demo/demo_history.py) on a real Prometheus: two days of
payments at 10/s and 0.1% errors with a 45-minute outage at 30% on the second day. The alert
and runway are read back the way `aethervision report` reads them (report/history.py); the
expectations come from the outage's known times, not from the rules."""

from __future__ import annotations

import pytest

from aethervision import spec as spec_mod
from aethervision.backtest import rule_backfill
from aethervision.demo import demo_history, simulator
from aethervision.report import history as report_history

from support.repo import REPO_SPEC

pytestmark = [pytest.mark.live, pytest.mark.slow]
DAY, HOUR = 86400, 3600
START = 1_790_000_000 - 1_790_000_000 % DAY
END = START + 2 * DAY
OUTAGE = (START + DAY + 12 * HOUR, START + DAY + 12 * HOUR + 45 * 60)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("demo-history")
    spec = spec_mod.load(REPO_SPEC)
    source = tmp / "history.om"
    simulator.history(source, START, END, 60, 10, 0.001, incidents=((*OUTAGE, 0.30),))
    (tmp / "data").mkdir()
    rule_backfill.import_file(source, tmp / "data", tmp / "blocks")
    lines: list[str] = []
    episodes = demo_history.record(spec, tmp / "data", START, END, 60, tmp / "work", lines.append)
    with rule_backfill.serving(tmp / "data", tmp / "serve", "prometheus-demo-history") as client:
        slo = spec.slos[0]
        read = report_history.episodes(client, slo, START, END)
        runway = {t: client.query(f"min(min_over_time({report_history.q.days_to_breach(slo)}[{span}s]))", at=t)
                  for t, span in ((OUTAGE[0] - 60, 6 * HOUR), (OUTAGE[1], OUTAGE[1] - OUTAGE[0]))}
        yield episodes, read, {t: got[0].value for t, got in runway.items() if got}, lines


def test_the_outage_pages_once_and_nothing_else_fires(recorded):
    episodes, read, _, lines = recorded
    assert any("episodes written as ALERTS" in line for line in lines)
    fast = [e for e in read if e.alert.endswith("FastBurn")]
    assert len(fast) == 1, read
    # The page starts during the outage and ends within the hour after it (the short window empties).
    assert OUTAGE[0] < fast[0].start < OUTAGE[1]
    assert OUTAGE[1] <= fast[0].end <= OUTAGE[1] + HOUR
    # Nothing fires before the outage: not the no-data alert at the history's start either.
    assert all(e.start > OUTAGE[0] for e in read), read
    # The report reads back exactly the episodes the replay found (firing samples one minute apart).
    assert sorted((e.alert, e.start) for e in read) == sorted((e.alert, e.start) for e in episodes)


def test_the_runway_is_recorded_over_the_history_and_drops_in_the_outage(recorded):
    _, _, runway, _ = recorded
    before, during = runway[OUTAGE[0] - 60], runway[OUTAGE[1]]
    # At 0.1% errors against a 99% objective the budget lasts for months; at 30% it goes within days.
    assert before > 30
    assert during < before / 10


def test_alerts_text_writes_one_sample_a_step_while_firing():
    episode = demo_history.Episode("X", "critical", (("alertname", "X"), ("slo", "s")), 0, 120, 300)
    text = demo_history.alerts_text([episode], 60, 1000)
    assert text.splitlines() == [f'ALERTS{{alertname="X",alertstate="firing",slo="s"}} 1 {t}'
                                 for t in (120, 180, 240)]
