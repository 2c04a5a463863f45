"""The `aethervision` command line: a thin layer over the library and the only code importing click;
exit codes 0 ok, 1 user error or diff found, 2 internal or network failure.

Imports: ops, review, demo, report, grafana, backtest, autoheal, runtime, clients, builder,
dashboards, configs, panels, rules, importers, spec, promql, core.
"""

from aethervision.cli import backtest, build, chaos, compare, demo, importer, live, preview, report  # noqa: F401 - importing registers the commands
from aethervision.cli.common import main

__all__ = ["main"]
