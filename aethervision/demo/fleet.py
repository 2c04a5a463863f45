"""`make demo-fleet`: two clusters, one central ruler, on real VictoriaMetrics and vmalert.

Two Prometheus servers, each with its own `cluster` external label and its own
payment simulator, remote-write into one VictoriaMetrics; `vmalert` evaluates
the generated rules (an SLO grouped by `cluster`) against it, writes the
recorded series back and sends alerts to Alertmanager. Before they start, each
cluster's history is imported (VictoriaMetrics' import API) and the recorded
series the SLO window reads are backfilled with `vmalert`'s replay mode, so the
budget is full from the start. Everything listens on the loopback; processes
are recorded and stopped by pid like `make demo`'s.
"""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from aethervision.builder import outputs, render
from aethervision.clients.prometheus import Client
from aethervision.configs import alertmanager
from aethervision.configs import prometheus as prom_config
from aethervision.core import defaults, durations
from aethervision.core.errors import UserError
from aethervision.core.model import Spec
from aethervision.demo import demo_files, services, simulator
from aethervision.demo.stack import binary, prometheus_binary
from aethervision.promql import queries as q
from aethervision.rules import files as rules
from aethervision.runtime.procs import (
    Proc,
    load,
    port_free,
    running,
    save,
    spawn,
    stop,
    stop_all,
    stop_recorded,
    wait_http,
)

STATE_FILE = "fleet.json"
VM_PORT = 8428  # VictoriaMetrics' default


@dataclass(frozen=True)
class FleetConfig:
    workdir: Path = Path(".demo-fleet")
    host: str = defaults.HOST
    vm_port: int = VM_PORT
    vmalert_port: int = 8880
    alertmanager_port: int = 9193
    prometheus_ports: tuple[int, int] = (9190, 9191)
    simulator_ports: tuple[int, int] = (9201, 9202)
    clusters: tuple[str, str] = ("eu", "us")
    error_ratios: tuple[float, float] = (0.002, 0.005)
    history_days: int = defaults.DEMO_HISTORY_DAYS
    history_step: int = 60
    interval: str | None = None  # scrape and evaluation interval; default: the spec's evaluation interval

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"


def _call(url: str, data: bytes | None = None, timeout: float = 120) -> None:
    """POST (with data) or GET one of our loopback services; HTTP errors raise."""
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")  # noqa: S310
    urllib.request.urlopen(request, timeout=timeout).close()  # noqa: S310 - http URLs we built


def _job(spec: Spec) -> str:
    return spec.prometheus.scrape[0].job if spec.prometheus and spec.prometheus.scrape else "crm"


def _import_history(spec: Spec, cfg: FleetConfig, end: int) -> list[Path]:
    """Each cluster's payment history, with the labels its live series will carry, into VictoriaMetrics."""
    files = []
    for cluster, port, ratio in zip(cfg.clusters, cfg.simulator_ports, cfg.error_ratios):
        path = cfg.workdir / f"history-{cluster}.om"
        labels = {"job": _job(spec), "instance": f"{cfg.host}:{port}", "cluster": cluster}
        simulator.history(path, end - cfg.history_days * 86400, end, cfg.history_step, simulator.DEFAULT_RPS,
                          ratio, labels=labels)
        lines = []
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                series, value, stamp = line.rsplit(" ", 2)
                lines.append(f"{series} {value} {int(float(stamp) * 1000)}")
        _call(f"{cfg.url(cfg.vm_port)}/api/v1/import/prometheus", "\n".join(lines).encode())
        files.append(path)
    _call(f"{cfg.url(cfg.vm_port)}/internal/force_flush")
    return files


def _replay(spec: Spec, cfg: FleetConfig, start: int, end: int, interval: str, progress) -> None:
    """The recorded series the SLO window reads, over the history, with vmalert's replay mode."""
    passes = [batch for level in rules.backfill_passes(spec, start, end) for batch in level]
    vmalert = binary(("vmalert",), "victoria-metrics")
    for i, batch in enumerate(passes, 1):
        progress(f"replaying recording rules over the history, pass {i}/{len(passes)}")
        since, group = batch.start, list(batch.rules)
        path = cfg.workdir / "replay" / f"pass-{i}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump({"groups": [{"name": f"replay-{i}", "interval": interval, "rules": group}]}))
        stamp = lambda t: datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        proc = spawn(f"vmalert-replay-{i}", [
            vmalert, f"-rule={path.resolve()}", f"-datasource.url={cfg.url(cfg.vm_port)}",
            f"-remoteWrite.url={cfg.url(cfg.vm_port)}", "-remoteWrite.flushInterval=1s",
            f"-replay.timeFrom={stamp(since)}", f"-replay.timeTo={stamp(end)}", "-replay.disableProgressBar",
            "-replay.maxDatapointsPerQuery=10000", f"-httpListenAddr={cfg.host}:0"],
            cfg.workdir / "logs" / f"vmalert-replay-{i}.log")
        deadline = time.monotonic() + 600
        while running(proc):
            if time.monotonic() > deadline:
                stop(proc)
                raise UserError(f"vmalert replay pass {i} did not finish in 10 minutes: {proc.log}")
            time.sleep(0.5)
        _call(f"{cfg.url(cfg.vm_port)}/internal/force_flush")


