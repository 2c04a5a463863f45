"""prometheus.yml: the generated rule files, scrape jobs, probes and the Alertmanager to alert."""

from __future__ import annotations

from aethervision.configs import blackbox
from aethervision.core import defaults
from aethervision.core.model import Spec
from aethervision.rules.files import prometheus_files


def intervals(spec: Spec) -> tuple[str, str]:
    """(scrape, evaluation) interval: the spec's, or the defaults."""
    if spec.prometheus:
        return spec.prometheus.scrape_interval, spec.prometheus.evaluation_interval
    return defaults.SCRAPE_INTERVAL, defaults.EVALUATION_INTERVAL


def config(spec: Spec) -> dict:
    """prometheus.yml loading the generated rules, scraping autoheal, SLI sources and probes.

    Written only when the spec has a `prometheus` section (builder/outputs.py); the
    demo also builds one without it, from the default intervals.
    """
    jobs = []
    if spec.autoheal:
        jobs.append({"job_name": spec.autoheal.job, "static_configs": [{"targets": [spec.autoheal.target]}]})
    if spec.prometheus:
        jobs += [{"job_name": j.job, "static_configs": [{"targets": list(j.targets)}]}
                 for j in spec.prometheus.scrape]
    if spec.probes:
        jobs += blackbox.scrape_jobs(spec.probes)
    scrape_interval, evaluation_interval = intervals(spec)
    out = {"global": {"scrape_interval": scrape_interval, "evaluation_interval": evaluation_interval}}
    if spec.alertmanager:
        out["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [spec.alertmanager.target]}]}]}
    out["rule_files"] = prometheus_files(spec)
    out["scrape_configs"] = jobs
    return out
