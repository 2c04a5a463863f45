"""How `make test` spreads test files over pytest-xdist workers (`--dist loadfile`).

Each test file is one work unit, so its module fixtures (a server, a promtool run of
every scenario) start once. The scenario files whose module fixture runs once per
engine are one unit per engine, so Prometheus 3 and 2.42 run on two workers at once.
The files go out longest first (figures from `make test`'s durations; the Makefile
passes --no-loadscope-reorder, which keeps that order), so no long file starts last
and runs alone at the end.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadFileScheduling

from support.promtool_run import ENGINES

# Files whose module fixture is parametrized by ENGINES: one work unit per engine.
BY_ENGINE = ("test_rules_scenarios.py", "test_sli_scenarios.py")

# The longest files of `make test` first (worker seconds with three workers, 2026-12-05),
# the promtool-bound ones alternating with live ones that mostly wait on servers, so the
# two cores stay busy without three CPU-bound files contending for them at once.
LONGEST_FIRST = (
    "test_backtest.py", "test_rules_scenarios.py", "test_fleet_demo.py", "test_foresight.py",
    "test_ops_loop.py", "test_calendar.py", "test_live.py", "test_sli_scenarios.py", "test_chaos.py",
    "test_import_equivalence.py", "test_engines_agree.py", "test_first_hour.py", "test_grafana_formats.py",
    "test_forecast_score.py", "test_compare.py", "test_native_and_utf8.py",
)


# A file that takes longer than this in `make test` and is not in LONGEST_FIRST is named at the
# end of the run, so the list does not drift as files grow (it would start late and run alone).
LONG_FILE_SECONDS = 30.0


def unlisted_long_files(seconds_by_file: dict[str, float]) -> list[tuple[str, float]]:
    """Files (base names) over LONG_FILE_SECONDS that LONGEST_FIRST does not name, longest first."""
    late = [(name, s) for name, s in seconds_by_file.items()
            if s > LONG_FILE_SECONDS and name not in LONGEST_FIRST]
    return sorted(late, key=lambda row: (-row[1], row[0]))


def unit_of(nodeid: str) -> str:
    """The work unit of a test id: its file, and its engine in the BY_ENGINE files."""
    path = nodeid.split("::", 1)[0]
    if path.endswith(BY_ENGINE):
        for engine in ENGINES:
            if f"[{engine}-" in nodeid or f"[{engine}]" in nodeid:
                return f"{path}[{engine}]"
    return path


def longest_first(items: list[pytest.Item]) -> None:
    """Put the longest files first, in place; the order is otherwise kept (the units go
    out in the order their first test is collected)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


class ByFileAndEngine(LoadFileScheduling):
    """pytest-xdist's per-file scheduling with the engine split above."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)
