"""Commands for a running system: autoheal, simulate, breach, verify, open, demo."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from aethervision.cli.common import grafana_options, handle_errors, load_spec, main, session, spec_option, with_options
from aethervision.core import defaults
from aethervision.core.lazy import Lazy

prometheus, breach_mod = Lazy("aethervision.clients.prometheus"), Lazy("aethervision.ops.breach")
opener, services, simulator = Lazy("aethervision.ops.opener"), Lazy("aethervision.demo.services"), \
    Lazy("aethervision.demo.simulator")
verify_mod = Lazy("aethervision.ops.verify")


def _prometheus(url: str | None, spec) -> prometheus.Client:
    return prometheus.Client(url or os.environ.get("PROMETHEUS_URL") or spec.grafana.datasource_url)


prometheus_option = click.option(
    "--prometheus-url", default=None,
    help="Prometheus base URL (default: $PROMETHEUS_URL, else the spec's datasource URL, "
         "http://localhost:9090).")


@main.command()
@click.option("--listen", default=defaults.AUTOHEAL_LISTEN, show_default=True, help="HOST:PORT to serve on.")
@click.option("--actions", "actions_path", type=click.Path(dir_okay=False),
              default=lambda: os.environ.get(defaults.ACTIONS_ENV, defaults.ACTIONS_PATH),
              show_default=f"${defaults.ACTIONS_ENV}, or {defaults.ACTIONS_PATH} (relative to the current folder)",
              help="YAML mapping of alert name to command (argument list).")
@handle_errors
def autoheal(listen: str, actions_path: str) -> None:
    """Run the autoheal service: /metrics, / (status) and the Alertmanager webhook.

    \b
    POST /alertmanager takes Alertmanager's webhook payload (version 4). For a
    firing alert labelled or annotated autoheal="true" that the mapping file
    maps to a command, the command runs (no shell, with a timeout, at most once
    per cooldown per alert) only when AUTOHEAL_ENABLED=true; otherwise it is
    recorded as would_run. AUTOHEAL_WEBHOOK_TOKEN, when set, is required as
    `Authorization: Bearer <token>` (configure Alertmanager's http_config).
    Malformed payloads get 400 and change nothing. Stop with Ctrl-C or SIGTERM.
    """
    services.serve_autoheal(listen, Path(actions_path), click.echo)


@main.group()
def simulate() -> None:
    """Payment-rate simulator: crm_payments_total{status="success"|"failed"}.

    `serve` exposes the counters for Prometheus; `dip`, `recovery` and `set`
    change a running one; `backfill` writes past days for promtool.
    """


sim_url_option = click.option("--url", default=f"http://{defaults.SIMULATOR_LISTEN}", show_default=True,
                              help="The running simulator.")


@simulate.command("serve")
@click.option("--listen", default=defaults.SIMULATOR_LISTEN, show_default=True, help="HOST:PORT to serve on.")
@click.option("--rps", type=float, default=defaults.SIMULATOR_RPS, show_default=True, help="Payments per second.")
@click.option("--error-ratio", type=float, default=defaults.SIMULATOR_HEALTHY_RATIO, show_default=True,
              help="Share of payments that fail.")
@click.option("--resume-from", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Continue the counters of a history file written by `simulate backfill`.")
@handle_errors
def simulate_serve(listen, rps, error_ratio, resume_from) -> None:
    """Serve /metrics (Prometheus), / (settings) and POST /control."""
    services.serve_simulator(listen, rps, error_ratio, Path(resume_from) if resume_from else None, click.echo)


def _set(url: str, **settings) -> None:
    now = simulator.control(url, {k: v for k, v in settings.items() if v is not None})
    click.echo(f"simulator at {url}: {now['rps']:g} payments/s, error ratio {now['error_ratio']:g}")


def _preset(name: str, ratio: float, description: str):
    """`simulate dip` / `simulate recovery`: set the error ratio, with a preset default."""
    @simulate.command(name, help=description)
    @sim_url_option
    @click.option("--error-ratio", type=float, default=ratio, show_default=True)
    @handle_errors
    def command(url, error_ratio) -> None:
        _set(url, error_ratio=error_ratio)
    return command


simulate_dip = _preset("dip", defaults.SIMULATOR_DIP_RATIO,
                       "Degrade the payment rate (the runway shrinks; alerts follow).")
simulate_recovery = _preset("recovery", defaults.SIMULATOR_HEALTHY_RATIO, "Restore the healthy payment rate.")


@simulate.command("set")
@sim_url_option
@click.option("--error-ratio", type=float, default=None)
@click.option("--rps", type=float, default=None)
@handle_errors
def simulate_set(url, error_ratio, rps) -> None:
    """Set the error ratio and/or the rate of a running simulator."""
    if error_ratio is None and rps is None:
        raise click.UsageError("give --error-ratio and/or --rps")
    _set(url, error_ratio=error_ratio, rps=rps)


@simulate.command("backfill")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="OpenMetrics file to write.")
@click.option("--days", type=click.IntRange(1, 400), default=31, show_default=True)
@click.option("--step", type=click.IntRange(1, 3600), default=60, show_default=True, help="Seconds between samples.")
@click.option("--rps", type=float, default=defaults.SIMULATOR_RPS, show_default=True)
@click.option("--error-ratio", type=float, default=defaults.SIMULATOR_HEALTHY_RATIO, show_default=True)
@click.option("--end", type=int, default=None, help="Unix time of the last sample (default: now).")
@click.option("--label", "labels", multiple=True, metavar="NAME=VALUE",
              help="Extra label on every sample; give the job and instance Prometheus will scrape the "
                   "simulator as, so history and live data are one series. Repeatable.")
@handle_errors
def simulate_backfill(out, days, step, rps, error_ratio, end, labels) -> None:
    """Write DAYS of counters as OpenMetrics, for
    `promtool tsdb create-blocks-from openmetrics OUT DATA_DIR`."""
    extra = {}
    for item in labels:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier() or '"' in value:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE", param_hint="--label")
        extra[name] = value
    end = end if end is not None else int(time.time())
    last = simulator.history(Path(out), end - days * 86400, end, step, rps, error_ratio, labels=extra)
    click.echo(f"{out}: {days} days every {step}s, ending at {int(last.at)} "
               f"(success {last.success:.0f}, failed {last.failed:.0f})")


@main.command()
@spec_option
@prometheus_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def breach(spec_path, prometheus_url, fmt) -> None:
    """Days and hours to SLO breach per SLO, as Prometheus records them now (make show-breach).

    Shows the headline runway (the trend under the aethervision policy) and
    the 1h and 6h projections, the error
    budget left and the burn rates; says why when a value is missing.
    """
    spec = load_spec(spec_path)
    client = _prometheus(prometheus_url, spec)
    runways = breach_mod.fetch(client, spec)
    if fmt == "json":
        click.echo(json.dumps([r.as_dict() for r in runways], indent=1, sort_keys=True))
    else:
        click.echo(breach_mod.render(runways, spec, client.safe_url), nl=False)


@main.command()
@spec_option
@prometheus_option
@click.option("--rules-url", metavar="URL", help="Where rules and alerts are listed, when not the Prometheus "
                                                "URL: vmalert in front of VictoriaMetrics (make demo-fleet).")
@handle_errors
def verify(spec_path, prometheus_url, rules_url) -> None:
    """Health check (make vision-verify): one ✅/❌ line per check; exit 1 if any fails.

    \b
    Rules loaded in Prometheus equal the generated ones; days to breach is
    recorded; alerts firing; autoheal state; autoheal and SLI scrape targets up.
    Exit 2 when Prometheus cannot be reached.
    """
    spec = load_spec(spec_path)
    checks = verify_mod.run(_prometheus(prometheus_url, spec), spec,
                            prometheus.Client(rules_url) if rules_url else None)
    click.echo(verify_mod.render(checks), nl=False)
    if not all(c.ok for c in checks):
        sys.exit(1)


@main.command("open")
@spec_option
@with_options(grafana_options[:2])
@click.option("--timeout", default=5.0, show_default=True, help="Seconds per HTTP request.")
@click.option("--no-browser", is_flag=True, help="Only print the URL.")
@click.option("--slo", metavar="NAME", help="Open the SLO detail dashboard with this SLO selected.")
@handle_errors
def open_(spec_path, grafana_url, insecure, timeout, no_browser, slo) -> None:
    """Open the AetherVision dashboard in a browser (make open-vision); with --slo NAME, the
    SLO detail dashboard with that SLO selected.

    Checks that Grafana answers and has the dashboard (GRAFANA_URL, else the
    spec's grafana.url; GRAFANA_TOKEN optional). Prints the URL where no
    browser can open. Exit 2 when Grafana is unreachable, 1 when the dashboard
    is missing.
    """
    spec = load_spec(spec_path)
    grafana = session(grafana_url or os.environ.get("GRAFANA_URL") or spec.grafana.url, insecure, timeout,
                      anonymous=True, retries=1)
    found = opener.locate(grafana, spec, slo)
    if found.note:
        click.echo(f"note: {found.note}", err=True)
    if not no_browser and opener.open_in_browser(found.url):
        click.echo(f"opened {found.url}")
    else:
        click.echo(found.url if no_browser else f"no browser could be opened here; the dashboard is at\n"
                                                f"  {found.url}")
