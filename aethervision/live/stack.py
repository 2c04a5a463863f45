"""`make demo`: a real local stack with history, started and stopped by pid.

Up: write N days of simulated payment history, turn it into TSDB blocks
(promtool), backfill the recording rules the SLO window reads (promtool,
against a temporary Prometheus), then start the simulator, the autoheal
service and Prometheus with the generated config and rules.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aethervision.builder import outputs, render
from aethervision.clients import promtool
from aethervision.core import defaults
from aethervision.core.errors import ToolMissing, UserError
from aethervision.core.model import Spec
from aethervision.live import services, simulator
from aethervision.live.procs import Proc, free_port, load, port_free, running, save, spawn, stop, wait_http
from aethervision.ops import prometheus as prom_config
from aethervision.rules import files as rules

STATE_FILE = "demo.json"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoConfig:
    workdir: Path = Path(defaults.DEMO_DIR)
    host: str = defaults.HOST
    prometheus_port: int = defaults.PROMETHEUS_PORT
    autoheal_port: int = defaults.AUTOHEAL_PORT
    simulator_port: int = defaults.SIMULATOR_PORT
    history_days: int = defaults.DEMO_HISTORY_DAYS  # the 30-day window plus a day
    history_step: int = 60
    backfill_interval: str | None = None  # default: the spec's evaluation interval
    scrape_interval: str | None = None  # default: the spec's
    evaluation_interval: str | None = None  # default: the spec's
    rps: float = simulator.DEFAULT_RPS
    error_ratio: float = simulator.HEALTHY_RATIO
    actions: Path = Path(defaults.ACTIONS_PATH)
    autoheal_env: dict[str, str] = field(default_factory=dict)  # AUTOHEAL_ENABLED, token

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"


def prometheus_binary() -> str:
    path = shutil.which("prometheus")
    if not path:
        raise ToolMissing(f"prometheus not found: {promtool.INSTALL_HINT}")
    return path


def write_config(spec: Spec, cfg: DemoConfig, folder: Path) -> Path:
    """prometheus.yml and the generated rule files, pointed at the demo's ports."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in outputs.rule_files(spec).items():
        (folder / name).write_text(text)
    config = prom_config.config(spec)
    scrape_interval, evaluation_interval = prom_config.intervals(spec)
    config["global"]["scrape_interval"] = cfg.scrape_interval or scrape_interval
    config["global"]["evaluation_interval"] = cfg.evaluation_interval or evaluation_interval
    targets = {spec.autoheal.job: cfg.autoheal_port} if spec.autoheal else {}
    if spec.prometheus and spec.prometheus.scrape:  # the simulator stands in for the first SLI source
        targets[spec.prometheus.scrape[0].job] = cfg.simulator_port
    for job in config["scrape_configs"]:
        if job["job_name"] in targets:
            job["static_configs"] = [{"targets": [f"{cfg.host}:{targets[job['job_name']]}"]}]
    path = folder / "prometheus.yml"
    path.write_text(render.to_yaml(config, Path(spec.source).name))
    return path


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
    simulator.history(history, start, end, cfg.history_step, cfg.rps, cfg.error_ratio,
                      labels=_scrape_labels(spec, cfg))
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=24h",
                       str(history), str(data), timeout=600)
    if run.returncode != 0:
        raise UserError(f"promtool could not import {history}: {run.stderr.strip()}")
    passes = rules.backfill_passes(spec)
    if not passes:
        return history
    interval = cfg.backfill_interval or prom_config.intervals(spec)[1]
    empty = cfg.workdir / "backfill" / "prometheus.yml"
    empty.parent.mkdir(parents=True, exist_ok=True)
    empty.write_text(f"global:\n  evaluation_interval: {interval}\n")
    port = free_port(cfg.host)
    for i, group in enumerate(passes, 1):
        names = ", ".join(r["record"] for r in group)
        progress(f"backfilling recording rules, pass {i}/{len(passes)}: {names}")
        proc = _prometheus(cfg, empty, data, port, "prometheus-backfill")
        try:
            rule_file = cfg.workdir / "backfill" / f"pass-{i}.yml"
            rule_file.write_text(render.to_yaml({"groups": [{"name": f"backfill-{i}", "rules": group}]},
                                                spec.source))
            blocks = cfg.workdir / "backfill" / f"blocks-{i}"
            shutil.rmtree(blocks, ignore_errors=True)
            run = promtool.run("tsdb", "create-blocks-from", "rules", "--quiet", f"--start={start}",
                               f"--end={end}", f"--url={cfg.url(port)}", f"--eval-interval={interval}",
                               f"--output-dir={blocks}", str(rule_file), timeout=1800)
            if run.returncode != 0:
                raise UserError(f"promtool could not backfill {rule_file}: {run.stderr.strip()[-500:]}")
        finally:
            stop(proc)
        for block in blocks.iterdir():
            block.rename(data / block.name)
    return history


