"""Dashboards declared with grafanalib from the panel functions. No I/O here."""
