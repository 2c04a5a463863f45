"""`make demo`: a real local stack with history, started and stopped by pid.

Up: write N days of simulated payment history, turn it into TSDB blocks
(promtool), backfill the recording rules the SLO window reads (rule_backfill,
against a temporary Prometheus), then start the simulator, the autoheal
service and Prometheus with the generated config and rules.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from aethervision.backtest import rule_backfill
from aethervision.clients import promtool
from aethervision.clients.prometheus import Client
from aethervision.configs import prometheus as prom_config
from aethervision.core import durations
from aethervision.core.errors import UserError
from aethervision.core.model import Spec
from aethervision.demo import demo_files as files
from aethervision.demo import demo_history, heal, services, simulator
from aethervision.demo.demo_files import DemoConfig
from aethervision.promql import queries as q
from aethervision.rules import files as rules
from aethervision.runtime.procs import (
    Proc,
    binary,
    load,
    port_free,
    prometheus_binary,
    running,
    save,
    spawn,
    stop,
    stop_all,
    stop_recorded,
    wait_http,
)

STATE_FILE = heal.STATE_FILE
Progress = Callable[[str], None]


def _service(cfg: DemoConfig, name: str, argv: list[str], ready: str, env: dict[str, str] | None = None) -> Proc:
    proc = spawn(name, argv, cfg.workdir / "logs" / f"{name}.log", env)
    try:
        wait_http(ready, proc, timeout=60)
    except BaseException:
        stop(proc)
        raise
    return proc


def _first_evaluation(cfg: DemoConfig, spec: Spec, progress: Progress) -> None:
    """Wait until the rules have produced the runway, so `make vision-verify` passes at once."""
    client = Client(cfg.url(cfg.prometheus_port))
    evaluation = durations.parse(cfg.evaluation_interval or prom_config.intervals(spec)[1])
    progress(f"waiting for the first rule evaluation (every {evaluation}s)")
    deadline = time.monotonic() + 3 * evaluation + 60
    while client.value(q.DAYS_TO_BREACH) is None:
        if time.monotonic() > deadline:
            raise UserError(f"Prometheus recorded no runway within {3 * evaluation + 60}s: see "
                            f"{cfg.workdir / 'logs' / 'prometheus.log'}")
        time.sleep(0.5)
    if spec.probes:  # the first probe scrapes may land after the first evaluation: give them a round
        expected = sum(len(targets) for targets in files.own_probe_targets(cfg, spec))
        deadline = time.monotonic() + 2 * evaluation + 30
        while (client.value(q.probes_up()) or 0) < expected and time.monotonic() < deadline:
            time.sleep(0.5)


def _prometheus(cfg: DemoConfig, config: Path, data: Path, port: int, name: str) -> Proc:
    argv = [prometheus_binary(), f"--config.file={config.resolve()}", f"--storage.tsdb.path={data.resolve()}",
            f"--web.listen-address={cfg.host}:{port}", "--storage.tsdb.retention.time=60d",
            "--web.enable-lifecycle"]
    proc = spawn(name, argv, cfg.workdir / "logs" / f"{name}.log")
    try:
        wait_http(f"{cfg.url(port)}/-/ready", proc, timeout=120)
    except BaseException:
        stop(proc)
        raise
    return proc


def _scrape_labels(spec: Spec, cfg: DemoConfig) -> dict[str, str]:
    """The labels Prometheus gives the simulator's samples (see write_config)."""
    if not (spec.prometheus and spec.prometheus.scrape):
        return {}
    return {"job": spec.prometheus.scrape[0].job, "instance": f"{cfg.host}:{cfg.simulator_port}"}


def backfill(spec: Spec, cfg: DemoConfig, data: Path, progress: Progress) -> Path:
    """Write history blocks into data/: raw counters, then the recorded series the window reads.

    Returns the history file, whose counters the live simulator continues.
    """
    end = int(time.time())
    start = end - cfg.history_days * 86400
    history = cfg.workdir / "history.om"
    progress(f"writing {cfg.history_days} days of payment history ({history})")
    spans = tuple((end - ago, end - ago + seconds, ratio) for _, ago, seconds, ratio in cfg.incidents)
    for name, ago, seconds, ratio in cfg.incidents:
        progress(f"  with an incident: {name}, {ratio:.1%} of payments failing for {seconds // 60} minutes, "
                 f"{time.strftime('%d %b %H:%M UTC', time.gmtime(end - ago))}")
    simulator.history(history, start, end, cfg.history_step, cfg.rps, cfg.error_ratio,
                      labels=_scrape_labels(spec, cfg), incidents=spans)
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=24h",
                       str(history), str(data), timeout=600)
    if run.returncode != 0:
        raise UserError(f"promtool could not import {history}: {run.stderr.strip()}")
    if cfg.past_alerts:
        demo_history.record(spec, data, start, end, cfg.history_step, cfg.workdir / "backfill", progress, cfg.host)
        return history
    levels = rule_backfill.from_batches(rules.backfill_passes(spec, start, end), end)
    progress(f"backfilling recording rules in {len(levels)} levels, one tile apart: "
             f"{'; '.join(p.names for level in levels for p in level)}")
    rule_backfill.run(levels, data, cfg.workdir / "backfill", lambda line: progress(line.strip()),
                      name="prometheus-backfill", host=cfg.host)
    return history


