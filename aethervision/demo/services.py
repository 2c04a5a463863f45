"""Run the simulator, the autoheal service or the demo's crm-api endpoint in this process:
what `aethervision simulate serve`, `aethervision autoheal` and the demo stack start.

The demo spawns `python -m aethervision.demo.services NAME ...` rather than the
CLI, so the library does not depend on how the command line is spelled.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from aethervision.autoheal import actions as actions_mod
from aethervision.autoheal import server as autoheal_server
from aethervision.autoheal.service import Autoheal
from aethervision.core import defaults
from aethervision.core.errors import AetherVisionError, UserError
from aethervision.demo import endpoint, simulator
from aethervision.runtime import httpd

TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off", ""}
Say = Callable[[str], None]


def env_flag(name: str, env=os.environ) -> bool:
    """A true/false environment variable; UserError for anything else."""
    value = env.get(name, "").strip().lower()
    if value not in TRUE | FALSE:
        raise UserError(f"{name}={value!r}: use true or false")
    return value in TRUE


def serve_simulator(listen: str, rps: float, error_ratio: float, resume_from: Path | None, say: Say) -> None:
    host, port = httpd.parse_listen(listen)
    start = simulator.last_counters(resume_from) if resume_from else None
    srv = simulator.server(simulator.PaymentSimulator(rps, error_ratio, start), host, port)
    say(f"simulator on {srv.url}/metrics: {rps:g} payments/s, error ratio {error_ratio:g}"
        + (f", continuing {resume_from}" if resume_from else ""))
    srv.serve_until_signalled()


def webhook_token() -> str | None:
    """The webhook's bearer token: AUTOHEAL_WEBHOOK_TOKEN, or the first line of the file
    AUTOHEAL_WEBHOOK_TOKEN_FILE names (the same file Alertmanager's credentials_file reads)."""
    path = os.environ.get("AUTOHEAL_WEBHOOK_TOKEN_FILE")
    if path:
        try:
            token = Path(path).read_text("utf-8").strip()
        except OSError as exc:
            raise UserError(f"AUTOHEAL_WEBHOOK_TOKEN_FILE={path}: cannot read it ({exc.strerror})") from exc
        if not token:
            raise UserError(f"AUTOHEAL_WEBHOOK_TOKEN_FILE={path}: the file is empty")
        return token
    return os.environ.get("AUTOHEAL_WEBHOOK_TOKEN") or None


def serve_autoheal(listen: str, actions_path: Path, say: Say) -> None:
    """Reads AUTOHEAL_ENABLED and AUTOHEAL_WEBHOOK_TOKEN (or _TOKEN_FILE) from the environment."""
    host, port = httpd.parse_listen(listen)
    mapping = actions_mod.load(actions_path)
    enabled = env_flag("AUTOHEAL_ENABLED")
    token = webhook_token()
    service = Autoheal(mapping, enabled)
    srv = autoheal_server.server(service, host, port, token)
    mode = "ENABLED: runs mapped commands" if enabled else "disabled: records what it would run"
    say(f"autoheal on {srv.url} ({mode}); {len(mapping)} mapping(s) from {actions_path}; "
        f"webhook POST {autoheal_server.WEBHOOK_PATH}"
        + (" (bearer token required)" if token else " (no token: set AUTOHEAL_WEBHOOK_TOKEN)"))
    try:
        srv.serve_until_signalled()
    finally:
        service.close()
    say("autoheal stopped")


def serve_endpoint(listen: str, say: Say) -> None:
    host, port = httpd.parse_listen(listen)
    srv = endpoint.server(endpoint.Endpoint(), host, port)
    say(f"crm-api on {srv.url}{endpoint.HEALTH_PATH} (POST {endpoint.FAULT_PATH} injects a fault)")
    srv.serve_until_signalled()


def argv(name: str, listen: str, **options) -> list[str]:
    """The command line that starts service `name` in a child process."""
    args = [sys.executable, "-m", "aethervision.demo.services", name, "--listen", listen]
    for key, value in options.items():
        if value is not None:
            args += [f"--{key.replace('_', '-')}", str(value)]
    return args


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aethervision.demo.services")
    sub = parser.add_subparsers(dest="service", required=True)
    sim = sub.add_parser("simulator")
    sim.add_argument("--listen", default=defaults.SIMULATOR_LISTEN)
    sim.add_argument("--rps", type=float, default=simulator.DEFAULT_RPS)
    sim.add_argument("--error-ratio", type=float, default=simulator.HEALTHY_RATIO)
    sim.add_argument("--resume-from", type=Path, default=None)
    heal = sub.add_parser("autoheal")
    heal.add_argument("--listen", default=defaults.AUTOHEAL_LISTEN)
    heal.add_argument("--actions", type=Path, default=Path(defaults.ACTIONS_PATH))
    api = sub.add_parser("endpoint")
    api.add_argument("--listen", default=f"{defaults.HOST}:{defaults.CRM_API_PORT}")
    opts = parser.parse_args(args)
    try:
        if opts.service == "simulator":
            serve_simulator(opts.listen, opts.rps, opts.error_ratio, opts.resume_from, print)
        elif opts.service == "endpoint":
            serve_endpoint(opts.listen, print)
        else:
            serve_autoheal(opts.listen, opts.actions, print)
    except AetherVisionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
