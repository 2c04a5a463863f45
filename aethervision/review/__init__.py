"""What a change looks like before it lands: `validate` (schemas, promtool, amtool, the spec against a
live Prometheus), the semantic `diff` against git or Grafana, dashboard `preview` PNGs
(`preview*.py`) and the measured rule `cost`.

Imports: demo, report, grafana, backtest, autoheal, runtime, clients, builder, dashboards, configs,
panels, rules, importers, spec, promql, core.
"""
