"""Build the pinned servers (aethervision.clients.servers.PINNED) from their Go modules.

    python tools/servers.py [--only NAME ...] [--force]

Each server is `go install module/cmd@version` with its own go.mod and go.sum (checked
against the Go checksum database), -trimpath, and the version stamped in; into
`.servers/<name>-<version>/`, then linked into `.servers/bin/`. A server whose
binaries are all present is skipped. The Go build cache (GOCACHE) and module cache are
reused, so a rebuild after `rm -rf .servers` takes seconds per server, not minutes.
Every step's time goes to `.servers/setup.json` (cold: built; warm: skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from aethervision.clients import servers


def _say(text: str) -> None:
    print(f"servers: {text}", flush=True)


def build(server: servers.Server, dest: Path, force: bool) -> dict:
    folder = dest / server.folder
    wanted = [folder / b for b in server.binaries()]
    if not force and all(p.is_file() for p in wanted):
        _say(f"{server.name} {server.version}: present in {folder}")
        return {"server": server.folder, "step": "warm", "seconds": 0.0}
    go = shutil.which("go")
    if not go:
        raise SystemExit("servers: Go is not on PATH: install Go (golang-go) to build the pinned servers")
    staging = dest / f".{server.folder}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    env = dict(os.environ, GOBIN=str(staging.resolve()), CGO_ENABLED="0", GOFLAGS="-buildvcs=false")
    ldflags = f"-s -w -X {server.version_var}={server.version}" if server.version_var else "-s -w"
    started = time.monotonic()
    source = _stubbed_source(go, server, dest, env) if server.embed_stubs else None
    for i, command in enumerate(server.commands, 1):
        target = f"{server.module}/{command}@{server.module_version}"
        _say(f"{server.name} {server.version}: building {command} ({i}/{len(server.commands)}): {target}")
        step = time.monotonic()
        if source is None:
            argv, cwd = [go, "install", "-trimpath", f"-ldflags={ldflags}", target], None
        else:  # the module's own go.mod and go.sum, in the copy with the stubs
            argv = [go, "build", "-trimpath", f"-ldflags={ldflags}", "-o",
                    str(staging.resolve() / command.rsplit("/", 1)[-1]), f"./{command}"]
            cwd = source
        result = subprocess.run(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, check=False)
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise SystemExit(f"servers: building {target} failed (exit {result.returncode}); see above")
        _say(f"{server.name}: {command} built in {time.monotonic() - step:.0f} s")
    if source is not None:
        shutil.rmtree(source, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    seconds = round(time.monotonic() - started, 1)
    _say(f"{server.name} {server.version}: done in {seconds:.0f} s -> {folder}")
    return {"server": server.folder, "step": "cold", "seconds": seconds}


def _stubbed_source(go: str, server: servers.Server, dest: Path, env: dict) -> Path:
    """A writable copy of the module's source from the module cache, with the embed stubs."""
    fetched = subprocess.run([go, "mod", "download", "-json", f"{server.module}@{server.module_version}"],
                             env=env, capture_output=True, text=True, check=False)
    if fetched.returncode != 0:
        raise SystemExit(f"servers: go mod download {server.module}@{server.module_version} failed: "
                         f"{fetched.stdout}{fetched.stderr}")
    copy = dest / f".{server.folder}.src"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(json.loads(fetched.stdout)["Dir"], copy)
    for path in copy.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    copy.chmod(0o755)
    for stub in server.embed_stubs:
        (copy / stub).parent.mkdir(parents=True, exist_ok=True)
        (copy / stub).write_text("<!doctype html><title>API only</title><p>Built without the web UI "
                                 "(npm assets are not in the Go module).</p>\n")
    return copy


def link(dest: Path) -> None:
    """`.servers/bin/<command>` -> the pinned build, the default every lookup finds first."""
    bin_dir = dest / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for server in servers.PINNED:
        for binary in server.binaries():
            target = dest / server.folder / binary
            if target.is_file():
                link_path = bin_dir / binary
                if link_path.is_symlink() or link_path.exists():
                    link_path.unlink()
                link_path.symlink_to(Path("..") / server.folder / binary)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=None, help="server names (default: all)")
    parser.add_argument("--force", action="store_true", help="rebuild even when present")
    args = parser.parse_args(argv)
    dest = servers.root()
    dest.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in servers.PINNED if args.only is None or s.name in args.only]
    started = time.monotonic()
    steps = [build(s, dest, args.force) for s in chosen]
    link(dest)
    record = dest / "setup.json"
    history = json.loads(record.read_text()) if record.is_file() else []
    history.append({"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "steps": steps,
                    "seconds": round(time.monotonic() - started, 1)})
    record.write_text(json.dumps(history[-20:], indent=1) + "\n")
    _say(f"{len(chosen)} server(s) ready in {time.monotonic() - started:.0f} s ({dest / 'bin'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
