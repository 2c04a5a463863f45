"""`aethervision preview`: every generated dashboard as a PNG, without Grafana."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click

from aethervision.cli.common import handle_errors, main, spec_option
from aethervision.core import durations
from aethervision.core.lazy import Lazy

preview_api, preview_data = Lazy("aethervision.review.preview"), Lazy("aethervision.review.preview_data")
pipeline, prometheus = Lazy("aethervision.builder.pipeline"), Lazy("aethervision.clients.prometheus")


def parse_at(text: str | None) -> float:
    """Unix seconds or an ISO 8601 time (UTC when no zone); now when empty."""
    if not text:
        return float(int(time.time()))
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(f"{text!r}: expected Unix seconds or an ISO time like 2026-11-27T12:00:00Z") \
            from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.now().astimezone().tzinfo)
    return moment.timestamp()


def source_for(prometheus_url: str | None, sample: bool, spec) -> object:
    if sample:
        return preview_data.SampleSource()
    client = prometheus.Client(prometheus_url or spec.grafana.datasource_url)
    client.get("/api/v1/status/buildinfo")  # NetworkError (exit 2) now, not one per panel
    return preview_data.PrometheusSource(client)


preview_options = [
    click.option("--prometheus-url", metavar="URL", help="Where the data comes from (default: the spec's "
                                                         "datasource URL, http://localhost:9090)."),
    click.option("--sample", is_flag=True, help="No Prometheus: draw AetherVision's deterministic sample "
                                                "scenario (the image says so)."),
    click.option("--at", "at_text", metavar="TIME", help="End of the time range: Unix seconds or ISO time "
                                                         "(default now)."),
    click.option("--range", "range_text", default="24h", show_default=True, help="Time series span."),
]


def with_preview_options(func):
    for option in reversed(preview_options):
        func = option(func)
    return func


@main.command()
@spec_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="previews", show_default=True)
@click.option("--slo", default=None, help="The SLO the SLO detail dashboard shows (default: its first).")
@click.option("--group", "groups", multiple=True, metavar="LABEL=VALUE",
              help="The group it shows, e.g. --group cluster=eu (repeatable; default: all).")
@with_preview_options
@handle_errors
def preview(spec_path, out_dir, slo, groups, prometheus_url, sample, at_text, range_text) -> None:
    """Render every generated dashboard to a PNG, from live data, without Grafana.

    \b
    Draws the dashboard JSON itself (matplotlib, no browser): the 24-column
    grid and rows, stats with value, unit and threshold colour, time series
    with legends and threshold lines, tables with coloured cells, "No data".
    The footer marks each image as a preview, not Grafana's rendering. The
    same data gives byte-identical PNGs (fix --at to repeat a picture).
    """
    gen = pipeline.generate(spec_path)
    source = source_for(prometheus_url, sample, gen.spec)
    at, span = parse_at(at_text), durations.parse(range_text)
    click.echo(f"rendering {len(gen.dashboards)} dashboard(s) from {source.name}", err=True)
    selected = _selection(gen.spec, slo, groups)
    rendered = preview_api.render_dashboards(gen.dashboards, source, at, span, selected)
    for path in preview_api.write(rendered, Path(out_dir)):
        click.echo(f"  wrote {path}")


def _selection(spec, slo: str | None, groups: tuple[str, ...]) -> dict[str, str]:
    """--slo and --group as dashboard variables; an unknown SLO or a malformed group is a user error."""
    out = {}
    if slo is not None:
        if slo not in {s.name for s in spec.slos}:
            raise click.BadParameter(f"no SLO named {slo!r} in {spec.source} "
                                     f"(it has {', '.join(s.name for s in spec.slos)})", param_hint="--slo")
        out["slo"] = slo
    for item in groups:
        label, sep, value = item.partition("=")
        if not sep or not label:
            raise click.BadParameter(f"{item!r}: expected LABEL=VALUE, e.g. cluster=eu", param_hint="--group")
        out[label] = value
    return out
