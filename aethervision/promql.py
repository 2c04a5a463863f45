"""Just enough PromQL lexing to list the metric names an expression reads.

Parsing (syntax errors) is left to the real promtool; this only finds the
names of selected series so they can be cross-checked against the rules.
"""

from __future__ import annotations

import re

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_RANGE = re.compile(r"\[[^\]]*\]")
_TOKEN = re.compile(r"[0-9][0-9A-Za-z_.]*|[A-Za-z_:][A-Za-z0-9_:]*|[(){},]|\S")
_GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_AGGREGATORS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk",
    "quantile", "count_values", "group", "limitk", "limit_ratio",
}
_KEYWORDS = _GROUPING | _AGGREGATORS | {"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """Metric names selected in a PromQL expression (label names excluded)."""
    text = _RANGE.sub(" ", _STRING.sub('""', expr))
    tokens = _TOKEN.findall(text)
    names: set[str] = set()
    brace_depth = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok == "{":
            brace_depth += 1
        elif tok == "}":
            brace_depth -= 1
        elif brace_depth == 0 and re.match(r"[A-Za-z_:]", tok):
            low = tok.lower()
            if low in _GROUPING and nxt == "(":
                i = tokens.index(")", i)  # skip the label list
            elif low not in _KEYWORDS and nxt != "(":
                names.add(tok)
        i += 1
    return names
