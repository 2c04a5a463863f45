"""Prometheus recording and alerting rules generated from the spec (per SLO, calendar periods, exact
long windows, the alert policies), the one rule graph every walk over rules uses (`graph.py`), and
the estimated rule cost (`cost.py`).

Imports: spec, promql, core.
"""
