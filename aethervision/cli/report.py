"""`aethervision report`: SLO figures for a calendar period from a Prometheus's history."""

from __future__ import annotations

from pathlib import Path

import click

from aethervision.cli.backtest import _instant
from aethervision.cli.common import handle_errors, load_spec, main, spec_option
from aethervision.cli.live import _prometheus, prometheus_option
from aethervision.core.files import write_atomic_bytes
from aethervision.core.lazy import Lazy

report_run, report_render = Lazy("aethervision.report.run"), Lazy("aethervision.report.render")


@main.command()
@spec_option
@prometheus_option
@click.option("--period", metavar="PERIOD", help="A month (2026-11), quarter (2026-Q4) or ISO week (2026-W45), "
                                                 "in each SLO's timezone (calendar SLOs) or UTC.")
@click.option("--from", "start", callback=_instant, metavar="TIME", help="Start instead of --period (ISO or Unix).")
@click.option("--to", "end", callback=_instant, metavar="TIME", help="End, with --from.")
@click.option("--slo", "slos", multiple=True, metavar="NAME", help="Only this SLO (repeat for more; default all).")
@click.option("--previous", type=click.IntRange(0, 12), default=2, show_default=True,
              help="Earlier periods shown beside this one in the runway trend.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "json"]), default="markdown",
              show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="report", show_default=True,
              help="Folder for report.<md|html|json> and charts/*.png.")
@handle_errors
def report(spec_path, prometheus_url, period, start, end, slos, previous, fmt, out_dir) -> None:
    """Per SLO: attained against objective, budget spent and left, incidents and their cost.

    \b
    Reads the Prometheus's history: each SLO's bad and all events per
    5-minute tile (the SLI's exact increase), leaving out corrections and
    maintenance windows with exclude_from_budget; the SLO's alert episodes
    (ALERTS, as they fired), each with the budget its tiles cost; and the
    runway trend, each day's lowest days-to-breach, this period beside the
    --previous ones (the seed's capacity planning: is the runway shrinking?).
    Writes DIR/report.md (or .html, .json) and, for markdown and HTML, two
    PNG charts per SLO. Exit 0 ok, 1 bad input, 2 Prometheus unreachable.
    """
    if (period is None) == (start is None):
        raise click.UsageError("give --period, or --from and --to")
    if start is not None and end is None:
        raise click.UsageError("--from needs --to")
    spec = load_spec(spec_path)
    client = _prometheus(prometheus_url, spec)
    figures = report_run.run(spec, client, period, start, end, tuple(slos), previous,
                             progress=lambda line: click.echo(line, err=True))
    written = report_render.files(figures, fmt)
    for rel, data in sorted(written.items()):
        write_atomic_bytes(Path(out_dir) / rel, data)
    name = next(n for n in written if n.startswith("report."))
    click.echo(f"report: {Path(out_dir) / name} ({len(written) - 1} chart(s))")
