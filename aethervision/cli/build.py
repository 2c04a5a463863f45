"""Commands that generate and ship the monitoring code: build, validate, push, diff."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from aethervision.cli import preview as preview_cli
from aethervision.cli.common import (
    grafana_options,
    handle_errors,
    main,
    out_option,
    progress,
    session,
    spec_option,
    with_options,
)
from aethervision.core import defaults
from aethervision.core.errors import ValidationFailed
from aethervision.core.files import write_atomic
from aethervision.core.lazy import Lazy

diff_api, preview_api = Lazy("aethervision.review.diff"), Lazy("aethervision.review.preview")
push_api, validate_api = Lazy("aethervision.grafana.push"), Lazy("aethervision.review.validate")
cost_api = Lazy("aethervision.review.cost")
diff_mod, diff_report = Lazy("aethervision.builder.diff"), Lazy("aethervision.builder.diff_report")
pipeline, prometheus = Lazy("aethervision.builder.pipeline"), Lazy("aethervision.clients.prometheus")


@main.command()
@spec_option
@out_option
@click.option("--check", is_flag=True,
              help="Write nothing; exit 1 and list stale files if disk differs from the code.")
@handle_errors
def build(spec_path: str, out_dir: str, check: bool) -> None:
    """Generate dashboards, provisioning YAML and Prometheus rules into OUT.

    Output is byte-for-byte reproducible and written all or nothing: every
    file is staged first, and on any error no file in OUT changes. Spec
    selectors are checked as PromQL when the spec loads, and every generated
    rule is parsed with promtool (when installed) before anything is written.
    """
    if check:
        changes = pipeline.check(pipeline.generate(spec_path), out_dir)
        if changes:
            click.echo(f"{len(changes)} generated file(s) are stale in {out_dir}/:", err=True)
            for change in changes:
                click.echo(f"  {change.status:<10} {out_dir}/{change.path}", err=True)
            click.echo(f"Run `aethervision build --spec {spec_path} --out {out_dir}` and commit the result.",
                       err=True)
            sys.exit(1)
        click.echo(f"{out_dir}/ is up to date with {spec_path}")
        return
    gen, problems = validate_api.generate_checked(spec_path)
    say = progress("build", len(gen.spec.slos))
    say(f"generated {len(gen.files)} files for {len(gen.spec.slos):,} SLOs and checked them")
    if problems:
        raise ValidationFailed(problems)
    if problems is None:
        click.echo("note: promtool not found, so generated rules were not parsed before writing "
                   "(spec selectors were checked); `make promtool` installs it", err=True)
    changes = pipeline.build(gen, out_dir)
    say(f"wrote {out_dir}/")
    for change in changes:
        click.echo(f"  {change.status:<8} {out_dir}/{change.path}")
    click.echo(f"{out_dir}/: {len(changes)} file(s) changed" if changes
               else f"{out_dir}/ already up to date")


@main.command()
@spec_option
@click.option("--prometheus-url", metavar="URL",
              help="Measure on this Prometheus (default: $PROMETHEUS_URL, else the spec's datasource). "
                   "Without a reachable server, use --estimate.")
@click.option("--estimate", is_flag=True, help="No Prometheus: the static estimate (range / interval, "
                                                "one series per selector), for comparing rule sets.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def cost(spec_path: str, prometheus_url: str | None, estimate: bool, fmt: str) -> None:
    """What the generated rules cost Prometheus, per SLO: samples read per hour.

    \b
    Runs every generated rule's expression once on your Prometheus with query
    statistics (`stats=all`: totalQueryableSamples, the samples it reads on your
    data) and multiplies by its group's evaluations per hour. The heaviest rule
    of each SLO is named. The rules need not be loaded: only the SLI series
    must exist. make bench-cost compares the same figures with Sloth's and
    Pyrra's rule shapes (docs/cost.md).
    """
    gen = pipeline.generate(spec_path)
    if estimate:
        click.echo(f"{cost_api.estimate(gen):,} samples per hour (static estimate: range / interval, "
                   "one series per selector; real raw selectors match more)")
        return
    url = prometheus_url or os.environ.get("PROMETHEUS_URL") or gen.spec.grafana.datasource_url
    owners = cost_api.measure(gen, prometheus.Client(url, timeout=120),
                              lambda msg: click.echo(f"  {msg}", err=True))
    click.echo(cost_api.render(owners, fmt), nl=False)


@main.command()
@spec_option
@click.option("--grafana-schema", "schema_dir", type=click.Path(file_okay=False, exists=True),
              default=lambda: os.environ.get(defaults.SCHEMA_ENV) or None,
              show_default=f"${defaults.SCHEMA_ENV}",
              help="Folder of Grafana's dashboard JSON Schemas (the grafana-foundation-sdk "
                   "repository's jsonschema/ folder). Without it the schema check is skipped, "
                   "and the output says so.")
@click.option("--skip-promtool", is_flag=True, help="Do not run promtool (PromQL parse, rule check).")
@click.option("--operator-schema", "operator_schema", type=click.Path(file_okay=False, exists=True),
              default=lambda: os.environ.get(defaults.OPERATOR_SCHEMA_ENV) or None,
              show_default=f"${defaults.OPERATOR_SCHEMA_ENV}",
              help="Folder with the prometheus-operator's PrometheusRule JSON Schema "
                   "(prometheusrule.v1.jsonschema.json), to check `outputs.prometheus_rule` objects.")
@click.option("--prometheus-url", metavar="URL",
              help="Also ask this Prometheus whether every SLI's series exist and whether each "
                   "latency bound is a real bucket of its histogram (`le` however it is spelled).")
@handle_errors
def validate(spec_path: str, schema_dir: str | None, skip_promtool: bool, operator_schema: str | None,
             prometheus_url: str | None) -> None:
    """Validate the generated output without writing it.

    \b
    Checks: Grafana's JSON Schemas (dashboard and each panel's options);
    unique panel ids; grid inside 24 columns without overlaps; refIds;
    thresholds ascending over a null base; every PromQL expression parses
    (promtool); every metric read is recorded by our rules or a documented
    input; `promtool check rules` on the generated rule files. Says on stdout
    which checks ran and which were skipped. With --prometheus-url, also
    checks the SLIs against live data.
    """
    gen = pipeline.generate(spec_path)
    report = validate_api.validate(gen, Path(schema_dir) if schema_dir else None,
                                   use_promtool=not skip_promtool,
                                   operator_schema=Path(operator_schema) if operator_schema else None)
    if prometheus_url:
        client = prometheus.Client(prometheus_url)
        live, notes = validate_api.live_sli_problems(gen.spec, client)
        report.problems += live
        report.checked.append(f"SLI series and latency buckets on {client.safe_url}")
        for note in notes:
            click.echo(f"note: {note}", err=True)
    if report.problems:
        raise ValidationFailed(report.problems)
    click.echo(f"valid: {spec_path} ({len(gen.files)} generated files)")
    for item in report.checked:
        click.echo(f"  checked  {item}")
    for item in report.skipped:
        click.echo(f"  SKIPPED  {item}")
        if item.startswith("Grafana JSON Schemas"):  # the one promise a skip breaks: say so where it shows
            click.echo(f"warning: the dashboards were not checked against Grafana's JSON Schemas: {item}", err=True)


@main.command()
@spec_option
@with_options(grafana_options)
@click.option("--dry-run", is_flag=True,
              help="Print the plan (create/update/unchanged/drift); write nothing. Reads Grafana, so "
                   "it needs GRAFANA_URL and credentials, unless --offline.")
@click.option("--offline", is_flag=True,
              help="With --dry-run: plan against nothing (no Grafana, no credentials): every "
                   "dashboard would be created.")
@click.option("--force", is_flag=True, help="Overwrite dashboards changed in Grafana since the last push.")
@click.option("--message", default=None, help="Version message (default: git commit, subject and author).")
@handle_errors
def push(spec_path, grafana_url, insecure, timeout, dry_run, offline, force, message):
    """Push the generated dashboards to Grafana's HTTP API.

    \b
    Credentials: GRAFANA_TOKEN (service-account token), or GRAFANA_USER and
    GRAFANA_PASSWORD. Each dashboard is created, updated, left unchanged (no
    write) or refused as drift: changed in Grafana since AetherVision last
    pushed it. Drift exits 1 with a diff of what would be lost, unless --force.
    5xx, timeouts and dropped connections are retried with backoff, then exit 2.
    """
    if offline and not dry_run:
        raise click.UsageError("--offline only goes with --dry-run")
    gen = pipeline.generate(spec_path)
    if offline:
        click.echo("offline plan (no Grafana read): every dashboard would be created")
        _print_steps(push_api.offline_plan(gen))
        return
    try:
        report = push_api.push(gen, session(grafana_url, insecure, timeout), dry_run=dry_run, force=force,
                               message=message)
    except push_api.PushFailed as exc:
        _print_steps(exc.report)
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    _print_steps(report)
    if report.drifted and not force and not dry_run:
        for uid, lost in push_api.drift_changes(gen, report).items():
            click.echo(f"drift: {uid} was changed in Grafana since the last push; "
                       "pushing would lose:", err=True)
            click.echo(diff_report.render(lost, "text"), err=True, nl=False)
        click.echo("Refusing to overwrite. Re-run with --force to replace the Grafana copy.", err=True)
        sys.exit(1)


def _print_steps(report) -> None:
    if report.via:
        click.echo(f"  through {report.via} ({'schema v2' if report.family == 'v2' else 'classic model'})")
    for step in report.steps:
        suffix = f" ({step.result})" if step.result else ""
        click.echo(f"  {step.action:<9} {step.uid}  {step.title!r}{suffix}")
    for step in report.alerting:
        click.echo(f"  {step.action:<9} {step.what} ({step.result})")
    if report.folder_created:
        click.echo("  created folder")


@main.command()
@spec_option
@click.option("--base", default=None, help="Git ref to compare with (its committed provisioning/).")
@click.option("--dir", "folder", type=click.Path(file_okay=False), default=None,
              help="A provisioning-style folder of JSON/YAML to compare with.")
@click.option("--remote", is_flag=True, help="Compare with the live Grafana (GRAFANA_URL).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything differs.")
@click.option("--preview", "preview_dir", type=click.Path(file_okay=False), default=None,
              help="Write before/after PNGs of each changed panel and dashboard here (same data for both; "
                   "--prometheus-url, else the sample scenario), and list them in the markdown.")
@click.option("--prometheus-url", metavar="URL",
              help="With --preview: the data to draw. Also measures the rules' cost on it (samples per hour, "
                   "from query statistics) instead of the static estimate.")
@click.option("--full", "full_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the complete report (no size limit) to this file; the markdown on stdout "
                   "stays under GitHub's comment limit and points at it.")
@with_options(grafana_options)
@handle_errors
def diff(spec_path, base, folder, remote, fmt, exit_code, preview_dir, prometheus_url, full_path, grafana_url,
         insecure, timeout):
    """Semantic diff of everything generated: a base state -> what the code generates.

    \b
    Base: --base REF (default HEAD), --dir FOLDER, or --remote (Grafana:
    dashboards only). Panels: added, removed, moved, resized; title, type,
    queries (expression and legend), unit, thresholds, value mappings. Rules:
    expr, for, labels, annotations, and what they cost Prometheus (samples read
    per hour: measured with --prometheus-url, else a static estimate). Other files (scrape config, datasources,
    Alertmanager, blackbox): key by key. Markdown opens with a per-SLO summary
    and keeps details in collapsible sections, under 60,000 characters.
    """
    if sum(bool(x) for x in (base, folder, remote)) > 1:
        raise click.UsageError("use one of --base, --dir, --remote")
    gen = pipeline.generate(spec_path)
    say = progress("diff", len(gen.spec.slos))
    say(f"generated {len(gen.files)} files from {spec_path}")
    remote_session = session(grafana_url, insecure, timeout) if remote else None
    old, new = diff_api.states(gen, base=base, folder=Path(folder) if folder else None, session=remote_session,
                               whole_rules=bool(prometheus_url), say=say)
    say("comparing")
    if prometheus_url and old.get("rule_docs") is not None:  # measured cost instead of the estimate
        client = prometheus.Client(prometheus_url, timeout=120)
        for state in (old, new):
            state["cost"] = cost_api.per_hour(state["rule_docs"], client)
            state["cost_source"] = f"measured on {client.safe_url}"
    changes = diff_mod.compare(old, new)
    if not folder and not remote:  # the spec in words first: what the rule rows below follow from
        changes = diff_api.spec_changes(gen.spec, base) + changes
    full_name = Path(full_path).name if full_path else ""
    report = diff_report.render(changes, fmt, full_name=full_name)
    if preview_dir:
        source = preview_cli.source_for(prometheus_url, not prometheus_url, gen.spec)
        images = preview_api.diff_images(old["dashboards"], new["dashboards"], changes, source,
                                         preview_cli.parse_at(None), 86400, Path(preview_dir))
        if fmt == "markdown":
            report += preview_api.markdown(images)
        else:
            click.echo(f"{len(images)} preview(s) in {preview_dir}/ ({source.name})", err=True)
    click.echo(report, nl=False)
    if full_path:
        write_atomic(Path(full_path), diff_report.render(changes, fmt, limit=None))
    if exit_code and changes:
        sys.exit(1)
