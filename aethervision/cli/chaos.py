"""`aethervision chaos NAME`: one experiment of the chaos playbook against the running demo."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from aethervision.cli.common import handle_errors, load_spec, main, spec_option
from aethervision.core import defaults
from aethervision.core.lazy import Lazy

experiments_mod, inject, report, runner = (Lazy("aethervision.ops.chaos.experiments"),
                                           Lazy("aethervision.ops.chaos.inject"),
                                           Lazy("aethervision.ops.chaos.report"), Lazy("aethervision.ops.chaos.run"))


def _sigterm_as_interrupt(_signum, _frame):
    raise KeyboardInterrupt  # a stopped run restores the demo, as Ctrl-C does


@main.command()
@click.argument("name", required=False)
@spec_option
@click.option("--experiments", "experiments_path", type=click.Path(dir_okay=False),
              default=defaults.CHAOS_EXPERIMENTS, show_default=True, help="The experiments file.")
@click.option("--workdir", type=click.Path(file_okay=False), default=defaults.DEMO_DIR, show_default=True,
              help="The running demo's folder (`make demo`).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Where the JSON and markdown reports go. Default: WORKDIR/chaos.")
@handle_errors
def chaos(name, spec_path, experiments_path, workdir, out):
    """Break the running demo on purpose and check that it is noticed and healed.

    \b
    Without NAME, lists the experiments. With NAME (tcp, http, burn in
    chaos/experiments.yaml; `make chaos-tcp` ...):
      1. pre-checks: `verify` green, every probe up, the runway recorded, the
         expected alert quiet, autoheal enabled and out of cooldown;
      2. the injection: stop a demo process, make crm-api's health check
         answer 500, or make the simulator fail a share of the payments;
      3. waits (up to the experiment's deadline) for the alert to fire in
         Prometheus, Alertmanager to hold it and autoheal to act;
      4. restores, always: after a missed expectation, an error, Ctrl-C;
      5. post-checks until recovered: alert resolved, probes up, runway back.
    Prints the report and writes it as JSON and markdown. Exit 1 when an
    expectation or check failed, 2 on errors, 130 when interrupted.
    """
    path = Path(experiments_path)
    experiments = experiments_mod.load(path)
    if name is None:
        for experiment in experiments.values():
            click.echo(f"  {experiment.name:<8} {experiment.description}")
        return
    experiment = experiments_mod.get(experiments, name, path)
    spec = load_spec(spec_path)
    demo = inject.Demo.find(Path(workdir))
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        result = runner.run(spec, demo, experiment, progress=lambda line: click.echo(f"chaos: {line}", err=True))
    finally:
        signal.signal(signal.SIGTERM, previous)
    json_path, md_path = report.write(result, Path(out) if out else Path(workdir) / "chaos")
    click.echo(report.markdown(result))
    click.echo(f"reports: {md_path} {json_path}")
    if result.outcome != "passed":
        sys.exit({"error": 2, "interrupted": 130}.get(result.outcome, 1))
