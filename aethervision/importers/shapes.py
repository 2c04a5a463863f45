"""Recognising what a peer's PromQL measures, so it becomes the AetherVision SLI kind that
measures the same thing: a sum of rates over one selector is a ratio input, a `_count`
minus a `_bucket{le=...}` of one histogram is a latency SLI, anything else stays `raw`."""

from __future__ import annotations

import re

from aethervision.promql.parse import selector_matchers, selector_problem

# Go template spellings of Sloth's window: {{.window}}, {{ .window }}.
_WINDOW = re.compile(r"\{\{\s*\.window\s*\}\}")
_FUNC = r"(?:rate|increase)"
_BY = r"(?:by|without)\s*\(\s*([A-Za-z0-9_,\s]*)\)"
_SUM_OF_RATE = re.compile(
    rf"^\(?\s*sum\s*(?:{_BY}\s*)?\(\s*{_FUNC}\s*\(\s*(?P<sel>.+?)\s*\[\s*\$window\s*\]\s*\)\s*\)\s*(?:{_BY})?\s*\)?$",
    re.S)


def windowed(query: str) -> str | None:
    """The query with Sloth's `{{.window}}` as `$window`; None when it uses another template."""
    text = _WINDOW.sub("$window", query).strip()
    return None if "{{" in text or "}}" in text else text


def sum_of_rates(query: str) -> tuple[str, tuple[str, ...]] | None:
    """(selector, group labels) of `sum [by (...)] (rate(SEL[$window]))`; None for another shape.
    `without` grouping is not a group_by, so it stays raw."""
    found = _SUM_OF_RATE.match(" ".join(query.split()))
    if not found or "without" in found.group(0).split("(", 1)[0]:
        return None
    selector = found.group("sel")
    if selector_problem(selector):
        return None
    labels = found.group(1) or found.group(3) or ""
    return selector, tuple(label.strip() for label in labels.split(",") if label.strip())


def _without_le(selector: str) -> tuple[str, str, str] | None:
    """(metric, selector body without le, le value) of `m{..., le="0.25"}`."""
    metric, matchers = selector_matchers(selector)
    bounds = [value for label, op, value in matchers if label == "le" and op == "="]
    if len(bounds) != 1:
        return None
    body = ", ".join(f'{label}{op}"{value}"' for label, op, value in matchers if label != "le")
    return metric, body, bounds[0]


def latency(bucket: str, count: str) -> dict | None:
    """A latency SLI {histogram, selector, below} when `bucket` is `h_bucket{..., le="x"}` and
    `count` is `h_count{...}` with the same other matchers; None otherwise."""
    parts = _without_le(bucket)
    if parts is None:
        return None
    metric, body, le = parts
    count_metric, count_matchers = selector_matchers(count)
    count_body = ", ".join(f'{label}{op}"{value}"' for label, op, value in count_matchers)
    if not (metric.endswith("_bucket") and count_metric == metric[:-len("_bucket")] + "_count"
            and sorted(count_body.split(", ")) == sorted(body.split(", "))):
        return None
    try:
        below = float(le)
    except ValueError:
        return None
    if not 0 < below < float("inf"):
        return None
    out = {"histogram": metric[:-len("_bucket")], "below": int(below) if below.is_integer() else below}
    if body:
        out["selector"] = "{" + body + "}"
    return out


_DIFFERENCE = re.compile(r"^\(?\s*(?P<a>sum.+?\))\s*-\s*(?P<b>sum.+\))\s*\)?$", re.S)


def latency_from_events(error_query: str, total_query: str) -> tuple[dict, tuple[str, ...]] | None:
    """Sloth's bucket arithmetic: errors `sum(rate(h_count[w])) - sum(rate(h_bucket{le=x}[w]))`,
    total `sum(rate(h_count[w]))`."""
    found = _DIFFERENCE.match(" ".join(error_query.split()))
    total = sum_of_rates(total_query)
    if not found or total is None:
        return None
    count, bucket = sum_of_rates(found.group("a")), sum_of_rates(found.group("b"))
    if count is None or bucket is None or count[0] != total[0] or count[1] != bucket[1] or count[1] != total[1]:
        return None
    sli = latency(bucket[0], count[0])
    return (sli, total[1]) if sli else None


def seconds(text: str) -> float | None:
    """Prometheus duration with ms (Pyrra's `latency: 200ms`) as seconds; None when malformed."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|[smhdwy])", text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    unit = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(float(n) * unit[u] for n, u in parts)
