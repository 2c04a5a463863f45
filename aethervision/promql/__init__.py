"""PromQL in one place: recorded series names and queries (queries.py), and just enough
lexing to list and compare the metrics an expression reads (parse.py)."""
