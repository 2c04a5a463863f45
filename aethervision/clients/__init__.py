"""Servers and tools AetherVision talks to, knowing nothing of the spec: Prometheus's HTTP API,
promtool, amtool, Alertmanager, the real Sloth, and the pinned servers (`servers.py`).

Imports: builder, dashboards, configs, panels, rules, importers, spec, promql, core.
"""
