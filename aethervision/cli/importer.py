"""`aethervision import`: Sloth, Pyrra and OpenSLO files to AetherVision spec entries."""

from __future__ import annotations

from pathlib import Path

import click

from aethervision.cli.common import handle_errors, main
from aethervision.core.lazy import Lazy

importing = Lazy("aethervision.importers.files")
importers = Lazy("aethervision.importers")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="FILE|DIR...")
@click.option("--format", "fmt", type=click.Choice(["auto", "sloth", "sloth-k8s", "pyrra", "openslo"]),
              default="auto", show_default=True,
              help="Read only this format; auto tells each document apart by its version/apiVersion.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), default=None,
              help="Write a new spec here (default: print it).")
@click.option("--into", "into", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Append the SLOs to this spec's slos: list, keeping its comments (checked before writing).")
@click.option("--strict", is_flag=True, help="Refuse on warnings too (anything guessed or not carried).")
@click.option("--sloth-period", default="30d", show_default=True,
              help="Sloth's SLO period (its --default-slo-period); an AlertWindows file given sets it too.")
@handle_errors
def import_cmd(paths, fmt, output, into, strict, sloth_period):
    """Import SLOs from Sloth, Pyrra or OpenSLO files (and folders of them).

    \b
    Sloth: prometheus/v1 specs and PrometheusServiceLevel objects ({{.window}}
      queries, percent objectives, alerting name/labels/annotations, page and
      ticket alerts); AlertWindows files become the burn-rate tiers.
    Pyrra: ServiceLevelObjective (ratio, latency, latencyNative, bool_gauge,
      grouping, window, alerting name/disabled/absent, metadata labels).
    OpenSLO: v1 and v1alpha SLOs with inline or referenced SLIs, ratio and
      threshold metrics, one SLO per objective, rolling windows, Prometheus.
    Each SLI becomes the kind that measures the same thing (ratio, latency,
    probe) or raw. Nothing is dropped silently: what cannot be carried is
    refused (exit 1, naming file, document and field) or carried with a
    warning and a NOTE comment; --strict refuses warnings too. Nothing is
    written unless the whole result loads as a spec.
    """
    if output and into:
        raise click.UsageError("use one of -o and --into")
    options = importers.Options(format=fmt, sloth_period=sloth_period)
    report = importing.run(list(paths), options, strict=strict, into=Path(into) if into else None)
    for finding in report.findings:
        click.echo(f"warning: {finding}", err=True)
    click.echo(f"{'file':<48} {'docs':>4} {'SLOs':>4} {'warn':>4}  kinds", err=True)
    for name, s in report.summaries.items():
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(s.kinds.items())) or "-"
        click.echo(f"{name[-48:]:<48} {s.documents:>4} {s.slos:>4} {s.warnings:>4}  {kinds}", err=True)
    target = into or output
    if target:
        importing.write(report, Path(target))
        click.echo(f"{target}: {report.slos} SLO(s) {'added' if into else 'written'}", err=True)
    else:
        click.echo(report.text, nl=False)
