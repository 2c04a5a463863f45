"""The one rule graph (rules/graph.py) against the three walkers it replaced.

`_before_*` below are the walkers as they were in rules/files.py (dependency levels,
backfill passes), live/rule_backfill.py (levels, what is read over windows) and
live/backtest/replay.py (what the alerts read, replay passes), kept here as the reference.
The graph must give the same levels, the same rules in each backfill and replay level in the
same order, and begin every rule no later than the old walkers did unless its readers' lookback
says it may (it then begins exactly that lookback before the first evaluation).
"""

from __future__ import annotations

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.backtest import replay
from aethervision.backtest import run as backtest_run
from aethervision.core import durations
from aethervision.promql.parse import metric_names, ranged_names, read_spans
from aethervision.rules import files as rule_files
from aethervision.rules import slo as slo_rules
from aethervision.rules.graph import Graph

from support.repo import GOLDEN

DAY = 86400


# -- the walkers as they were -------------------------------------------------------------

def _before_levels(rules_by_name: dict[str, dict]) -> dict[str, int]:
    reads = {name: metric_names(rule["expr"]) & set(rules_by_name) for name, rule in rules_by_name.items()}
    levels: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in levels:
            levels[name] = 1 + max((level(dep) for dep in reads[name]), default=-1)
        return levels[name]

    for name in rules_by_name:
        level(name)
    return levels


def _before_backfill(spec) -> list[list[dict]]:
    rules_by_name = {r["record"]: r for s in spec.slos for g in slo_rules.recording_groups(spec, s) for r in g["rules"]}
    reads = {name: metric_names(rule["expr"]) & set(rules_by_name) for name, rule in rules_by_name.items()}
    wanted: set[str] = set()
    for rule in rules_by_name.values():
        wanted |= ranged_names(rule["expr"]) & set(rules_by_name)
    todo = list(wanted)
    while todo:
        for dep in reads[todo.pop()] - wanted:
            wanted.add(dep)
            todo.append(dep)
    levels = _before_levels(rules_by_name)
    passes: list[list[dict]] = []
    for name in sorted(wanted, key=list(rules_by_name).index):
        passes += [[] for _ in range(levels[name] + 1 - len(passes))]
        passes[levels[name]].append(rules_by_name[name])
    return passes  # (before the split of slow outputs, which only set where a pass begins)


def _before_needed(rules: replay.Rules, extra=()) -> list[dict]:
    by_name = {r["record"]: r for g in rules.recording for r in g["rules"]}
    todo = [n for g in rules.alerting for r in g["rules"] for n in metric_names(r["expr"])]
    todo += [n for expr in (*rules.remaining.values(), *rules.runway.values(), *extra) for n in metric_names(expr)]
    wanted: set[str] = set()
    while todo:
        name = todo.pop()
        if name in by_name and name not in wanted:
            wanted.add(name)
            todo += metric_names(by_name[name]["expr"])
    return [rule for name, rule in by_name.items() if name in wanted]


