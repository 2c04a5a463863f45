"""Dashboards declared with grafanalib from the panel functions (the AetherVision overview and the SLO
detail, the same size for 1 or 1,000 SLOs). No I/O here.

Imports: configs, panels, rules, importers, spec, promql, core.
"""
