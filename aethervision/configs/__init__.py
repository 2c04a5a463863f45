"""Server configuration generated from the spec: prometheus.yml and its rule targets, Alertmanager's
routes and maintenance mutes, the blackbox exporter's modules.

Imports: panels, rules, importers, spec, promql, core.
"""
