"""`aethervision backtest` and `compare`: a Prometheus's own history (`history.py`), the rules recorded
over it (`rule_backfill.py`, which the demo uses too), alerts replayed as Prometheus applies `for`
(`replay.py`, `alerts.py`), episodes and the forecast score (`report.py`, `render.py`), and peers'
rules compared on the same history (`peer.py`, `compare*.py`).

Imports: runtime, clients, builder, dashboards, configs, panels, rules, importers, spec, promql,
core.
"""
