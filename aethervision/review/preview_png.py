"""Draw a dashboard to a PNG from its JSON and panel data: no Grafana, no browser.

Matplotlib's Agg backend lays the panels out on Grafana's grid (24 columns,
30 px per grid unit): row headers, stats with their value, unit and
threshold colour, time series with legends, units and dashed threshold
lines, tables with their cells coloured, "No data" where a query returns
nothing. The footer says it is a preview, not Grafana's rendering, and where
the data came from. Same JSON and data, same bytes (no timestamps in the file).
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass, field

from aethervision.review.preview_data import PanelData

COLUMN_PX, UNIT_PX, FOOTER_PX, DPI = 60, 30, 36, 100
COLOURS = {"green": "#56a64b", "red": "#e02f44", "orange": "#ff9830", "yellow": "#f2cc0c", "blue": "#3274d9",
           "purple": "#a352cc", "dark-red": "#ad0317", "text": "#d8d9da", "transparent": "#181b1f"}
BACKGROUND, PANEL, TEXT, MUTED = "#111217", "#181b1f", "#d8d9da", "#8e8e8e"


@dataclass
class Rendered:
    png: bytes
    size: tuple[int, int]  # width, height in pixels
    boxes: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)  # panel id -> x0, y0, x1, y1 (px)
    texts: dict[int, str] = field(default_factory=dict)  # panel id -> what the panel says (value, "No data")


def colour(name: str | None) -> str:
    return COLOURS.get(name or "text", name if (name or "").startswith("#") else TEXT)


def _plain(text: str) -> str:
    """Titles without characters the bundled font cannot draw (emoji)."""
    return "".join(ch for ch in text if ord(ch) < 0x2600).strip()


def fmt(value: float | None, unit: str, decimals: int | None = None) -> str:
    if value is None:
        return "No data"
    d = 1 if decimals is None else decimals
    if unit == "percentunit":
        return f"{value * 100:.{d}f}%"
    if unit.startswith("suffix:"):
        return f"{value:.{max(d, 2) if decimals is None else d}f}{unit[7:]}"
    suffix = {"d": " days", "h": " h", "s": " s", "reqps": " req/s"}.get(unit, "")
    return f"{value:.{d}f}{suffix}" if unit in ("d", "h", "s") or decimals is not None else f"{value:g}{suffix}"


def threshold_colour(steps: list[dict], value: float | None) -> str:
    picked = steps[0]["color"] if steps else "text"
    for step in steps[1:]:
        if value is not None and step.get("value") is not None and value >= step["value"]:
            picked = step["color"]
    return colour(picked)


def mapped(mappings: list[dict], value: float | None) -> str | None:
    for m in mappings:
        opts = m.get("options", {})
        if m.get("type") == "range" and value is not None:
            low, high = opts.get("from"), opts.get("to")
            if (low is None or value >= low) and (high is None or value <= high):
                return opts["result"]["text"]
        if m.get("type") == "value" and value is not None and f"{value:g}" in opts:
            return opts[f"{value:g}"]["text"]
    return None


def render(dashboard: dict, data: dict[int, PanelData], footer: str,
           span: tuple[float, float] | None = None) -> Rendered:
    """`span`: the dashboard's time range (Unix seconds), shared by every time series panel."""
    import matplotlib  # noqa: PLC0415 - imported when a preview is drawn, not when the CLI starts

    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415

    panels = dashboard.get("panels", [])
    bottom = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels), default=1)
    width, height = 24 * COLUMN_PX, bottom * UNIT_PX + FOOTER_PX
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=BACKGROUND)
    out = Rendered(b"", (width, height))
    for panel in panels:
        g = panel["gridPos"]
        x0, y0 = g["x"] * COLUMN_PX, g["y"] * UNIT_PX
        x1, y1 = x0 + g["w"] * COLUMN_PX, y0 + g["h"] * UNIT_PX
        out.boxes[panel["id"]] = (x0, y0, x1, y1)
        if panel.get("type") == "row":
            fig.text((x0 + 6) / width, 1 - (y0 + UNIT_PX / 2) / height, _plain(panel.get("title", "")),
                     color=TEXT, fontsize=11, fontweight="bold", va="center")
            continue
        pad = 4
        frame = fig.add_axes(((x0 + pad) / width, 1 - (y1 - pad) / height, (x1 - x0 - 2 * pad) / width,
                              (y1 - y0 - 2 * pad) / height), facecolor=PANEL)
        _bare(frame)
        # Time series keep room for their axis labels inside the panel, as Grafana does.
        left, low = (48, 30) if panel.get("type") == "timeseries" else (pad + 2, pad + 2)
        ax = fig.add_axes(((x0 + left) / width, 1 - (y1 - low) / height, (x1 - x0 - left - 2 * pad) / width,
                           (y1 - y0 - low - 24) / height), facecolor=PANEL)
        fig.text((x0 + pad + 6) / width, 1 - (y0 + pad + 10) / height, _plain(panel.get("title", "")),
                 color=TEXT, fontsize=9, va="center")
        out.texts[panel["id"]] = _draw(ax, panel, data.get(panel["id"], PanelData("other")), span)
    fig.text(0.005, 0.5 * FOOTER_PX / height, f"PREVIEW rendered by AetherVision from the dashboard JSON "
             f"(not Grafana's rendering) · {dashboard.get('title', '')} · data: {footer}",
             color=MUTED, fontsize=8, va="center")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND, metadata={"Software": None})
    out.png = buffer.getvalue()
    return out


def _defaults(panel: dict) -> dict:
    return panel.get("fieldConfig", {}).get("defaults", {})


