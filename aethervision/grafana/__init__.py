"""Talking to Grafana: the HTTP session (`client.py`), what Grafana holds, normalised for comparison
(`store.py`), and `push` of folders, dashboards and resources (`push.py`) and of alerting
(`push_alerting.py`). The formats themselves are built in builder/.

Imports: backtest, autoheal, runtime, clients, builder, dashboards, configs, panels, rules,
importers, spec, promql, core.
"""
