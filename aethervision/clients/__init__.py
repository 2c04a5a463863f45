"""Clients layer: Grafana's HTTP API (grafana.py), Prometheus's HTTP API (prometheus.py)
and the promtool binary (promtool.py). They know servers and tools, not the spec."""
