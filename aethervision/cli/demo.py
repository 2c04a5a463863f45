"""`aethervision demo up|down|status`: the local stack behind `make demo`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from aethervision.cli.common import handle_errors, load_spec, main, spec_option
from aethervision.core import defaults
from aethervision.core.lazy import Lazy

fleet, stack, heal = Lazy("aethervision.demo.fleet"), Lazy("aethervision.demo.stack"), Lazy("aethervision.demo.heal")

workdir_option = click.option("--workdir", type=click.Path(file_okay=False), default=defaults.DEMO_DIR,
                              show_default=True,
                              help="Where the demo keeps its data, logs and pids.")


@main.group()
def demo() -> None:
    """A local stack: real Prometheus with history, the simulator, autoheal."""


def _report_stopped(results: list, what: str, workdir: str, width: int) -> None:
    if not results:
        click.echo(f"no {what} recorded in {workdir}")
    for proc, outcome in results:
        click.echo(f"  {proc.name:<{width}} pid {proc.pid}: {outcome}")


@demo.command("up")
@spec_option
@workdir_option
@click.option("--prometheus-port", type=int, default=defaults.PROMETHEUS_PORT, show_default=True)
@click.option("--autoheal-port", type=int, default=defaults.AUTOHEAL_PORT, show_default=True)
@click.option("--simulator-port", type=int, default=defaults.SIMULATOR_PORT, show_default=True)
@click.option("--alertmanager-port", type=int, default=defaults.ALERTMANAGER_PORT, show_default=True)
@click.option("--blackbox-port", type=int, default=defaults.BLACKBOX_PORT, show_default=True)
@click.option("--crm-api-port", type=int, default=defaults.CRM_API_PORT, show_default=True,
              help="The probed endpoint that chaos experiments break (started when the spec has probes).")
@click.option("--history-days", type=click.IntRange(1, 60), default=defaults.DEMO_HISTORY_DAYS, show_default=True,
              help="Days of simulated history backfilled before the live start.")
@click.option("--actions", type=click.Path(dir_okay=False), default=None,
              help="Autoheal mapping file. Default: each alert the spec marks `autoheal: true` runs "
                   "`aethervision simulate recovery` (the demo's stand-in for a rollback).")
@click.option("--incidents/--no-incidents", default=True, show_default=True,
              help="Put a slow burn, an outage and a blip into the history (`make backtest` reports them).")
@click.option("--past-alerts/--no-past-alerts", default=True, show_default=True,
              help="Also record the alerts (ALERTS) and the runway over the history, as a live Prometheus "
                   "would have, so `aethervision report` tells the demo's incidents and runway trend.")
@handle_errors
def demo_up(spec_path, workdir, prometheus_port, autoheal_port, simulator_port, alertmanager_port, blackbox_port,
            crm_api_port, history_days, actions, incidents, past_alerts):
    """Start the stack in the background; `make demo-stop` stops it.

    \b
    1. writes HISTORY_DAYS of payments (10/s, 0.1% failing; with --incidents
       also a slow burn, an outage and a blip) and turns them into TSDB
       blocks (promtool tsdb create-blocks-from openmetrics);
    2. backfills the recording rules the 30-day window reads (range queries
       at each rule's interval against a temporary Prometheus, level by level)
       and, with --past-alerts, those the alerts and the runway read, then
       the alerts' firing samples (ALERTS) replayed over the history;
    3. starts the simulator, the autoheal service (AUTOHEAL_ENABLED is passed
       on), crm-api (the endpoint chaos experiments break), the blackbox
       exporter probing the demo's own services, Alertmanager
       (routing to autoheal with a fresh bearer token) and Prometheus with the
       generated config and rules;
    4. returns once the first rule evaluation has recorded the runway.
    Needs Debian's prometheus, prometheus-alertmanager and
    prometheus-blackbox-exporter packages, which `make demo` installs.
    """
    spec = load_spec(spec_path)
    passed = {k: os.environ[k] for k in ("AUTOHEAL_ENABLED", "AUTOHEAL_WEBHOOK_TOKEN") if k in os.environ}
    cfg = stack.DemoConfig(workdir=Path(workdir), prometheus_port=prometheus_port, autoheal_port=autoheal_port,
                           simulator_port=simulator_port, alertmanager_port=alertmanager_port,
                           blackbox_port=blackbox_port, crm_api_port=crm_api_port, history_days=history_days,
                           actions=Path(actions) if actions else None,
                           incidents=tuple(i for i in defaults.DEMO_INCIDENTS
                                           if incidents and i[1] < history_days * 86400),
                           past_alerts=past_alerts, autoheal_env=passed)
    urls = stack.up(spec, cfg, progress=lambda message: click.echo(f"demo: {message}"))
    click.echo("\nAetherVision demo is running:")
    click.echo(f"  Prometheus   {urls['prometheus']}   (alerts: {urls['prometheus']}/alerts)")
    click.echo(f"  autoheal     {urls['autoheal']}   (metrics: {urls['autoheal']}/metrics)")
    click.echo(f"  simulator    {urls['simulator']}/metrics")
    if "alertmanager" in urls:
        click.echo(f"  Alertmanager {urls['alertmanager']}   (routes to autoheal; UI at /#/alerts)")
    if "blackbox" in urls:
        click.echo(f"  blackbox     {urls['blackbox']}   (probes the demo's services)")
        click.echo(f"  crm-api      {urls['crm-api']}/healthz   (the endpoint `make chaos-tcp` stops)")
    click.echo("Next: make show-breach · make vision-verify · make simulate-dip · make chaos-tcp · make demo-stop")


@demo.command("down")
@workdir_option
@handle_errors
def demo_down(workdir):
    """Stop exactly the processes `demo up` started (by recorded pid)."""
    _report_stopped(stack.down(Path(workdir)), "demo", workdir, 11)


@demo.command("heal")
@workdir_option
@click.option("--only", multiple=True, metavar="NAME", help="Look at this process only (repeatable), e.g. crm-api.")
@handle_errors
def demo_heal(workdir, only):
    """Start again every demo process that is down or unhealthy.

    
    A process is healthy when it still runs the recorded command and its
    readiness URL answers 200; otherwise it is stopped (if it is still there)
    and started with the recorded command, environment and log, and demo.json
    gets the new pid. In the demo this is the autoheal action for
    TcpEndpointDownFast and HttpEndpointDownFast; chaos experiments restore
    with it too.
    """
    for name, outcome in heal.heal(Path(workdir), set(only) or None, progress=lambda m: click.echo(f"heal: {m}")):
        click.echo(f"  {name:<12} {outcome}")


@demo.command("status")
@workdir_option
@handle_errors
def demo_status(workdir):
    """Which demo processes run, and where."""
    procs, urls = stack.status(Path(workdir))
    if not procs:
        click.echo("no demo recorded in " + workdir)
    for proc, alive in procs:
        click.echo(f"  {proc.name:<11} pid {proc.pid}: {'running' if alive else 'not running'}  (log {proc.log})")
    for name, url in sorted(urls.items()):
        click.echo(f"  {name:<11} {url}")


@demo.command("fleet-up")
@spec_option
@click.option("--workdir", type=click.Path(file_okay=False), default=".demo-fleet", show_default=True)
@click.option("--history-days", type=click.IntRange(1, 60), default=defaults.DEMO_HISTORY_DAYS, show_default=True)
@handle_errors
def demo_fleet_up(spec_path, workdir, history_days):
    """Two clusters into one VictoriaMetrics, rules in vmalert (make demo-fleet).

    \b
    Starts VictoriaMetrics (:8428), imports each cluster's history and replays the
    recording rules the SLO window reads (vmalert -replay), then two Prometheus
    (external label cluster=eu / us, each scraping its own simulator,
    remote-writing to VictoriaMetrics), Alertmanager (:9193) and vmalert (:8880)
    with the generated rules. Needs Debian's victoria-metrics, prometheus and
    prometheus-alertmanager packages, which `make demo-fleet` installs.
    """
    spec = load_spec(spec_path)
    cfg = fleet.FleetConfig(workdir=Path(workdir), history_days=history_days)
    urls = fleet.up(spec, cfg, progress=lambda message: click.echo(f"demo-fleet: {message}"))
    click.echo("\nAetherVision fleet demo is running:")
    for name, url in urls.items():
        click.echo(f"  {name:<16} {url}")
    click.echo(f"Next: aethervision breach --spec {spec_path} --prometheus-url {urls['victoriametrics']} "
               f"· make demo-fleet-stop")


@demo.command("fleet-down")
@click.option("--workdir", type=click.Path(file_okay=False), default=".demo-fleet", show_default=True)
@handle_errors
def demo_fleet_down(workdir):
    """Stop exactly the processes `demo fleet-up` started."""
    _report_stopped(fleet.down(Path(workdir)), "fleet demo", workdir, 16)
