"""What changed between two specs, in the words a reviewer uses: "objective 99.9% -> 99.95%
(error budget halved)", "page tier 1h/10m: factor 14.4 -> 10". `diff --base` puts these
before the rule rows they cause (ten rows of `/ 0.001` -> `/ 0.0005` say less)."""

from __future__ import annotations

from aethervision.builder.diff import Change
from aethervision.core.model import SLO, Spec

OBJECT = "spec"


def _percent(objective: float) -> str:
    return f"{objective * 100:.6g}%"


def _budget(before: float, after: float) -> str:
    ratio = (1 - after) / (1 - before)
    words = {0.5: "halved", 2.0: "doubled", 0.25: "quartered", 0.1: "cut tenfold", 10.0: "ten times larger"}
    for value, word in words.items():
        if abs(ratio - value) < 1e-9:
            return f"error budget {word}"
    return f"error budget x{ratio:.3g}"


def _slo(before: SLO, after: SLO) -> list[Change]:
    where, out = f"{OBJECT} slo {after.name}", []
    if before.objective != after.objective:
        out.append(Change(where, "changed", "objective", _percent(before.objective),
                          f"{_percent(after.objective)} ({_budget(before.objective, after.objective)})"))
    if before.window_seconds != after.window_seconds:
        out.append(Change(where, "changed", "window", before.window, after.window))
    if before.sli != after.sli:
        out.append(Change(where, "changed", "sli", before.sli.kind.value, after.sli.kind.value))
    for field in ("group_by", "labels", "alerting", "no_data", "alert_name"):
        if getattr(before, field) != getattr(after, field):
            out.append(Change(where, "changed", field.replace("_", " "), _plain(getattr(before, field)),
                              _plain(getattr(after, field))))
    return out


def _plain(value) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    return value


def _tiers(kind: str, before, after) -> list[Change]:
    out = []
    for i in range(max(len(before), len(after))):
        a = before[i] if i < len(before) else None
        b = after[i] if i < len(after) else None
        name = f"{OBJECT} runway {kind} tier {i + 1} ({(b or a).long}/{(b or a).short})"
        if a is None or b is None:
            out.append(Change(name, "added" if a is None else "removed"))
        elif (a.long, a.short) != (b.long, b.short):
            out.append(Change(name, "changed", "windows", f"{a.long}/{a.short}", f"{b.long}/{b.short}"))
        if a is not None and b is not None and a.factor != b.factor:
            out.append(Change(name, "changed", "factor", f"{a.factor:g}x", f"{b.factor:g}x"))
    return out


def changes(before: Spec, after: Spec) -> list[Change]:
    """The spec-level changes, SLOs first (added, removed, then field by field), then the policy."""
    old, new = {s.name: s for s in before.slos}, {s.name: s for s in after.slos}
    out = [Change(f"{OBJECT} slo {n}", "added", "objective", None, _percent(new[n].objective))
           for n in sorted(set(new) - set(old))]
    out += [Change(f"{OBJECT} slo {n}", "removed") for n in sorted(set(old) - set(new))]
    for name in sorted(set(old) & set(new)):
        out += _slo(old[name], new[name])
    a, b = before.runway, after.runway
    for level in ("warning", "critical"):
        x, y = getattr(a, level), getattr(b, level)
        if (x.below, x.for_) != (y.below, y.for_):
            out.append(Change(f"{OBJECT} runway {level} alert", "changed", "below / for",
                              f"{x.below} / {x.for_}", f"{y.below} / {y.for_}"))
    if a.policy != b.policy:
        out.append(Change(f"{OBJECT} runway", "changed", "policy", a.policy.value, b.policy.value))
    if a.min_errors != b.min_errors:
        out.append(Change(f"{OBJECT} runway", "changed", "min errors", a.min_errors, b.min_errors))
    return out + _tiers("page", a.page_tiers, b.page_tiers) + _tiers("ticket", a.ticket_tiers, b.ticket_tiers)