def up(spec: Spec, cfg: DemoConfig, progress: Progress = print) -> dict[str, str]:
    """Start the stack; returns its URLs. Refuses when a demo from this folder still runs."""
    spec = files.demo_spec(spec, cfg)
    state_path = cfg.workdir / STATE_FILE
    procs, _ = load(state_path)
    if any(running(p) for p in procs):
        raise UserError(f"a demo is already running (pids {', '.join(str(p.pid) for p in procs)}): "
                        "`make demo-stop` first")
    for name, port in cfg.services(spec).items():
        if not port_free(cfg.host, port):
            raise UserError(f"{cfg.host}:{port} is in use, needed for {name}: stop what listens there "
                            "(a system Prometheus or Alertmanager? an earlier demo? `make demo-stop`)")
    if cfg.actions is not None and not cfg.actions.is_file():
        raise UserError(f"{cfg.actions}: autoheal mapping file not found")
    for stale in ("data", "prometheus", "backfill", "history.om", "alertmanager", "blackbox"):
        target = cfg.workdir / stale
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    data = cfg.workdir / "data"
    config = files.prometheus_yml(spec, cfg, cfg.workdir / "prometheus")
    actions = files.actions_yml(spec, cfg)
    env = dict(cfg.autoheal_env)
    # One token file that Alertmanager sends and autoheal requires: the given token, or a fresh one.
    token = files.token_file(cfg, env.pop("AUTOHEAL_WEBHOOK_TOKEN", None))
    env["AUTOHEAL_WEBHOOK_TOKEN_FILE"] = str(token.resolve())
    history = backfill(spec, cfg, data, progress)

    started: list[Proc] = []
    health = files.health_urls(spec, cfg)  # what `demo heal` checks before restarting a process

    def service(name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        started.append(_service(cfg, name, argv, health[name], env))

    try:
        service("simulator", services.argv("simulator", cfg.address(cfg.simulator_port), rps=cfg.rps,
                                           error_ratio=cfg.error_ratio, resume_from=history))
        service("autoheal", services.argv("autoheal", cfg.address(cfg.autoheal_port), actions=actions), env)
        if spec.probes:
            service("crm-api", services.argv("endpoint", cfg.address(cfg.crm_api_port)))
            service("blackbox", [
                binary(("prometheus-blackbox-exporter", "blackbox_exporter"), "prometheus-blackbox-exporter"),
                f"--config.file={files.blackbox_yml(spec, cfg).resolve()}",
                f"--web.listen-address={cfg.address(cfg.blackbox_port)}"])
        if spec.alertmanager:
            am_config = files.alertmanager_yml(spec, cfg, token)
            service("alertmanager", [
                binary(("alertmanager", "prometheus-alertmanager"), "prometheus-alertmanager"),
                f"--config.file={am_config.resolve()}",
                f"--storage.path={(cfg.workdir / 'alertmanager' / 'data').resolve()}",
                f"--web.listen-address={cfg.address(cfg.alertmanager_port)}", "--cluster.listen-address="])
        progress("starting Prometheus with the generated rules")
        started.append(_prometheus(cfg, config, data, cfg.prometheus_port, "prometheus"))
        save(state_path, started, {"urls": {}, "health": health, "started": int(time.time())})  # stoppable now
        _first_evaluation(cfg, spec, progress)
    except BaseException:
        stop_all(started, state_path)
        raise
    urls = {"prometheus": cfg.url(cfg.prometheus_port), "autoheal": cfg.url(cfg.autoheal_port),
            "simulator": cfg.url(cfg.simulator_port)}
    if spec.alertmanager:
        urls["alertmanager"] = cfg.url(cfg.alertmanager_port)
    if spec.probes:
        urls["blackbox"] = cfg.url(cfg.blackbox_port)
        urls["crm-api"] = cfg.url(cfg.crm_api_port)
    save(state_path, started, {"urls": urls, "health": health, "started": int(time.time())})
    return urls


def down(workdir: Path) -> list[tuple[Proc, str]]:
    """Stop exactly the processes `up` recorded (checked by pid and command line)."""
    return stop_recorded(workdir / STATE_FILE)


def status(workdir: Path) -> tuple[list[tuple[Proc, bool]], dict]:
    procs, extra = load(workdir / STATE_FILE)
    return [(p, running(p)) for p in procs], extra.get("urls", {})
