"""The rule dependency graph: rule groups parsed once into what each rule reads and records.

Every walk over rules goes through here: generation's checks, the live backfill of a fresh
Prometheus (`backfill_passes`), the backtest's replay (`replay_passes` in backtest) and
the cost estimate (rules/cost.py). A rule reads the names its expression selects; a recorded
series is read by the rules that select it, some over a range (`x[30d]`). Three figures
follow:

- a rule's *level*: 0 reads no recorded series of the graph, each other level only lower
  ones (a backfill pass cannot read what it is itself creating);
- a recorded series' *lookback*: how much of its history must exist before the first
  evaluation of the rules that read it, along the longest chain of range reads (the
  tiles, read over 30d by the 30d rate that the runway's 1h slope reads, need 30d + 1h);
- the *closure* of a set of names: they and everything they are computed from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from aethervision.core import durations
from aethervision.promql.parse import metric_names, ranges, read_spans

DEFAULT_INTERVAL = 60  # Prometheus's global evaluation_interval when a group states none


@dataclass(frozen=True)
class Node:
    """One rule: what it records (or alerts as), its group's interval, what it reads."""
    name: str
    rule: dict
    group: str
    interval: int  # seconds
    reads: frozenset[str]  # every metric name its expression selects
    selectors: tuple[tuple[str, int], ...]  # (name, seconds) of every range selector (the cost reads them)
    spans: tuple[tuple[str, int], ...]  # (name, seconds of its past read), subqueries included

    @property
    def recording(self) -> bool:
        return "record" in self.rule


@dataclass(frozen=True)
class Batch:
    """Rules of one level recorded every `step` seconds from `start` (a backfill or replay pass)."""
    rules: tuple[dict, ...]
    start: int
    step: int


class Graph:
    """Rule groups (each a dict with name, interval, rules), parsed once."""

    def __init__(self, groups: Iterable[dict], default_interval: int = DEFAULT_INTERVAL):
        nodes = []
        for group in groups:
            interval = durations.parse(group["interval"]) if group.get("interval") else default_interval
            for rule in group.get("rules", []):
                expr = str(rule.get("expr", ""))
                selectors = tuple((name, durations.parse(span)) for name, span in ranges(expr))
                names = metric_names(expr)
                nodes.append(Node(rule.get("record") or rule.get("alert"), rule, group["name"], interval,
                                  frozenset(names), selectors, tuple(sorted(read_spans(expr, names).items()))))
        self.nodes: tuple[Node, ...] = tuple(nodes)
        # A name recorded by several rules (per-SLO aggregations) reads what all of them read.
        self.recorded: dict[str, list[Node]] = {}
        for node in nodes:
            if node.recording:
                self.recorded.setdefault(node.name, []).append(node)

    @classmethod
    def of_docs(cls, docs: Iterable[dict], default_interval: int = DEFAULT_INTERVAL) -> Graph:
        """The graph of rule files (their `groups`)."""
        return cls((g for doc in docs for g in (doc or {}).get("groups", [])), default_interval)

    def recording_rules(self) -> list[dict]:
        return [n.rule for n in self.nodes if n.recording]

    def alerting_rules(self) -> list[dict]:
        return [n.rule for n in self.nodes if not n.recording]

    def interval(self, name: str) -> int:
        """The evaluation interval of the group recording `name`."""
        return self.recorded[name][0].interval

    def reads(self, name: str) -> set[str]:
        """The recorded names of this graph that the rules recording `name` read."""
        return {r for node in self.recorded[name] for r in node.reads if r in self.recorded}

    @cached_property
    def levels(self) -> dict[str, int]:
        """Recorded name -> its level (file order)."""
        out: dict[str, int] = {}

        def level(name: str, seen: tuple[str, ...] = ()) -> int:
            if name not in out:
                if name in seen:
                    raise ValueError(f"rules read each other in a cycle: {' -> '.join((*seen, name))}")
                out[name] = 1 + max((level(dep, (*seen, name)) for dep in self.reads(name) - {name}), default=-1)
            return out[name]

        for name in self.recorded:
            level(name)
        return out

    @cached_property
    def lookback(self) -> dict[str, int]:
        """Recorded name -> seconds of its history the rules reading it need (0: only the newest value)."""
        readers: dict[str, list[tuple[str | None, int]]] = {}
        for node in self.nodes:
            spans = dict(node.spans)
            reader = node.name if node.recording else None
            for name in node.reads & self.recorded.keys():
                if name != reader:  # a rule reading its own past (an EWMA) needs no backfilled history
                    readers.setdefault(name, []).append((reader, spans.get(name, 0)))
        out: dict[str, int] = {}

        def need(name: str) -> int:
            if name not in out:
                out[name] = max((span + (need(r) if r else 0) for r, span in readers.get(name, [])), default=0)
            return out[name]

        for name in sorted(self.recorded, key=self.levels.get, reverse=True):  # readers first: shallow recursion
            need(name)
        return out

    def closure(self, names: Iterable[str]) -> set[str]:
        """The recorded names among `names`, and everything they are computed from."""
        todo = [n for n in names if n in self.recorded]
        out: set[str] = set()
        while todo:
            name = todo.pop()
            if name not in out:
                out.add(name)
                todo += self.reads(name)
        return out

    def read_in(self, exprs: Iterable[str]) -> set[str]:
        """The recorded names the expressions read, and everything those are computed from."""
        return self.closure(n for expr in exprs for n in metric_names(expr))

    def by_level(self, names: Iterable[str]) -> list[list[dict]]:
        """The rules recording `names`, by level, each level in file order."""
        chosen = set(names)
        out: list[list[dict]] = []
        for node in self.nodes:
            if node.recording and node.name in chosen:
                level = self.levels[node.name]
                out += [[] for _ in range(level + 1 - len(out))]
                out[level].append(node.rule)
        return out

    def passes(self, names: Iterable[str], floor: int, first: int, min_step: int = 0) -> list[list[Batch]]:
        """The rules recording `names` as passes over history: by level, and within a level by
        (step, first evaluation). `first` is the first evaluation whose reads must be whole: each
        rule begins its readers' lookback before it, never before `floor`, on its own step (its
        group's interval, at least `min_step`). Levels stay in order: one reads only what earlier
        ones recorded."""
        out = []
        for level in self.by_level(names):
            batches: dict[tuple[int, int], list[dict]] = {}
            for rule in level:
                step = max(min_step, self.interval(rule["record"]))
                since = max(floor, first - self.lookback[rule["record"]])
                batches.setdefault((step, since - since % step), []).append(rule)
            out.append([Batch(tuple(rules), since, step) for (step, since), rules in sorted(batches.items())])
        return out

    def backfilled(self) -> set[str]:
        """What a fresh Prometheus must have recorded before its rules run: every recorded series some
        rule reads over a range, and what those are computed from."""
        return self.closure(name for name, need in self.lookback.items() if need)

    def history(self) -> int:
        """Seconds of input history (series no rule here records) every rule's first evaluation needs:
        the longest chain of range reads that begins at an input (0 for none)."""
        return max((span + (self.lookback[n.name] if n.recording else 0)
                    for n in self.nodes for name, span in n.spans if name not in self.recorded), default=0)

    def shortest_raw_span(self) -> int:
        """The shortest range a recording rule reads an input (not a recorded series) over."""
        return min((s for n in self.nodes if n.recording for name, s in n.selectors if name not in self.recorded),
                   default=0)
