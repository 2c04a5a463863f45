"""The `aethervision` command line: a thin layer over the library (the only code importing click)."""

from . import build, demo, live  # noqa: F401 - importing registers the commands on `main`
from .common import main

__all__ = ["main"]
