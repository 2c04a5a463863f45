"""The `aethervision` command line: a thin layer over the library (the only code importing click)."""

from aethervision.cli import backtest, build, chaos, compare, demo, importer, live, preview, report  # noqa: F401 - importing registers the commands
from aethervision.cli.common import main

__all__ = ["main"]
