"""Just enough PromQL lexing to list the metric names an expression reads.

Parsing (syntax errors) is left to the real promtool; this only finds the
names of selected series so they can be cross-checked against the rules.
"""

from __future__ import annotations

import re

from aethervision.core.durations import parse as seconds

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_RANGE = re.compile(r"\[[^\]]*\]")
_TOKEN = re.compile(r"[0-9][0-9A-Za-z_.]*|[A-Za-z_:][A-Za-z0-9_:]*|[(){},]|\S")
_GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_AGGREGATORS = {
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk",
    "quantile", "count_values", "group", "limitk", "limit_ratio",
}
_KEYWORDS = _GROUPING | _AGGREGATORS | {"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"}


# Prometheus 3's UTF-8 names: a quoted name first in the braces, `{"http.server.duration", le="1"}`.
_QUOTED_NAME = re.compile(r'\{\s*"((?:\\.|[^"\\])*)"\s*(?=[,}])')
_WORD_START = re.compile(r"[A-Za-z_:]")
LEGACY_NAME = re.compile(r"^[A-Za-z_:][A-Za-z0-9_:]*$")


def metric_names(expr: str) -> set[str]:
    """Metric names selected in a PromQL expression (label names excluded), quoted UTF-8 names too."""
    quoted = {m.group(1) for m in _QUOTED_NAME.finditer(expr)}
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
        elif brace_depth == 0 and _WORD_START.match(tok):
            low = tok.lower()
            if low in _GROUPING and nxt == "(":
                i = tokens.index(")", i)  # skip the label list
            elif low not in _KEYWORDS and nxt != "(":
                names.add(tok)
        i += 1
    return names | quoted


def selector_text(metric: str, matchers: list[str]) -> str:
    """`metric{m, ...}`, or `{"metric", m, ...}` for a name Prometheus 2 could not spell (UTF-8)."""
    if metric and not LEGACY_NAME.match(metric):
        return "{" + ", ".join([f'"{metric}"', *matchers]) + "}"
    return f"{metric}{{{', '.join(matchers)}}}" if matchers else metric


_DURATION_TOKEN = r"(?:\d+(?:ms|[ywdhms]))+"
# A name starts where no name character precedes it. Without this, a pattern beginning with a
# name is tried from every character inside each long recorded name (quadratic in its length).
_NAME_START = r"(?<![A-Za-z0-9_:])"
_RANGE_OR_OFFSET = re.compile(rf"\[({_DURATION_TOKEN})(?::({_DURATION_TOKEN})?)?\]|offset\s+(-?)({_DURATION_TOKEN})")
_NUMBER = re.compile(r"(?<![\w:.])(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)(?![\w.])")


def canonical(expr: str) -> str:
    """A spelling-independent form of an expression, to compare ours with Prometheus's.

    Prometheus prints parsed rules in its own way (24h as 1d, 2592000 as
    2.592e+06, its own spacing); this removes whitespace outside strings and
    writes durations as seconds and numbers as floats.
    """
    def durations(match: re.Match) -> str:
        if match.group(4):
            return f"offset{match.group(3)}{seconds(match.group(4))}s"
        step = f":{seconds(match.group(2))}s" if match.group(2) else (":" if ":" in match.group(0) else "")
        return f"[{seconds(match.group(1))}s{step}]"

    parts = []
    for i, piece in enumerate(re.split(r"(\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'|`[^`]*`)", expr)):
        if i % 2:  # a string literal: keep as written
            parts.append(piece)
            continue
        piece = _RANGE_OR_OFFSET.sub(durations, piece)
        piece = _NUMBER.sub(lambda m: repr(float(m.group(1))), piece)
        parts.append("".join(piece.split()))
    return "".join(parts)


_RANGED = re.compile(rf"{_NAME_START}([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{{[^}}]*\}})?\s*"
                     rf"\[{_DURATION_TOKEN}(?::(?:{_DURATION_TOKEN})?)?\]")


_RANGE_OF = re.compile(rf"{_NAME_START}([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{{[^}}]*\}})?\s*\[({_DURATION_TOKEN})\]")


def ranged_names(expr: str) -> set[str]:
    """Metric names read over a range (`x[30d]`, `x{a="b"}[5m:1m]`) in an expression."""
    return set(_RANGED.findall(_STRING.sub('""', expr))) if "[" in expr else set()


def ranges(expr: str) -> list[tuple[str, str]]:
    """(metric name, range) of every range selector (`x{a="b"}[30d]`; not subqueries)."""
    return _RANGE_OF.findall(_STRING.sub('""', expr)) if "[" in expr else []


_METRIC = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_LABEL = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|\"(?:[^\"\\\\]|\\\\.)*\")\s*(=~|!~|!=|=)\s*")
_NAME_ITEM = re.compile(r'\s*"((?:\\.|[^"\\])*)"\s*(?=,|$)')
_VALUE = re.compile(r'"((?:\\.|[^"\\])*)"|\'((?:\\.|[^\'\\])*)\'|`([^`]*)`')


