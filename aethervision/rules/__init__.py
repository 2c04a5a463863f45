"""Prometheus recording and alerting rules, generated from the spec."""
