"""The `aethervision` command line: a thin layer over the library.

Exit codes: 0 ok; 1 user error, failed validation, or a difference found with
--exit-code / --check; 2 internal error or network failure.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from . import __version__
from .builder import api
from .errors import AetherVisionError, ValidationFailed

SPEC_HELP = "Spec file (default: aethervision.yaml, or $AETHERVISION_SPEC)."
OUT_HELP = "Output folder, mountable as Grafana's /etc/grafana/provisioning."


def _default_schema_dir() -> Path | None:
    env = os.environ.get("AETHERVISION_GRAFANA_SCHEMA")
    if env:
        return Path(env)
    for candidate in (Path("../shared/grafana-schema"), Path("shared/grafana-schema")):
        if (candidate / "dashboard.jsonschema.json").is_file():
            return candidate
    return None


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
            sys.exit(exc.exit_code)
        except AetherVisionError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
            sys.exit(2)
    return wrapper


spec_option = click.option("--spec", "spec_path", default=lambda: os.environ.get(
    "AETHERVISION_SPEC", "aethervision.yaml"), show_default="aethervision.yaml",
    type=click.Path(dir_okay=False), help=SPEC_HELP)
out_option = click.option("--out", "out_dir", default="provisioning", show_default=True,
                          type=click.Path(file_okay=False), help=OUT_HELP)


class _Group(click.Group):
    """Click reports usage errors with exit 2; here a bad invocation is a user error (1)."""

    def main(self, *args, **kwargs):
        kwargs.pop("standalone_mode", None)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:  # usage errors, bad parameters
            exc.show()
            sys.exit(1)
        except click.exceptions.Abort:
            click.echo("Aborted.", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aethervision")
def main() -> None:
    """AetherVision: predictive SLO operations as code.

    One spec (aethervision.yaml) generates the Grafana dashboard, its
    provisioning files and the Prometheus runway rules and alerts.

    \b
    Exit codes: 0 ok; 1 bad input, failed validation, or differences found
    (build --check, diff --exit-code); 2 internal error or network failure.
    """


@main.command()
@spec_option
@out_option
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and list stale files if disk differs from the code.")
@handle_errors
def build(spec_path: str, out_dir: str, check: bool) -> None:
    """Generate dashboards, provisioning YAML and Prometheus rules into OUT.

    Files are written atomically and byte-for-byte reproducibly; on any error
    nothing is written.
    """
    if check:
        changes = api.check(spec_path, out_dir)
        if changes:
            click.echo(f"{len(changes)} generated file(s) are stale in {out_dir}/:", err=True)
            for change in changes:
                click.echo(f"  {change.status:<10} {out_dir}/{change.path}", err=True)
            click.echo("Run `make dashboards` (aethervision build) and commit the result.", err=True)
            sys.exit(1)
        click.echo(f"{out_dir}/ is up to date with {spec_path}")
        return
    changes = api.build(spec_path, out_dir)
    for change in changes:
        click.echo(f"  {change.status:<8} {out_dir}/{change.path}")
    click.echo(f"{out_dir}/: {len(changes)} file(s) changed" if changes
               else f"{out_dir}/ already up to date")


@main.command()
@spec_option
@click.option("--grafana-schema", "schema_dir", type=click.Path(file_okay=False, exists=True),
              default=None, help="Folder of Grafana's dashboard JSON Schemas (default: "
              "$AETHERVISION_GRAFANA_SCHEMA, else ../shared/grafana-schema when present).")
@click.option("--skip-promtool", is_flag=True, help="Do not run promtool (PromQL parse, rule check).")
@handle_errors
def validate(spec_path: str, schema_dir: str | None, skip_promtool: bool) -> None:
    """Validate the generated output without writing it.

    \b
    Checks: Grafana's JSON Schemas (dashboard and each panel's options);
    unique panel ids; grid inside 24 columns without overlaps; refIds;
    thresholds ascending over a null base; every PromQL expression parses
    (promtool); every metric read is recorded by our rules or a documented
    input; `promtool check rules` on the generated rule files.
    """
    folder = Path(schema_dir) if schema_dir else _default_schema_dir()
    report = api.validate(spec_path, folder, use_promtool=not skip_promtool)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.problems:
        raise ValidationFailed(report.problems)
    click.echo("valid: dashboard, provisioning and rules"
               + (f" (Grafana schemas from {folder})" if folder else ""))
