"""The demo's files: the generated configuration, pointed at the demo's own ports.

Prometheus, Alertmanager and the blackbox exporter get the configuration
`aethervision build` writes, with addresses moved to the demo's ports; the
probes target the demo's own services (HTTP and TCP), so a healthy demo has
twelve healthy probes and stopping a service drops its two; crm-api is there to be
broken (chaos experiments) and healed (`demo heal`, the endpoint-down alerts' action). The autoheal webhook
token is a fresh random file that Alertmanager sends and autoheal requires.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aethervision.autoheal import actions as actions_mod
from aethervision.builder import outputs, render
from aethervision.configs import alertmanager, blackbox
from aethervision.configs import prometheus as prom_config
from aethervision.core import defaults, durations
from aethervision.core.model import Spec
from aethervision.demo import endpoint, simulator
from aethervision.rules import files as rules


@dataclass(frozen=True)
class DemoConfig:
    workdir: Path = Path(defaults.DEMO_DIR)
    host: str = defaults.HOST
    prometheus_port: int = defaults.PROMETHEUS_PORT
    autoheal_port: int = defaults.AUTOHEAL_PORT
    simulator_port: int = defaults.SIMULATOR_PORT
    alertmanager_port: int = defaults.ALERTMANAGER_PORT
    blackbox_port: int = defaults.BLACKBOX_PORT
    crm_api_port: int = defaults.CRM_API_PORT
    history_days: int = defaults.DEMO_HISTORY_DAYS  # the 30-day window plus a day
    history_step: int = 60
    backfill_interval: str | None = None  # also the slow group's interval; default: the spec's (5m)
    scrape_interval: str | None = None  # default: the spec's
    evaluation_interval: str | None = None  # default: the spec's
    rps: float = simulator.DEFAULT_RPS
    error_ratio: float = simulator.HEALTHY_RATIO
    incidents: tuple[tuple[str, int, int, float], ...] = ()  # defaults.DEMO_INCIDENTS' shape; `make demo` has them
    past_alerts: bool = False  # record alerts and runway over the history too (demo_history; `make demo` does)
    actions: Path | None = None  # None: the demo maps the spec's autoheal alerts to `simulate recovery`
    autoheal_env: dict[str, str] = field(default_factory=dict)  # AUTOHEAL_ENABLED, token

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}"

    def address(self, port: int) -> str:
        return f"{self.host}:{port}"

    def services(self, spec: Spec) -> dict[str, int]:
        """The demo's processes and their ports (Alertmanager and blackbox when the spec has them)."""
        out = {"Prometheus": self.prometheus_port, "autoheal": self.autoheal_port, "simulator": self.simulator_port}
        if spec.alertmanager:
            out["Alertmanager"] = self.alertmanager_port
        if spec.probes:
            out["blackbox exporter"] = self.blackbox_port
            out["crm-api"] = self.crm_api_port
        return out


def own_probe_targets(cfg: DemoConfig, spec: Spec) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(HTTP URLs, TCP addresses) of the demo's own services."""
    paths = {cfg.prometheus_port: "/-/healthy", cfg.autoheal_port: "/-/healthy", cfg.simulator_port: "/metrics",
             cfg.alertmanager_port: "/-/healthy", cfg.blackbox_port: "/metrics",
             cfg.crm_api_port: endpoint.HEALTH_PATH}
    ports = list(cfg.services(spec).values())
    return (tuple(f"{cfg.url(p)}{paths[p]}" for p in ports), tuple(cfg.address(p) for p in ports))


def health_urls(spec: Spec, cfg: DemoConfig) -> dict[str, str]:
    """Each demo process's readiness URL, by its recorded name: start-up waits for it and
    `demo heal` restarts a process that does not answer it with 200."""
    urls = {"simulator": f"{cfg.url(cfg.simulator_port)}/metrics",
            "autoheal": f"{cfg.url(cfg.autoheal_port)}/-/healthy",
            "prometheus": f"{cfg.url(cfg.prometheus_port)}/-/ready"}
    if spec.probes:
        urls["crm-api"] = f"{cfg.url(cfg.crm_api_port)}{endpoint.HEALTH_PATH}"
        urls["blackbox"] = f"{cfg.url(cfg.blackbox_port)}/-/healthy"
    if spec.alertmanager:
        urls["alertmanager"] = f"{cfg.url(cfg.alertmanager_port)}/-/ready"
    return urls


def demo_spec(spec: Spec, cfg: DemoConfig) -> Spec:
    """The spec as the demo runs it (its rule intervals follow an overridden evaluation interval)."""
    return with_intervals(spec, cfg.evaluation_interval, cfg.backfill_interval)


