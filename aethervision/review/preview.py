"""`aethervision preview` and `diff --preview`: dashboards as PNGs, from a Prometheus or a sample."""

from __future__ import annotations

import json
from pathlib import Path

from aethervision.builder.diff import Change
from aethervision.core.files import write_atomic_bytes
from aethervision.review import preview_data, preview_png


def render_dashboards(dashboards: dict[str, dict], source, at: float, range_seconds: float,
                      selected: dict[str, str] | None = None) -> dict[str, preview_png.Rendered]:
    """uid -> rendered dashboard, every dashboard with the same data source, time and range;
    `selected`: dashboard variables to set (the SLO detail's slo and group), else their defaults."""
    return {dash.get("uid", rel): preview_png.render(
                preview_data.with_titles(dash, selected),
                preview_data.panel_data(dash, source, at, range_seconds, selected), source.name,
                (at - range_seconds, at))
            for rel, dash in dashboards.items()}


def write(rendered: dict[str, preview_png.Rendered], out: Path, prefix: str = "") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for uid, image in sorted(rendered.items()):
        path = out / f"{prefix}{uid}.png"
        write_atomic_bytes(path, image.png)
        paths.append(path)
    return paths


def _single_panel(dashboard: dict, title: str) -> dict | None:
    """The dashboard reduced to one panel (placed top-left), to picture that panel alone."""
    for panel in dashboard.get("panels", []):
        if panel.get("title") == title and panel.get("type") != "row":
            alone = json.loads(json.dumps(panel))
            alone["gridPos"] = {**alone["gridPos"], "x": 0, "y": 0}
            return {**dashboard, "panels": [alone]}
    return None


def changed_panels(changes: list[Change]) -> dict[str, set[str]]:
    """Dashboard uid -> titles of the panels a change touches (added, removed or changed)."""
    out: dict[str, set[str]] = {}
    for c in changes:
        if c.object.startswith("dashboard ") and ": panel '" in c.object:
            uid, rest = c.object[len("dashboard "):].split(": panel ", 1)
            out.setdefault(uid, set()).add(rest.strip("'").rstrip("+").rstrip("'"))
    return out


def diff_images(base: dict[str, dict], head: dict[str, dict], changes: list[Change], source, at: float,
                range_seconds: float, out: Path) -> list[tuple[str, str, Path | None, Path | None]]:
    """Before/after PNGs of each changed panel and of each changed dashboard, from the same data.

    Returns (dashboard uid, panel title or "" for the whole dashboard, before, after).
    """
    by_uid = {d.get("uid"): d for d in base.values()}, {d.get("uid"): d for d in head.values()}
    written = []
    for uid, titles in sorted(changed_panels(changes).items()):
        for side, name in ((0, "before"), (1, "after")):
            dash = by_uid[side].get(uid)
            if dash is not None:
                whole = render_dashboards({uid: dash}, source, at, range_seconds)[uid]
                write_atomic_bytes(out / f"{uid}.{name}.png", whole.png)
        written.append((uid, "", _exists(out / f"{uid}.before.png"), _exists(out / f"{uid}.after.png")))
        for i, title in enumerate(sorted(titles), 1):
            paths = []
            for side, name in ((0, "before"), (1, "after")):
                alone = _single_panel(by_uid[side].get(uid) or {}, title)
                path = out / f"{uid}.panel{i}.{name}.png"
                if alone is not None:
                    image = render_dashboards({uid: alone}, source, at, range_seconds)[uid]
                    write_atomic_bytes(path, image.png)
                paths.append(_exists(path) if alone is not None else None)
            written.append((uid, title, *paths))
    return written


def _exists(path: Path) -> Path | None:
    return path if path.is_file() else None


def markdown(images: list[tuple[str, str, Path | None, Path | None]], link_base: str = "") -> str:
    """A section for the diff's markdown that refers to the before/after images."""
    if not images:
        return ""
    lines = ["", "**Previews** (rendered by AetherVision, not Grafana):", "",
             "| dashboard | panel | before | after |", "|---|---|---|---|"]
    for uid, title, before, after in images:
        def ref(p):
            return f"[{p.name}]({link_base}{p.name})" if p else "—"
        lines.append(f"| {uid} | {title or '(whole dashboard)'} | {ref(before)} | {ref(after)} |")
    return "\n".join(lines) + "\n"
