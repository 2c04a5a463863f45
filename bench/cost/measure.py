"""Measure one rule set on the real Prometheus: samples touched, evaluation time, memory.

Each rule set gets a freshly started Prometheus on the shared TSDB, scraping the
live exporter every 15 s (so the raw windows are full up to now):
- Samples: once every group has evaluated (every 15 s, so its recorded series
  exist as they would in steady state), evaluation stops and every rule's
  expression runs as an instant query with `stats=all`: `totalQueryableSamples`
  is exactly the samples it reads. Per hour, a rule counts once per evaluation
  of its group at the set's own interval.
- Evaluation time: evaluation resumes (every group every 15 s, so several
  evaluations fit in a couple of minutes) and each group's
  `prometheus_rule_group_last_duration_seconds` is read after every evaluation;
  the median (first one dropped) times the group's evaluations per hour at its
  own interval gives CPU seconds per hour.
- Memory: `process_resident_memory_bytes` after those evaluations.
"""

from __future__ import annotations

import re
import statistics
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aethervision.clients.prometheus import Client
from aethervision.demo.stack import prometheus_binary
from aethervision.review import cost as cost_api
from aethervision.runtime.procs import free_port, spawn, stop, wait_http
from bench.cost import data
from bench.cost.rulesets import GLOBAL_INTERVAL, RuleSet

FAST = "15s"  # every group's interval while the set runs in the benchmark
EVALUATIONS = 5
_LINE = re.compile(r'^(prometheus_rule_group_last_(?:duration_seconds|evaluation_timestamp_seconds))'
                   r'\{rule_group="[^;"]*;([^"]+)"\} (\S+)$', re.M)
_RSS = re.compile(r"^process_resident_memory_bytes (\S+)$", re.M)


@dataclass
class Measured:
    samples_per_eval: int = 0  # one evaluation of every rule
    samples_per_hour: float = 0.0
    eval_seconds_per_hour: float = 0.0  # sum over groups of median duration x evaluations per hour
    rss_bytes: int = 0
    by_rule: dict[str, float] = field(default_factory=dict)  # rule kind -> samples per hour
    rules: int = 0
    groups: int = 0


class Server:
    """A Prometheus on the benchmark's TSDB scraping the live exporter, loopback only."""

    def __init__(self, workdir: Path, history: data.History, exporter: str, name: str):
        self.port, self.workdir, self.exporter, self.name = free_port(), workdir, exporter, name
        self.config = workdir / f"prometheus-{name}.yml"
        self._write_config(None)
        self.proc = spawn(f"prometheus-{name}", [
            prometheus_binary(), f"--config.file={self.config.resolve()}",
            f"--storage.tsdb.path={history.data.resolve()}", f"--web.listen-address=127.0.0.1:{self.port}",
            "--storage.tsdb.retention.time=100d", "--web.enable-lifecycle", "--query.max-samples=500000000",
            "--query.timeout=10m"], workdir / f"prometheus-{name}.log")
        self.url = f"http://127.0.0.1:{self.port}"
        wait_http(f"{self.url}/-/ready", self.proc, timeout=600)
        self.client = Client(self.url, timeout=600)

    def _write_config(self, rule_file: Path | None) -> None:
        self.config.write_text(yaml.safe_dump({
            "global": {"evaluation_interval": GLOBAL_INTERVAL, "scrape_interval": f"{data.SCRAPE}s"},
            "scrape_configs": [{"job_name": "bench", "static_configs": [{"targets": [self.exporter]}]}],
            "rule_files": [str(rule_file.resolve())] if rule_file else []}))

    def rules(self, rule_file: Path | None) -> None:
        """Load these rules (or none) with a configuration reload."""
        self._write_config(rule_file)
        request = urllib.request.Request(f"{self.url}/-/reload", method="POST")  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=120):  # noqa: S310 - loopback
            pass

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=30) as response:  # noqa: S310 - loopback
            return response.read().decode()

    def evaluations(self) -> dict[str, tuple[float, float]]:
        """Group -> (last evaluation timestamp, last duration)."""
        stamps, durations = {}, {}
        for metric, group, value in _LINE.findall(self.metrics()):
            (durations if metric.endswith("duration_seconds") else stamps)[group] = float(value)
        return {g: (stamps[g], durations.get(g, 0.0)) for g in stamps}

    def close(self) -> None:
        stop(self.proc)