def with_intervals(spec: Spec, evaluation: str | None, slow: str | None = None) -> Spec:
    """With a shorter evaluation interval (tests), the fast rules follow it; the slow group runs
    at `slow`, the step its history is backfilled at (a tile is the increase since the previous
    tile, so tiles are recorded exactly one tile apart), else at the spec's interval."""
    if not evaluation and not slow:
        return spec
    fast = durations.parse(evaluation) if evaluation else spec.rules.interval_seconds
    tile = durations.parse(slow) if slow else spec.rules.long_interval_seconds
    return dataclasses.replace(spec, rules=dataclasses.replace(
        spec.rules, interval=durations.format(fast), interval_seconds=fast,
        long_interval=durations.format(tile), long_interval_seconds=tile))


def prometheus_yml(spec: Spec, cfg: DemoConfig, folder: Path) -> Path:
    """prometheus.yml and the generated rule files in `folder`, pointed at the demo's ports."""
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
    jobs = [job for job in config["scrape_configs"] if not job["job_name"].startswith("blackbox_")]
    for job in jobs:
        if job["job_name"] in targets:
            job["static_configs"] = [{"targets": [cfg.address(targets[job["job_name"]])]}]
    if spec.probes:
        http, tcp = own_probe_targets(cfg, spec)
        probes = dataclasses.replace(spec.probes, http_targets=http, tcp_targets=tcp)
        jobs += blackbox.scrape_jobs(probes, exporter=cfg.address(cfg.blackbox_port))
    config["scrape_configs"] = jobs
    if spec.alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [
            {"targets": [cfg.address(cfg.alertmanager_port)]}]}]}
    path = folder / "prometheus.yml"
    path.write_text(render.to_yaml(config, Path(spec.source).name))
    return path


def token_file(cfg: DemoConfig, token: str | None = None) -> Path:
    """The autoheal webhook's bearer token (given, or fresh and random), readable by this user only."""
    path = cfg.workdir / "autoheal-token"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write((token or secrets.token_urlsafe(32)) + "\n")
    return path


def alertmanager_yml(spec: Spec, cfg: DemoConfig, token: Path) -> Path:
    config = alertmanager.config(spec, autoheal_url=f"{cfg.url(cfg.autoheal_port)}{alertmanager.WEBHOOK_PATH}",
                                 token_file=str(token.resolve()))
    path = cfg.workdir / "alertmanager" / "alertmanager.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render.to_yaml(config, Path(spec.source).name))
    if spec.slack is not None:
        (path.parent / alertmanager.SLACK_TEMPLATE_FILE).write_text(alertmanager.SLACK_TEMPLATE)
    return path


def blackbox_yml(spec: Spec, cfg: DemoConfig) -> Path:
    path = cfg.workdir / "blackbox" / "blackbox.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render.to_yaml(blackbox.modules(), Path(spec.source).name))
    return path


def autoheal_alerts(spec: Spec) -> list[str]:
    """Generated alerts the spec marks `autoheal: true`."""
    return [rule["alert"] for _, _, rule in rules.walk_rules(rules.alert_rules(spec))
            if rule["labels"].get("autoheal") == "true"]


ENDPOINT_DOWN = ("HttpEndpointDownFast", "TcpEndpointDownFast")


def actions_yml(spec: Spec, cfg: DemoConfig) -> Path:
    """The autoheal mapping: the given file, or one that answers each autoheal-marked alert
    with `aethervision simulate recovery` (in the demo, that stands for a rollback), and the
    endpoint-down alerts with `aethervision demo heal` (restart what is down or unhealthy)."""
    if cfg.actions is not None:
        return cfg.actions
    rollback = {"description": "Demo rollback: restore the healthy payment rate.",
                "command": [sys.executable, "-m", "aethervision", "simulate", "recovery",
                            "--url", cfg.url(cfg.simulator_port)]}
    restart = {"description": "Demo restart: start again every demo process that is down or unhealthy.",
               "command": [sys.executable, "-m", "aethervision", "demo", "heal",
                           "--workdir", str(cfg.workdir.resolve())],
               "timeout": "2m", "cooldown": "1m"}  # a restart is cheap; chaos runs may follow each other
    doc = {"version": actions_mod.VERSION, "defaults": {"timeout": "30s", "cooldown": "10m"},
           "actions": {name: restart if name in ENDPOINT_DOWN else rollback for name in autoheal_alerts(spec)}}
    path = cfg.workdir / "autoheal-actions.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path
