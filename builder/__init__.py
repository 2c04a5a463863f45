"""Turns the spec into files: the build pipeline, the output formats (classic dashboards; v1 and v2
resources, `dashboard_v2.py`; Grafana-managed alert rules, `grafana_alerting.py`), normalisation,
checks, deterministic writing, semantic diffs and the spec diff in words.

Imports: dashboards, configs, panels, rules, importers, spec, promql, core.
"""
