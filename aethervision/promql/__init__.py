"""PromQL in one place: recorded series names and queries (`queries.py`), each SLI kind's PromQL
(`sli.py`), just enough lexing to list the metrics and ranges an expression reads (`parse.py`), what
a spec needs of its engine (`features.py`), and local time in a timezone (`calendar.py`).

Imports: core.
"""
