"""Pure panel functions: spec or SLO in, grafanalib panel out. No I/O here.

Imports: spec, promql, core.
"""
