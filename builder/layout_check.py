"""Grid checks: inside 24 columns and no two panels overlapping."""

from __future__ import annotations

from aethervision.dashboards.layout import GRID_WIDTH


def grid_problems(dashboard: dict) -> list[str]:
    problems, boxes = [], []
    for i, panel in enumerate(dashboard.get("panels", [])):
        where = f"panels[{i}] {panel.get('title', '')!r}"
        pos = panel.get("gridPos")
        if not pos:
            problems.append(f"{where}: missing gridPos")
            continue
        x, y, w, h = pos["x"], pos["y"], pos["w"], pos["h"]
        if x < 0 or w <= 0 or h <= 0 or x + w > GRID_WIDTH:
            problems.append(f"{where}: gridPos x={x} w={w} leaves the {GRID_WIDTH}-column grid")
        for other, (ox, oy, ow, oh) in boxes:
            if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h:
                problems.append(f"{where}: overlaps {other}")
        boxes.append((where, (x, y, w, h)))
    return problems
