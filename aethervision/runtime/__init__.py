"""What AetherVision's own processes run on: spawning, recording by pid and stopping processes, free
ports and readiness waits (`procs.py`), and the small threaded HTTP server of the autoheal service,
the simulator and the endpoint (`httpd.py`).

Imports: clients, builder, dashboards, configs, panels, rules, importers, spec, promql, core.
"""
