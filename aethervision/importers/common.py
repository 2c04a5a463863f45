"""What every importer shares: names AetherVision accepts, objectives, labels it may carry."""

from __future__ import annotations

import re

from aethervision.importers.findings import Imported, Result, Where

# Labels AetherVision sets on its own alerts (spec/checks.py): a peer's value cannot win.
OWN_LABELS = {"slo", "service", "component", "alertname", "alertstate", "__name__", "severity", "autoheal"}
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def slo_name(text: str) -> str:
    """A spec name (^[a-z][a-z0-9_]*$, 60 characters) from a peer's (`requests-availability`)."""
    name = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "slo"
    return (name if name[0].isalpha() else f"slo_{name}")[:60].rstrip("_")


def service_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_") or "unknown"


def alert_prefix(text: str) -> str:
    """CamelCase from a peer's alert name (`my-service-high-errors` -> MyServiceHighErrors)."""
    words = re.findall(r"[A-Za-z0-9]+", str(text))
    name = "".join(w[:1].upper() + w[1:] for w in words)
    return name if name[:1].isalpha() else f"Slo{name}"


def objective_from_percent(value, where: Where, path: str, result: Result) -> float | None:
    """0.999 from a percent (99.9 or "99.9"); a refusal when it is none or out of (0, 100)."""
    try:
        percent = float(value)
    except (TypeError, ValueError):
        result.refuse(where, path, f"objective {value!r} is not a number")
        return None
    if not 0 < percent < 100:
        result.refuse(where, path, f"objective {percent:g}% is outside (0, 100): AetherVision needs a budget")
        return None
    return round(percent / 100, 12)


def routing_labels(labels: dict | None, where: Where, path: str, result: Result,
                   imported: Imported) -> dict[str, str]:
    """Labels AetherVision can put on every alert of the SLO; the rest dropped, each with a warning."""
    out = {}
    for key, value in (labels or {}).items():
        key = str(key)
        if key in OWN_LABELS:
            result.warn(where, f"{path}.{key}", f"not carried: AetherVision sets {key!r} on its alerts itself",
                        imported)
        elif not _LABEL.match(key) or value in (None, ""):
            result.warn(where, f"{path}.{key}", "not carried: not a Prometheus label name or an empty value",
                        imported)
        else:
            out[key] = str(value)
    return out


def unique(slos: list[Imported]) -> None:
    """Names are unique in a spec: a second `availability` becomes `<service>_availability`
    (then `_2`, `_3`...), with a comment saying so."""
    seen: set[str] = set()
    for item in slos:
        name = item.slo["name"]
        if name in seen:
            candidate, n = slo_name(f"{item.slo['service']}_{name}"), 1
            while candidate in seen:
                n += 1
                candidate = f"{slo_name(item.slo['service'] + '_' + name)[:56]}_{n}"
            item.slo["name"] = candidate
            item.comments.append(f"renamed from {name}: another imported SLO has that name")
        seen.add(item.slo["name"])


# Labels every recorded series and alert carries from the spec: a group of the same name would clash.
GROUP_RESERVED = {"slo", "service", "component", "severity", "le", "alertname", "alertstate", "__name__"}


def group_by(labels, where: Where, path: str, result: Result) -> list[str] | None:
    """A peer's grouping as group_by; a refusal naming a label AetherVision's series carry already."""
    out = [str(label) for label in labels or ()]
    clash = [label for label in out if label in GROUP_RESERVED]
    if clash:
        result.refuse(where, path, f"grouping by {', '.join(map(repr, clash))}: every AetherVision series carries "
                                   "that label already (the SLO's own), so the groups would clash")
        return None
    return out
