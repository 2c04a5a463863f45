"""Operator commands on a running system: `breach` (days to breach now, `breach.py`), `verify` (the
alert path end to end, `verify.py`), `open` (the dashboards, `opener.py`), and the chaos playbook's
experiments (`chaos/`).

Imports: demo, report, grafana, backtest, autoheal, runtime, clients, builder, dashboards, configs,
panels, rules, importers, spec, promql, core.
"""