def selector_problem(text: str) -> str | None:
    """Why `text` is not a PromQL series selector (`metric{label="v", ...}`), or None.

    Strict on purpose: a selector from the spec is pasted into every rule, so a
    typo like `{status=="failed"}` must be refused at load time, naming the field,
    rather than surface as rules Prometheus cannot parse.
    """
    text = text.strip()
    match = _METRIC.match(text)
    pos = match.end() if match else 0
    if pos == len(text):
        return None if pos else "empty selector"
    if text[pos] != "{" or not text.endswith("}"):
        return f"expected `metric` or `metric{{label=\"value\", ...}}`, got {text!r}"
    body, i, matchers = text[pos + 1:-1], 0, 0
    quoted = _NAME_ITEM.match(body)
    if quoted:  # Prometheus 3: {"utf-8.name", ...}
        if match:
            return f"two metric names: {match.group(0)!r} and {quoted.group(1)!r}"
        matchers, rest = 1, body[quoted.end():].lstrip()
        i = len(body) - len(rest) + (1 if rest.startswith(",") else 0)
    while i < len(body.rstrip()):
        label = _LABEL.match(body, i)
        if not label:
            return f"expected a label matcher (name, then =, !=, =~ or !~) at {body[i:].strip()!r}"
        value = _VALUE.match(body, label.end())
        if not value:
            rest = body[label.end():].strip()
            return f"label {label.group(1)}: expected a quoted value after {label.group(2)}, got {rest!r}"
        if label.group(2) in ("=~", "!~"):
            raw = next(g for g in value.groups() if g is not None)
            try:
                re.compile(raw)
            except re.error as exc:
                return f"label {label.group(1)}: invalid regular expression {raw!r} ({exc})"
        matchers += 1
        i = value.end()
        rest = body[i:].lstrip()
        if rest.startswith(","):
            i = len(body) - len(rest) + 1
        elif rest:
            return f"expected ',' or '}}' after {body[label.start():value.end()].strip()!r}, got {rest!r}"
    if not match and not matchers:
        return "a selector needs a metric name or at least one label matcher"
    return None


def selector_matchers(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    """(metric name, [(label, operator, value), ...]) of a selector that selector_problem accepts."""
    text = text.strip()
    match = _METRIC.match(text)
    metric = match.group(0) if match else ""
    body = text[len(metric):].strip()
    found = []
    if body.startswith("{"):
        body = body[1:-1]
        i = 0
        quoted = _NAME_ITEM.match(body)
        if quoted:
            metric, rest = quoted.group(1), body[quoted.end():].lstrip()
            i = len(body) - len(rest) + (1 if rest.startswith(",") else 0)
        while (label := _LABEL.match(body, i)) and (value := _VALUE.match(body, label.end())):
            raw = next(g for g in value.groups() if g is not None)
            found.append((label.group(1), label.group(2), raw))
            rest = body[value.end():].lstrip()
            i = len(body) - len(rest) + (1 if rest.startswith(",") else 0)
    return metric, found


def pinned_labels(text: str) -> set[str]:
    """Labels a selector fixes to one value (`label="v"`): grouping by them gives one group."""
    return {label for label, op, _ in selector_matchers(text)[1] if op == "="}


_SUBQUERY = re.compile(rf"\)\s*\[({_DURATION_TOKEN}):(?:{_DURATION_TOKEN})?\](?:\s*offset\s+({_DURATION_TOKEN}))?")
_OFFSET = re.compile(rf"{_NAME_START}([A-Za-z_:][A-Za-z0-9_:]*)\s*(?:\{{[^}}]*\}})?\s*(?:\[({_DURATION_TOKEN})\])?"
                     rf"\s*offset\s+({_DURATION_TOKEN})")


def read_spans(expr: str, names: set[str] | None = None) -> dict[str, int]:
    """Metric name -> the longest span of its past the expression reads (seconds; 0 for an instant
    read): range selectors, offsets (`x[10m] offset 6h` reaches 6h10m back), and a subquery's range
    plus any reach inside it (`max_over_time((x and y[10m])[31d:5m])` reads x over 31d and y over
    31d10m). `names`: metric_names(expr), where the caller has it already."""
    text = _STRING.sub('""', expr)
    spans = {name: 0 for name in (metric_names(expr) if names is None else names)}
    for name, span in ranges(text):
        spans[name] = max(spans.get(name, 0), seconds(span))
    for name, span, offset in (_OFFSET.findall(text) if "offset" in text else ()):
        spans[name] = max(spans.get(name, 0), seconds(offset) + (seconds(span) if span else 0))
    for match in _SUBQUERY.finditer(text):
        depth, i = 0, match.start()
        while i >= 0:  # back to the parenthesis the subquery's `)` closes
            depth += {")": 1, "(": -1}.get(text[i], 0)
            if depth == 0:
                break
            i -= 1
        inner = text[i + 1:match.start()]
        outer = seconds(match.group(1)) + (seconds(match.group(2)) if match.group(2) else 0)
        for name, span in read_spans(inner).items():
            spans[name] = max(spans.get(name, 0), outer + span)
    return spans