def up(spec: Spec, cfg: DemoConfig, progress: Progress = print) -> dict[str, str]:
    """Start the stack; returns its URLs. Refuses when a demo from this folder still runs."""
    state_path = cfg.workdir / STATE_FILE
    procs, _ = load(state_path)
    if any(running(p) for p in procs):
        raise UserError(f"a demo is already running (pids {', '.join(str(p.pid) for p in procs)}): "
                        "`make demo-stop` first")
    for name, port in (("Prometheus", cfg.prometheus_port), ("autoheal", cfg.autoheal_port),
                       ("simulator", cfg.simulator_port)):
        if not port_free(cfg.host, port):
            raise UserError(f"{cfg.host}:{port} is in use, needed for {name}: stop what listens there "
                            "(a system Prometheus? an earlier demo? `make demo-stop`)")
    if not cfg.actions.is_file():
        raise UserError(f"{cfg.actions}: autoheal mapping file not found")
    for stale in ("data", "prometheus", "backfill", "history.om"):
        target = cfg.workdir / stale
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    data = cfg.workdir / "data"
    config = write_config(spec, cfg, cfg.workdir / "prometheus")
    history = backfill(spec, cfg, data, progress)

    started: list[Proc] = []
    logs = cfg.workdir / "logs"
    try:
        sim = spawn("simulator", services.argv("simulator", f"{cfg.host}:{cfg.simulator_port}", rps=cfg.rps,
                                               error_ratio=cfg.error_ratio, resume_from=history),
                    logs / "simulator.log")
        started.append(sim)
        wait_http(f"{cfg.url(cfg.simulator_port)}/metrics", sim)
        heal = spawn("autoheal", services.argv("autoheal", f"{cfg.host}:{cfg.autoheal_port}", actions=cfg.actions),
                     logs / "autoheal.log", env=_env(cfg.autoheal_env))
        started.append(heal)
        wait_http(f"{cfg.url(cfg.autoheal_port)}/-/healthy", heal)
        progress("starting Prometheus with the generated rules")
        started.append(_prometheus(cfg, config, data, cfg.prometheus_port, "prometheus"))
    except BaseException:
        for proc in reversed(started):
            stop(proc)
        raise
    urls = {"prometheus": cfg.url(cfg.prometheus_port), "autoheal": cfg.url(cfg.autoheal_port),
            "simulator": cfg.url(cfg.simulator_port)}
    save(state_path, started, {"urls": urls, "started": int(time.time())})
    return urls


def _env(extra: dict[str, str]) -> dict[str, str]:
    """The child's environment: ours plus the autoheal settings."""
    return {**os.environ, **extra}


def down(workdir: Path) -> list[tuple[Proc, str]]:
    """Stop exactly the processes `up` recorded (checked by pid and command line)."""
    state_path = workdir / STATE_FILE
    procs, _ = load(state_path)
    results = [(proc, stop(proc)) for proc in reversed(procs)]
    state_path.unlink(missing_ok=True)
    return results


def status(workdir: Path) -> tuple[list[tuple[Proc, bool]], dict]:
    procs, extra = load(workdir / STATE_FILE)
    return [(p, running(p)) for p in procs], extra.get("urls", {})
