"""Flow layout on Grafana's 24-column grid: stable ids and positions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import attr
from grafanalib.core import GridPos, Panel, RowPanel

GRID_WIDTH = 24


@dataclass(frozen=True)
class Cell:
    panel: Panel
    width: int
    height: int


@dataclass(frozen=True)
class Section:
    title: str
    cells: Sequence[Cell]


def place(sections: Sequence[Section]) -> list[Panel]:
    """Rows and their panels, left to right, wrapping at 24 columns.

    Ids follow document order (1, 2, ...), so they only change when the
    layout does, which keeps diffs of the generated JSON small.
    """
    out: list[Panel] = []
    y = 0
    for section in sections:
        out.append(RowPanel(title=section.title, gridPos=GridPos(h=1, w=GRID_WIDTH, x=0, y=y)))
        y += 1
        x, line_height = 0, 0
        for cell in section.cells:
            if not 0 < cell.width <= GRID_WIDTH:
                raise ValueError(f"panel {cell.panel.title!r}: width {cell.width} not in 1..24")
            if x + cell.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            out.append(attr.evolve(cell.panel, gridPos=GridPos(h=cell.height, w=cell.width, x=x, y=y)))
            x += cell.width
            line_height = max(line_height, cell.height)
        y += line_height
    return [attr.evolve(panel, id=i) for i, panel in enumerate(out, 1)]
