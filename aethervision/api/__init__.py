"""Build-time commands that need a client: full validation (promtool), push and diff (Grafana).

The CLI generates once (builder.pipeline.generate) and hands the result here.
"""