def up(spec: Spec, cfg: FleetConfig, progress=print) -> dict[str, str]:
    state = cfg.workdir / STATE_FILE
    if any(running(p) for p in load(state)[0]):
        raise UserError("the fleet demo is already running: `make demo-fleet-stop` first")
    ports = [cfg.vm_port, cfg.vmalert_port, cfg.alertmanager_port, *cfg.prometheus_ports, *cfg.simulator_ports]
    for port in ports:
        if not port_free(cfg.host, port):
            raise UserError(f"{cfg.host}:{port} is in use (an earlier fleet demo? `make demo-fleet-stop`)")
    if not spec.alertmanager:
        raise UserError(f"{spec.source}: the fleet demo needs an alertmanager section")
    cfg.workdir.mkdir(parents=True, exist_ok=True)
    interval = cfg.interval or prom_config.intervals(spec)[1]
    spec = demo_files.with_intervals(spec, cfg.interval)
    logs, started = cfg.workdir / "logs", []

    def service(name: str, argv: list[str], ready: str) -> Proc:
        proc = spawn(name, argv, logs / f"{name}.log")
        started.append(proc)
        save(state, started, {"urls": {}})
        wait_http(ready, proc, timeout=120)
        return proc

    try:
        progress(f"starting VictoriaMetrics on {cfg.url(cfg.vm_port)}")
        service("victoria-metrics", [binary(("victoria-metrics",), "victoria-metrics"),
                                     f"-storageDataPath={(cfg.workdir / 'vm').resolve()}", "-retentionPeriod=100y",
                                     f"-httpListenAddr={cfg.host}:{cfg.vm_port}", "-search.latencyOffset=1s"],
                f"{cfg.url(cfg.vm_port)}/health")
        end = int(time.time()) // cfg.history_step * cfg.history_step
        progress(f"importing {cfg.history_days} days of history for {', '.join(cfg.clusters)}")
        histories = _import_history(spec, cfg, end)
        # At the slow group's interval: the replayed series are all the slow group's.
        _replay(spec, cfg, end - cfg.history_days * 86400, end, spec.rules.long_interval, progress)
        rule_dir = cfg.workdir / "rules"
        rule_dir.mkdir(exist_ok=True)
        for name, text in outputs.rule_files(spec).items():
            (rule_dir / name).write_text(text)
        am_config = cfg.workdir / "alertmanager.yml"
        am_config.write_text(render.to_yaml(alertmanager.config(spec, token_file=""), Path(spec.source).name))
        service("alertmanager", [binary(("alertmanager", "prometheus-alertmanager"), "prometheus-alertmanager"),
                                 f"--config.file={am_config.resolve()}", "--cluster.listen-address=",
                                 f"--storage.path={(cfg.workdir / 'am').resolve()}",
                                 f"--web.listen-address={cfg.host}:{cfg.alertmanager_port}"],
                f"{cfg.url(cfg.alertmanager_port)}/-/ready")
        for cluster, sim_port, prom_port, history in zip(cfg.clusters, cfg.simulator_ports, cfg.prometheus_ports,
                                                         histories):
            service(f"simulator-{cluster}", services.argv("simulator", f"{cfg.host}:{sim_port}",
                                                         rps=simulator.DEFAULT_RPS, resume_from=history,
                                                         error_ratio=cfg.error_ratios[cfg.clusters.index(cluster)]),
                    f"{cfg.url(sim_port)}/metrics")
            config = cfg.workdir / f"prometheus-{cluster}.yml"
            config.write_text(yaml.safe_dump({
                "global": {"scrape_interval": interval, "external_labels": {"cluster": cluster}},
                "scrape_configs": [{"job_name": _job(spec),
                                    "static_configs": [{"targets": [f"{cfg.host}:{sim_port}"]}]}],
                "remote_write": [{"url": f"{cfg.url(cfg.vm_port)}/api/v1/write"}]}))
            service(f"prometheus-{cluster}", [prometheus_binary(), f"--config.file={config.resolve()}",
                                              f"--storage.tsdb.path={(cfg.workdir / f'prom-{cluster}').resolve()}",
                                              f"--web.listen-address={cfg.host}:{prom_port}"],
                    f"{cfg.url(prom_port)}/-/ready")
        progress("starting vmalert with the generated rules")
        service("vmalert", [binary(("vmalert",), "victoria-metrics"),
                            *(f"-rule={(rule_dir / n).resolve()}" for n in outputs.rule_files(spec)),
                            f"-datasource.url={cfg.url(cfg.vm_port)}", f"-remoteWrite.url={cfg.url(cfg.vm_port)}",
                            f"-remoteRead.url={cfg.url(cfg.vm_port)}",
                            f"-notifier.url={cfg.url(cfg.alertmanager_port)}",
                            f"-evaluationInterval={interval}", "-remoteWrite.flushInterval=1s",
                            f"-httpListenAddr={cfg.host}:{cfg.vmalert_port}"],
                f"{cfg.url(cfg.vmalert_port)}/-/healthy")
        client, deadline = Client(cfg.url(cfg.vm_port)), time.monotonic() + 3 * durations.parse(interval) + 120
        while client.value(f"count({q.days_to_breach(spec.slos[0])}) >= {len(cfg.clusters)}") is None \
                or client.value(q.DAYS_TO_BREACH) is None:  # the aggregate group runs after the SLO's
            if time.monotonic() > deadline:
                raise UserError("vmalert recorded no runway per cluster in time: see " + str(logs))
            time.sleep(1)
    except BaseException:
        stop_all(started, state)
        raise
    urls = {"victoriametrics": cfg.url(cfg.vm_port), "vmalert": cfg.url(cfg.vmalert_port),
            "alertmanager": cfg.url(cfg.alertmanager_port),
            **{f"simulator-{c}": cfg.url(p) for c, p in zip(cfg.clusters, cfg.simulator_ports)}}
    save(state, started, {"urls": urls})
    return urls


def down(workdir: Path) -> list[tuple[Proc, str]]:
    """Stop exactly the processes `up` recorded."""
    return stop_recorded(workdir / STATE_FILE)
