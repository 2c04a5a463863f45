"""Blackbox exporter: its module file and the scrape jobs that probe the spec's targets.

The exporter probes whatever `target` parameter Prometheus passes, so each job
moves the target address into `__param_target`, keeps it as `instance`, and
scrapes the exporter instead; `probe_kind` is the label the spec's probe
selectors (`probe_success{probe_kind="http"}`) use.
"""

from __future__ import annotations

from aethervision.core.model import Probes

MODULES = {"http": "http_2xx", "tcp": "tcp_connect"}


def modules() -> dict:
    """blackbox.yml: an HTTP 2xx module and a TCP connect module, IPv4 first (localhost)."""
    return {"modules": {
        MODULES["http"]: {"prober": "http", "timeout": "5s", "http": {"preferred_ip_protocol": "ip4"}},
        MODULES["tcp"]: {"prober": "tcp", "timeout": "5s", "tcp": {"preferred_ip_protocol": "ip4"}},
    }}


def scrape_jobs(probes: Probes, exporter: str | None = None) -> list[dict]:
    """One job per probe kind with targets; `exporter` overrides the spec's address (the demo)."""
    jobs = []
    for kind, targets in (("http", probes.http_targets), ("tcp", probes.tcp_targets)):
        if not targets:
            continue
        jobs.append({
            "job_name": f"blackbox_{kind}",
            "metrics_path": "/probe",
            "params": {"module": [MODULES[kind]]},
            "static_configs": [{"targets": list(targets), "labels": {"probe_kind": kind}}],
            "relabel_configs": [
                {"source_labels": ["__address__"], "target_label": "__param_target"},
                {"source_labels": ["__param_target"], "target_label": "instance"},
                {"target_label": "__address__", "replacement": exporter or probes.exporter},
            ],
        })
    return jobs