def _kind(rule: dict) -> str:
    """A rule's name without the SLO, so per-SLO rules add up (slo:s001:errors:rate1h -> errors:rate1h)."""
    name = rule.get("record") or f"alert {rule['alert']}"
    return re.sub(r"^slo:s\d+:", "", re.sub(r"S\d{3}SLO", "SLO", name))


def _wait_rounds(server: Server, ruleset: RuleSet, rounds: int, say,
                 after: dict[str, float] | None = None) -> dict[str, dict[float, float]]:
    """Each group's (evaluation timestamp -> duration), once every group has `rounds` evaluations
    later than `after` (its last evaluation before)."""
    seen: dict[str, dict[float, float]] = {}
    after = after or {}
    deadline = time.monotonic() + 1200
    while time.monotonic() < deadline:
        for group, (stamp, duration) in server.evaluations().items():
            if stamp > after.get(group, 0):
                seen.setdefault(group, {})[stamp] = duration
        if len(seen) >= len(ruleset.groups) and min(len(v) for v in seen.values()) >= rounds:
            return seen
        time.sleep(1)
    say(f"    {ruleset.name}: fewer than {rounds} evaluations of some group in 20 minutes")
    return seen


def samples(server: Server, ruleset: RuleSet, at: float, say=print) -> Measured:
    out = Measured(rules=sum(len(g["rules"]) for g in ruleset.groups), groups=len(ruleset.groups))
    done, started = 0, time.monotonic()
    for group in ruleset.groups:
        per_hour = 3600 / ruleset.interval(group)
        for rule in group["rules"]:
            touched = cost_api.rule_samples(server.client, rule["expr"], at)
            out.samples_per_eval += touched
            out.samples_per_hour += touched * per_hour
            out.by_rule[_kind(rule)] = out.by_rule.get(_kind(rule), 0) + touched * per_hour
            done += 1
            if done % 500 == 0:
                say(f"    {ruleset.name}: {done}/{out.rules} rule expressions ({time.monotonic() - started:.0f}s)")
    out.by_rule = dict(sorted(out.by_rule.items(), key=lambda kv: -kv[1]))
    return out


def _warm_median(durations: dict[float, float]) -> float:
    """The median duration, without the first evaluation (it runs on a cold cache)."""
    values = [d for _, d in sorted(durations.items())]
    return statistics.median(values[1:] or values)


def run(workdir: Path, history: data.History, exporter: str, ruleset: RuleSet, say=print) -> Measured:
    rule_file = workdir / f"rules-{ruleset.name}.yml"
    fast = [{**g, "interval": FAST} for g in ruleset.groups]
    rule_file.write_text(yaml.safe_dump({"groups": fast}, sort_keys=False))
    server = Server(workdir, history, exporter, f"{ruleset.name}-{history.slos}")
    try:
        say(f"  {ruleset.name}: first evaluation of every group ({len(ruleset.groups)} groups, {FAST} apart)")
        server.rules(rule_file)
        _wait_rounds(server, ruleset, 1, say)
        server.rules(None)
        time.sleep(1)
        say(f"  {ruleset.name}: query statistics of every rule expression")
        measured = samples(server, ruleset, time.time(), say)
        say(f"  {ruleset.name}: evaluation time over {EVALUATIONS} evaluations")
        server.rules(rule_file)
        before = {g: s for g, (s, _) in server.evaluations().items()}
        seen = _wait_rounds(server, ruleset, EVALUATIONS + 1, say, after=before)
        intervals = {g["name"]: ruleset.interval(g) for g in ruleset.groups}
        measured.eval_seconds_per_hour = sum(_warm_median(v) * 3600 / intervals[g] for g, v in seen.items())
        measured.rss_bytes = int(float(_RSS.search(server.metrics()).group(1)))
    finally:
        server.close()
    return measured
