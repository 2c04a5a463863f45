"""The autoheal service: Alertmanager's webhook in (`webhook.py`), safe remediation commands out
(`actions.py`), with its cooldowns and audit trail (`service.py`) on a small HTTP server
(`server.py`).

Imports: runtime, clients, builder, dashboards, configs, panels, rules, importers, spec, promql,
core.
"""
