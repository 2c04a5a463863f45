"""`aethervision report`: per SLO and period, attained against objective, budget spent, incidents and
what each cost, corrections, and the runway trend (`periods.py`, `history.py`, `figures.py`,
`charts.py`, `render.py`).

Imports: backtest, autoheal, runtime, clients, builder, dashboards, configs, panels, rules,
importers, spec, promql, core.
"""
