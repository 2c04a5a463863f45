"""The `aethervision` group, error mapping and options shared by the commands.

The CLI package is the only code importing click. Exit codes: 0 ok; 1 user
error, failed validation, or a difference found with --exit-code / --check;
2 internal error or network failure.
"""

from __future__ import annotations

import functools
import os
import sys
import time
import traceback

import click

from aethervision import __version__
from aethervision import spec as spec_mod
from aethervision.clients import servers
from aethervision.core import defaults
from aethervision.core.errors import AetherVisionError, SpecError, ValidationFailed, redact
from aethervision.core.lazy import Lazy

grafana = Lazy("aethervision.grafana.client")

DEBUG_ENV = "AETHERVISION_DEBUG"


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _show_cause(exc: BaseException) -> None:
    """With --debug: the traceback, causes included (never secrets: messages are redacted)."""
    if debugging():
        text = "".join(traceback.format_exception(exc))
        click.echo(redact(text, tuple(v for k, v in os.environ.items()
                                      if k.endswith(("TOKEN", "PASSWORD")) and v)), err=True)


def handle_errors(func):
    """Map AetherVision errors to exit codes; anything unexpected is exit 2."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationFailed as exc:
            click.echo(f"error: {len(exc.problems)} problem(s):", err=True)
            for problem in exc.problems:
                click.echo(f"  - {problem}", err=True)
            _show_cause(exc)
            sys.exit(exc.exit_code)
        except SpecError as exc:
            lines = str(exc).splitlines()
            click.echo(f"error: {lines[0]}" if len(lines) == 1 else f"error: {len(lines)} problem(s):",
                       err=True)
            for line in lines[1:] if len(lines) == 1 else lines:
                click.echo(f"  - {line}", err=True)
            _show_cause(exc)
            sys.exit(exc.exit_code)
        except AetherVisionError as exc:
            click.echo(f"error: {exc}", err=True)
            _show_cause(exc)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            click.echo(f"internal error: {type(exc).__name__}: {redact(str(exc))}", err=True)
            _show_cause(exc)
            if not debugging():
                click.echo(f"  (run with --debug or {DEBUG_ENV}=1 for the traceback)", err=True)
            sys.exit(2)
    return wrapper


spec_option = click.option(
    "--spec", "spec_path", default=lambda: os.environ.get(defaults.SPEC_ENV, defaults.SPEC_PATH),
    show_default=f"{defaults.SPEC_PATH}, or ${defaults.SPEC_ENV}", type=click.Path(dir_okay=False),
    help="Spec file.")
out_option = click.option("--out", "out_dir", default=defaults.OUT_DIR, show_default=True,
                          type=click.Path(file_okay=False),
                          help="Output folder, mountable as Grafana's /etc/grafana/provisioning.")


class _Group(click.Group):
    """Click reports usage errors with exit 2; here a bad invocation is a user error (1)."""

    def main(self, *args, **kwargs):
        kwargs.pop("standalone_mode", None)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:  # usage errors, bad parameters
            exc.show()
            sys.exit(1)
        except click.exceptions.Abort as exc:
            if isinstance(exc.__cause__, KeyboardInterrupt):  # Ctrl-C: the shell's convention, 128 + SIGINT
                click.echo("interrupted: nothing half-written (output is staged, then swapped in whole)", err=True)
                sys.exit(130)
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _debug(ctx: click.Context, _param, value: bool) -> None:
    if value:
        os.environ[DEBUG_ENV] = "1"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aethervision", message="%(prog)s %(version)s\ntested with: " +
                      ", ".join(servers.tested()))
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_debug,
              help=f"Show the traceback of an internal error (also {DEBUG_ENV}=1).")
def main() -> None:
    """AetherVision: predictive SLO operations as code.

    One spec (aethervision.yaml) generates the Grafana dashboard, its
    provisioning files and the Prometheus runway rules and alerts.

    \b
    Exit codes: 0 ok; 1 bad input, failed validation, or differences found
    (build --check, diff --exit-code); 2 internal error or network failure.
    """


def load_spec(spec_path: str):
    return spec_mod.load(spec_path)


def connection(grafana_url: str | None, insecure: bool, timeout: float, anonymous: bool = False,
               retries: int = 3, say=None):
    if insecure:
        click.secho("WARNING: TLS certificate verification is OFF (--insecure): the Grafana "
                    "server's identity is not checked.", fg="red", bold=True, err=True)
    return grafana.Connection.from_env(dict(os.environ), url=grafana_url, verify=not insecure, timeout=timeout,
                                       anonymous=anonymous, retries=retries, say=say)


def session(grafana_url: str | None, insecure: bool, timeout: float, **options):
    options.setdefault("say", lambda message: click.echo(f"grafana: {message}", err=True))
    return grafana.Session(connection(grafana_url, insecure, timeout, **options))


grafana_options = [
    click.option("--grafana-url", default=None, help="Grafana base URL (default: $GRAFANA_URL)."),
    click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (loudly warned)."),
    click.option("--timeout", default=10.0, show_default=True, help="Seconds per HTTP request."),
]


def with_options(options):
    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func
    return decorate


LONG_WORK_SLOS = 500  # from this many SLOs a build, diff or push takes seconds: say what it is doing


def progress(command: str, slos: int):
    """A step reporter for long commands: `command: <step> (<seconds> s)` on stderr (stdout stays
    the report alone), on a terminal or for specs of LONG_WORK_SLOS or more; silent otherwise."""
    started = time.monotonic()
    shown = slos >= LONG_WORK_SLOS or sys.stderr.isatty()

    def say(step: str) -> None:
        if shown:
            click.echo(f"{command}: {step} ({time.monotonic() - started:.1f} s)", err=True)
    return say