def _before_replay(rules: replay.Rules, history_start: int, start: int, end: int):
    every = [r for g in rules.recording for r in g["rules"]]
    ranged = {n for r in every if not r["expr"].startswith("last_over_time") for n in ranged_names(r["expr"])}
    slow = max(durations.parse(g["interval"]) for g in rules.recording)
    needed = _before_needed(rules)
    by_name = {r["record"]: r for r in needed}
    depth = _before_levels(by_name)
    levels: list[list[dict]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for name, level in depth.items():
        levels[level].append(by_name[name])
    out = []
    for level in levels:
        starts = {}
        for rule in level:
            since = history_start + slow if rule["record"] in ranged else start - 2 * slow
            starts[rule["record"]] = since
        out.append(([r["record"] for r in level], starts))
    return out


# -- the specs ------------------------------------------------------------------------------

def _calendar_spec(tmp_path):
    data = yaml.safe_load((GOLDEN / "default" / "aethervision.yaml").read_text())
    data["slos"][0]["window"] = {"calendar": "month", "timezone": "Europe/Berlin"}
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return spec_mod.load(path)


@pytest.fixture(params=["default", "fleet", "multi", "seed", "calendar"])
def spec(request, tmp_path):
    if request.param == "calendar":
        return _calendar_spec(tmp_path)
    return spec_mod.load(GOLDEN / request.param / "aethervision.yaml")


def _slo_graph(spec) -> Graph:
    return Graph(g for s in spec.slos for g in slo_rules.recording_groups(spec, s))


def test_the_graph_gives_the_levels_the_old_walker_gave(spec):
    rules = {r["record"]: r for s in spec.slos for g in slo_rules.recording_groups(spec, s) for r in g["rules"]}
    assert _slo_graph(spec).levels == _before_levels(rules)
    doc = rule_files.recording_rules(spec)
    every = Graph.of_docs([doc])
    assert set(every.levels) == {r["record"] for g in doc["groups"] for r in g["rules"]}


def test_backfill_passes_hold_the_same_rules_in_the_same_order(spec):
    graph = _slo_graph(spec)
    before = [[r["record"] for r in level] for level in _before_backfill(spec)]
    now = [[r["record"] for batch in level for r in batch.rules] for level in rule_files.backfill_passes(spec, 0, 0)]
    assert [sorted(level, key=list(graph.recorded).index) for level in now] == before


def test_backfill_begins_as_far_back_as_the_readers_look(spec):
    end, start = 40 * DAY, 0
    graph = _slo_graph(spec)
    for level in rule_files.backfill_passes(spec, start, end):
        for batch in level:
            for rule in batch.rules:
                reach = end - graph.lookback[rule["record"]]
                assert batch.start <= max(start, reach) < batch.start + batch.step, rule["record"]


def test_replay_passes_hold_the_same_rules_and_begin_no_later_than_needed(spec):
    rules = backtest_run.rule_set(spec, "head", tuple(s.name for s in spec.slos))
    history_start, start, end = 0, 35 * DAY, 40 * DAY
    slow = max(durations.parse(g["interval"]) for g in rules.recording)
    graph = replay.graph(rules)  # the alerts read held windows over ranges too
    before = _before_replay(rules, history_start, start, end)
    now = replay.passes(rules, history_start, start, end)
    assert len(now) == len(before)
    for level, (names, starts) in zip(now, before):
        got = {r["record"]: p for p in level for r in p.rules}
        assert sorted(got) == sorted(names)
        for name, p in got.items():
            first = start - 2 * slow
            need = max(history_start + slow, first - graph.lookback[name])
            assert p.start <= need < p.start + p.step, name
            if graph.lookback[name] == 0:
                assert p.start == starts[name] - starts[name] % p.step, name  # as before


def test_lookback_follows_chains_of_range_reads():
    groups = [{"name": "g", "interval": "30s", "rules": [
        {"record": "tile", "expr": "increase(raw[5m])"},
        {"record": "window", "expr": "sum_over_time(tile[30d])"},
        {"record": "budget", "expr": "1 - window"},
        {"record": "runway", "expr": "budget / -deriv(budget[1h])"},
        {"record": "ewma", "expr": "0.1 * budget + 0.9 * last_over_time(ewma[1m]) or budget"},
        {"record": "period", "expr": "max_over_time((tile and on() last_over_time(start[10m]))[31d:5m])"},
        {"record": "start", "expr": "time()"},
    ]}]
    graph = Graph(groups)
    assert graph.lookback["runway"] == 0
    assert graph.lookback["budget"] == 3600
    assert graph.lookback["window"] == 3600  # read now by budget, which the runway reads over 1h
    assert graph.lookback["tile"] == 31 * DAY  # the period's subquery reaches further than 30d + 1h
    assert graph.lookback["start"] == 31 * DAY + 600
    assert graph.lookback["ewma"] == 0  # its own past is not backfilled
    assert graph.levels == {"tile": 0, "window": 1, "budget": 2, "runway": 3, "ewma": 3, "period": 1, "start": 0}
    assert graph.backfilled() == {"tile", "window", "budget", "start"}
    assert read_spans("deriv(x[1h]) + y") == {"x": 3600, "y": 0}
    # The exact windows' tail: the raw count and the newest snapshot as they were 6h ago.
    assert read_spans('sum(c{a="b"} offset 6h) - last_over_time(s[10m] offset 6h) + d offset 1m') == {
        "c": 6 * 3600, "s": 6 * 3600 + 600, "d": 60}
    assert read_spans("max_over_time((x)[1d:5m] offset 1h)") == {"x": 25 * 3600}


def test_a_cycle_is_named():
    graph = Graph([{"name": "g", "rules": [{"record": "a", "expr": "b"}, {"record": "b", "expr": "a + 1"}]}])
    with pytest.raises(ValueError, match="a -> b -> a"):
        _ = graph.levels
