"""The real servers AetherVision is tested on: pinned versions, and where their binaries are.

One home for both. `make servers` (tools/servers.py) builds every `PINNED` server from
its Go module into the project's `.servers/<name>-<version>/` and links the commands
into `.servers/bin/`; Debian bookworm's packages (`DEBIAN`) stay as the oldest versions
supported. Lookup order for a command: its environment variable (`PROMTOOL`,
`PROMETHEUS`, ...), then `.servers/bin/`, then PATH; `locate(command, engine)` asks for
one engine's build by name instead, as the engine matrix of the tests does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from aethervision.core.errors import ToolMissing


@dataclass(frozen=True)
class Server:
    """One Go module built from the Go module proxy: `go install module/cmd@module_version`."""

    name: str
    version: str  # the release, as the project announces it (3.16.0)
    module: str
    module_version: str  # the Go module's version (Prometheus 3.16.0 is module v0.316.0)
    commands: tuple[str, ...]  # package paths under the module, one binary each
    version_var: str = ""  # -X target for the version the binary prints
    # Files a //go:embed needs that the module does not ship (a web UI built by npm, left out
    # of the module): the build copies the module source and writes a one-line page there.
    embed_stubs: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"

    def binaries(self) -> tuple[str, ...]:
        return tuple(c.rsplit("/", 1)[-1] for c in self.commands)


_COMMON = "github.com/prometheus/common/version.Version"
PINNED = (
    Server("prometheus", "3.16.0", "github.com/prometheus/prometheus", "v0.316.0",
           ("cmd/prometheus", "cmd/promtool"), _COMMON),
    Server("alertmanager", "0.35.0", "github.com/prometheus/alertmanager", "v0.35.0",
           ("cmd/alertmanager", "cmd/amtool"), _COMMON,
           ("ui/app/dist/elm/index.html", "ui/app/dist/mantine/index.html")),
    Server("victoriametrics", "1.151.0", "github.com/VictoriaMetrics/VictoriaMetrics", "v1.151.0",
           ("app/victoria-metrics", "app/vmalert"),
           "github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version"),
    Server("sloth", "0.16.0", "github.com/slok/sloth", "v0.16.0", ("cmd/sloth",),
           "github.com/slok/sloth/internal/info.Version"),
)

# Debian bookworm's packages: the oldest versions supported (`make promtool` installs them).
DEBIAN = {"prometheus": "2.42.0", "prometheus-alertmanager": "0.25.0",
          "prometheus-blackbox-exporter": "0.23.0", "victoria-metrics": "1.79.5"}

# Pyrra is not on the Go module proxy (it answers 403 "This module version is not
# available" for github.com/pyrra-dev/pyrra), so it cannot be built here.
PYRRA_UNAVAILABLE = ("the Go module proxy refuses github.com/pyrra-dev/pyrra (403: \"This module version "
                     "is not available\"), so Pyrra cannot be built on these machines")

# Engines a test or a benchmark can ask for by name: (server folder, or "" for Debian's /usr/bin).
ENGINES = {
    "prometheus-3": "prometheus-3.16.0",
    "prometheus-2": "",
    "victoriametrics": "victoriametrics-1.151.0",
    "victoriametrics-debian": "",
    "alertmanager": "alertmanager-0.35.0",
    "sloth": "sloth-0.16.0",
}

# The command whose `--version` names each engine's version.
ENGINE_COMMAND = {"prometheus-3": "prometheus", "prometheus-2": "prometheus", "victoriametrics": "victoria-metrics",
                  "victoriametrics-debian": "victoria-metrics", "alertmanager": "alertmanager", "sloth": "sloth"}

# Environment variables that name one command's binary, as users and CI set them.
ENV = {"promtool": "PROMTOOL", "prometheus": "PROMETHEUS", "amtool": "AMTOOL", "sloth": "SLOTH",
       "vmalert": "VMALERT", "victoria-metrics": "VICTORIA_METRICS"}


def root() -> Path:
    """The project's server folder: AETHERVISION_SERVERS, else `.servers` beside the package's
    checkout (an editable install), else `.servers` in the working directory."""
    if os.environ.get("AETHERVISION_SERVERS"):
        return Path(os.environ["AETHERVISION_SERVERS"])
    checkout = Path(__file__).resolve().parents[2] / ".servers"
    return checkout if checkout.is_dir() else Path.cwd() / ".servers"


def server(name: str) -> Server:
    return next(s for s in PINNED if s.name == name)


def locate(command: str, engine: str | None = None) -> str | None:
    """Path of `command`, or None. With `engine`, only that engine's build (see ENGINES)."""
    if engine is not None:
        folder = ENGINES[engine]
        if not folder:  # Debian's package
            for candidate in (Path("/usr/bin") / command, Path("/usr/bin") / f"prometheus-{command}"):
                if candidate.is_file():
                    return str(candidate)
            return None
        path = root() / folder / command
        return str(path) if path.is_file() else None
    if os.environ.get(ENV.get(command, "")):
        return os.environ[ENV[command]]
    linked = root() / "bin" / command
    if linked.is_file():
        return str(linked)
    return shutil.which(command)


def find(command: str, *aliases: str, package: str = "") -> str:
    """Path of the first of `command` and `aliases` found; ToolMissing saying how to get it."""
    for name in (command, *aliases):
        path = locate(name)
        if path:
            return path
    hint = f"or install Debian's {package} package" if package else ""
    raise ToolMissing(f"{command} not found: `make servers` builds it into .servers/ {hint}".strip())


def tested() -> list[str]:
    """'name version' of every server the tests run, newest builds first, then Debian's."""
    return ([f"{s.name} {s.version}" for s in PINNED] +
            [f"{name} {version} (Debian bookworm)" for name, version in DEBIAN.items()])


_VERSION = re.compile(r"(?:version[: ]+v?|-v|\bv|^)(\d+\.\d+\.\d+)", re.MULTILINE)


# How each command prints its version (VictoriaMetrics would start serving on `version`).
VERSION_ARGS = {"victoria-metrics": "-version", "vmalert": "-version", "sloth": "version"}


def version_of(path: str) -> str:
    """The release a binary reports about itself, e.g. 3.16.0; "" if it says none."""
    flag = VERSION_ARGS.get(Path(path).name, "--version")
    try:
        result = subprocess.run([path, flag], capture_output=True, text=True, timeout=30, check=False,
                                stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    match = _VERSION.search(result.stdout + "\n" + result.stderr)
    return match.group(1) if match else _debian_version(path)


def _debian_version(path: str) -> str:
    """The version of the Debian package that holds `path` (Debian's VictoriaMetrics build
    reports none itself): 1.79.8 of 1.79.8+ds-2."""
    try:
        owner = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True, timeout=30, check=False)
        package = owner.stdout.split(":", 1)[0].strip()
        if owner.returncode != 0 or not package:
            return ""
        shown = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                               timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    match = re.match(r"(?:\d+:)?(\d+\.\d+\.\d+)", shown.stdout)
    return match.group(1) if match else ""


def versions() -> dict[str, dict[str, str]]:
    """Per engine (and `default`, what a plain lookup finds): its binary and the version it reports."""
    out = {}
    for engine, command in [*ENGINE_COMMAND.items(), ("default", "prometheus")]:
        path = locate(command, None if engine == "default" else engine)
        if path:
            out[engine] = {"binary": path, "version": version_of(path)}
    return out
