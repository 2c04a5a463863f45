"""`aethervision compare`: a peer tool's alerts beside the spec's, on a Prometheus's own history."""

from __future__ import annotations

import os
from pathlib import Path

import click

from aethervision.cli.backtest import _instant
from aethervision.cli.common import handle_errors, load_spec, main
from aethervision.cli.live import _prometheus, prometheus_option
from aethervision.core import defaults
from aethervision.core.files import write_atomic
from aethervision.core.lazy import Lazy

compare_run, peer, render = (Lazy("aethervision.backtest.compare"), Lazy("aethervision.backtest.peer"),
                             Lazy("aethervision.backtest.compare_render"))


@main.command()
@click.argument("peer_file", metavar="PEER", type=click.Path(dir_okay=False, exists=True))
@click.option("--spec", "spec_path", type=click.Path(dir_okay=False),
              help="The AetherVision spec to compare (default: PEER imported, when PEER is a Sloth spec; "
                   f"else {defaults.SPEC_PATH} or ${defaults.SPEC_ENV}).")
@prometheus_option
@click.option("--peer-interval", default="1m", show_default=True, metavar="DURATION",
              help="Evaluation interval of peer groups that set none (Prometheus's global evaluation_interval).")
@click.option("--peer-name", metavar="NAME", help="The peer's column name (default: Sloth or Pyrra when recognised).")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Days to replay, ending now (default: the SLO window, at most what the server holds).")
@click.option("--from", "start", callback=_instant, metavar="TIME", help="Start instead of --days (ISO 8601 or Unix).")
@click.option("--to", "end", callback=_instant, metavar="TIME", help="End (default: now).")
@click.option("--slo", "slos", multiple=True, metavar="NAME", help="Only this SLO (repeat for more; default all).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Also write the report to this file.")
@click.option("--workdir", type=click.Path(file_okay=False),
              help="Keep the copied history and the replays' TSDBs here (default: a temporary folder).")
@handle_errors
def compare(peer_file, spec_path, prometheus_url, peer_interval, peer_name, days, start, end, slos, fmt, output,
            workdir) -> None:
    """Replay a peer tool's SLO alerts and the spec's over the same Prometheus history.

    \b
    PEER is the peer's generated rule file (a Prometheus rule file or a
    PrometheusRule, e.g. Pyrra's output), or a Sloth spec, which the real
    `sloth generate` turns into rules (`make servers` builds Sloth). With a
    Sloth spec and no --spec, the AetherVision side is that spec imported
    (as `aethervision import` would write it).

    \b
    Both rule sets are backfilled over one copy of the history and their
    alerts replayed (the `backtest` engine). Per SLO, side by side: pages,
    tickets, time paging, incidents each notified for, the first
    notification of each incident and the budget spent by then, and the
    rules' estimated cost in samples per hour:
      checkout: Sloth 7 pages, 2 tickets / AetherVision 2 pages, 1 ticket;
      incidents caught 3/3 both; first notification 1m later (median);
      cost 1.3% of Sloth's
    Progress goes to stderr, the report to stdout. Exit 0 ok, 1 bad input or
    too little history, 2 Prometheus unreachable or a tool failed.
    """
    if start is not None and days is not None:
        raise click.UsageError("give --days or --from, not both")
    rules = peer.load(Path(peer_file), peer_interval, peer_name)
    if spec_path is None and rules.spec_text is not None:
        spec = compare_run.imported_spec(Path(peer_file), rules.spec_text)
    else:
        spec = load_spec(spec_path or os.environ.get(defaults.SPEC_ENV, defaults.SPEC_PATH))
    client = _prometheus(prometheus_url, spec)
    result = compare_run.run(spec, rules, client, slos=tuple(slos), days=days, start=start, end=end,
                             workdir=Path(workdir) if workdir else None,
                             progress=lambda text: click.echo(text, err=True))
    report = render.FORMATS[fmt](result)
    if output:
        write_atomic(Path(output), report)
    click.echo(report, nl=False)