def _no_data(ax, text: str) -> str:
    ax.text(0.5, 0.5, text, color=MUTED, fontsize=12, ha="center", va="center", transform=ax.transAxes)
    return text


def _bare(ax) -> None:
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def _draw(ax, panel: dict, data: PanelData, span: tuple[float, float] | None = None) -> str:
    d = _defaults(panel)
    steps = d.get("thresholds", {}).get("steps", [])
    if data.kind == "stat":
        _bare(ax)
        shown = [(name, v) for name, v in data.values]
        if not shown or all(v is None for _, v in shown):
            return _no_data(ax, d.get("noValue") or "No data")
        texts = []
        for i, (name, value) in enumerate(shown):
            x = (i + 0.5) / len(shown)
            text = mapped(d.get("mappings", []), value) or fmt(value, d.get("unit", ""), d.get("decimals"))
            tint = threshold_colour(steps, value)
            ax.axhspan(0, 0.06, xmin=i / len(shown) + 0.01, xmax=(i + 1) / len(shown) - 0.01, color=tint)
            ax.text(x, 0.55, text, color=tint, fontsize=20 if len(shown) == 1 else 13, ha="center",
                    va="center", fontweight="bold", transform=ax.transAxes)
            if len(shown) > 1:
                ax.text(x, 0.25, name, color=MUTED, fontsize=7, ha="center", transform=ax.transAxes)
            texts.append(text)
        return " | ".join(texts)
    if data.kind == "timeseries":
        return _series(ax, d, steps, data, span)
    if data.kind == "table":
        return _table(ax, panel, data)
    _bare(ax)
    return _no_data(ax, "No data")


def _series(ax, d: dict, steps: list[dict], data: PanelData, span: tuple[float, float] | None = None) -> str:
    from matplotlib.ticker import FixedLocator, FuncFormatter  # noqa: PLC0415

    ax.tick_params(colors=MUTED, labelsize=7)
    for spine in ax.spines.values():
        spine.set_color("#2c3235")
        spine.set_zorder(1)
    if not data.series:
        _bare(ax)
        return _no_data(ax, "No data")
    palette = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9"]
    for i, (name, times, values) in enumerate(data.series):
        # Unclipped and above the frame: a series at the axis limit stays visible, as in Grafana.
        ax.plot(times, values, color=palette[i % len(palette)], linewidth=1.4, label=name[:40], clip_on=False,
                zorder=3)
    custom = d.get("custom", {})
    if custom.get("thresholdsStyle", {}).get("mode", "off") != "off":
        for step in steps[1:]:
            ax.axhline(step["value"], color=colour(step["color"]), linestyle="--", linewidth=1)
    if d.get("min") is not None:
        ax.set_ylim(bottom=d["min"])
    if d.get("max") is not None:
        ax.set_ylim(top=d["max"])
    low, high = span or (min(t[0] for _, t, _ in data.series if t), max(t[-1] for _, t, _ in data.series if t))
    ax.set_xlim(low, high)  # every panel of a dashboard on the same clock
    ax.xaxis.set_major_locator(FixedLocator(_clock_ticks(low, high)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _clock(v, high - low)))
    unit = d.get("unit", "")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v, unit, _decimals(ax, unit))))
    ax.legend(loc="upper left", fontsize=6, facecolor=PANEL, edgecolor=PANEL, labelcolor=TEXT, ncols=2)
    return f"{len(data.series)} series"


def _clock_ticks(low: float, high: float) -> list[float]:
    """Ticks on round UTC times, about six across the range (every 1, 2, 3, 4, 6, 12 or 24 h, or
    every 10, 15 or 30 minutes for short ranges)."""
    want = (high - low) / 6
    step = next((s for s in (600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400) if s >= want), 86400)
    first = math.ceil(low / step) * step
    return [float(t) for t in range(int(first), int(high) + 1, step)]


def _clock(seconds: float, span: float) -> str:
    """UTC clock time of a tick: HH:MM, with the date when the range spans more than a day."""
    moment = time.gmtime(seconds)
    return time.strftime("%d %b %H:%M" if span > 86400 else "%H:%M", moment)


def _decimals(ax, unit: str) -> int:
    """Enough decimals that neighbouring ticks differ (0, 0.5, 1 rather than 0, 0, 1)."""
    ticks = sorted(ax.yaxis.get_majorticklocs())
    gap = min((b - a for a, b in zip(ticks, ticks[1:]) if b > a), default=1.0)
    if unit == "percentunit":
        gap *= 100
    return max(0, min(4, -math.floor(math.log10(gap)) if gap > 0 else 0))


def _table(ax, panel: dict, data: PanelData) -> str:
    _bare(ax)
    if not data.rows:
        return _no_data(ax, "No data")
    overrides = {}
    for o in panel.get("fieldConfig", {}).get("overrides", []):
        for name in o.get("matcher", {}).get("options", {}).get("names", []):
            for prop in o.get("properties", []):
                if prop["id"] == "thresholds":
                    overrides[name] = prop["value"]["steps"]
    rows = data.rows[:12]
    cells = [["—" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v)) for v in row] for row in rows]
    table = ax.table(cellText=cells, colLabels=data.columns, loc="upper center", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    for (r, c), cell in table.get_celld().items():
        cell.set_edgecolor("#2c3235")
        cell.get_text().set_color(TEXT)
        name = data.columns[c]
        value = rows[r - 1][c] if r else None
        cell.set_facecolor(threshold_colour(overrides[name], value) if r and name in overrides and value is not None
                           else (BACKGROUND if r == 0 else PANEL))
    more = len(data.rows) - len(rows)
    return f"{len(data.rows)} rows" + (f" ({more} more not drawn)" if more else "")
