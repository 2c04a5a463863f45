"""`make demo` on real servers: the stack (`stack.py`, `services.py`, `demo_files.py`; VictoriaMetrics
and vmalert in `fleet.py`), the payment simulator, the CRM endpoint stand-in, `demo heal`, and the
recorded past with its alerts (`demo_history.py`).

Imports: backtest, autoheal, runtime, clients, builder, dashboards, configs, panels, rules,
importers, spec, promql, core.
"""
