"""`aethervision backtest`: what the alerts would have done on a Prometheus's own history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from aethervision.cli.common import handle_errors, load_spec, main, spec_option
from aethervision.cli.live import _prometheus, prometheus_option
from aethervision.core.files import write_atomic
from aethervision.core.lazy import Lazy

backtest_run, render = Lazy("aethervision.backtest.run"), Lazy("aethervision.backtest.render")


def _instant(ctx, param, value: str | None) -> int | None:
    """--from/--to: Unix seconds or ISO 8601 (UTC unless it says otherwise)."""
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is neither Unix seconds nor an ISO 8601 time "
                                 "(2026-11-01 or 2026-11-01T09:30:00Z)") from None
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).timestamp())


@main.command()
@spec_option
@prometheus_option
@click.option("--days", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Days to replay, ending now (default: the SLO window, at most what the server holds).")
@click.option("--from", "start", callback=_instant, metavar="TIME", help="Start instead of --days (ISO 8601 or Unix).")
@click.option("--to", "end", callback=_instant, metavar="TIME", help="End (default: now).")
@click.option("--slo", "slos", multiple=True, metavar="NAME", help="Only this SLO (repeat for more; default all).")
@click.option("--base", metavar="REF", help="Also replay the spec as committed at this git ref, and compare.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Also write the report to this file.")
@click.option("--workdir", type=click.Path(file_okay=False),
              help="Keep the copied history and the replay's TSDBs here (default: a temporary folder).")
@handle_errors
def backtest(spec_path, prometheus_url, days, start, end, slos, base, fmt, output, workdir) -> None:
    """Replay the spec's SLO alerts over a Prometheus's real history.

    \b
    Copies each SLO's SLI inputs from the server (query_range, one day per
    request, one sample a minute: the shortest alert window, 10m, holds 10),
    backfills the generated recording rules into a temporary Prometheus
    level by level, and replays the alert rules with `for` as Prometheus
    applies it. Reports per SLO (and group) every alert episode, pages and
    tickets per week, time paging, and per incident the budget spent at the
    first notification and the lead before the budget ran out.

    \b
    --base REF replays the spec as committed at REF too, over the same
    history, and prints one line per SLO: "pages 7 -> 2; ...; no incident lost".
    Progress goes to stderr, the report to stdout. Needs promtool and
    prometheus (`make promtool`). Exit 0 ok, 1 bad input or too little
    history, 2 Prometheus unreachable.
    """
    if start is not None and days is not None:
        raise click.UsageError("give --days or --from, not both")
    spec = load_spec(spec_path)
    client = _prometheus(prometheus_url, spec)
    head, old = backtest_run.run(spec, Path(spec_path), client, slos=tuple(slos), days=days, start=start, end=end,
                                 base=base, workdir=Path(workdir) if workdir else None,
                                 progress=lambda line: click.echo(line, err=True))
    report = render.FORMATS[fmt](head, old)
    if output:
        write_atomic(Path(output), report)
    click.echo(report, nl=False)
