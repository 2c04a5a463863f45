"""Modules imported on first use, so a command loads only what it runs.

`aethervision build` needs grafanalib but not the Grafana HTTP client, the
preview's matplotlib or the live stack; importing everything up front cost
more than the build itself. Only the CLI uses this (library layers import
normally, so the layer contract still sees every edge).
"""

from __future__ import annotations

import importlib
from types import ModuleType


class Lazy:
    """Stands for module `name`; the first attribute access imports it."""

    def __init__(self, name: str):
        object.__setattr__(self, "_name", name)

    def _module(self) -> ModuleType:
        return importlib.import_module(object.__getattribute__(self, "_name"))

    def __getattr__(self, attr: str):
        return getattr(self._module(), attr)

    def __setattr__(self, attr: str, value) -> None:  # monkeypatching reaches the module
        setattr(self._module(), attr, value)

    def __repr__(self) -> str:
        return f"<lazy module {object.__getattribute__(self, '_name')}>"
