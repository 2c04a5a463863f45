"""The report's pictures (matplotlib, Agg): the period's budget burn-down with its incidents,
and the runway trend, each day's lowest days to breach, this period beside the ones before.
Same figures, same bytes: no timestamps in the files."""

from __future__ import annotations

import io

from aethervision.report.figures import Figures

BACKGROUND, TEXT, GRID = "#ffffff", "#222222", "#dddddd"
LINES = ("#9e9e9e", "#6d8fbf", "#3274d9", "#e02f44")


def _figure(title: str):
    import matplotlib  # noqa: PLC0415 - drawn on demand, not when the CLI starts
    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # noqa: PLC0415
    fig = Figure(figsize=(8, 3), dpi=100, facecolor=BACKGROUND)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title, fontsize=10, color=TEXT, loc="left")
    ax.grid(color=GRID, linewidth=0.6)
    ax.tick_params(labelsize=8, colors=TEXT)
    return fig, ax


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND, metadata={"Software": None})
    return buffer.getvalue()


def _days(f: Figures, t: float) -> float:
    return (t - f.period.start) / 86400


def burndown(f: Figures) -> bytes:
    fig, ax = _figure(f"{f.slo}: error budget spent in {f.period.label} (incidents shaded)")
    for incident in f.incidents:
        ax.axvspan(_days(f, incident.start), _days(f, incident.end), color="#f2cc0c", alpha=0.35, linewidth=0)
    if f.burndown:
        ax.step([_days(f, t) for t, _ in f.burndown], [100 * s for _, s in f.burndown], where="post",
                color=LINES[2], linewidth=1.5)
    ax.axhline(100, color=LINES[3], linestyle="--", linewidth=1)
    ax.set_xlim(0, (f.period.end - f.period.start) / 86400)
    ax.set_ylim(0, max(110, *(100 * s * 1.05 for _, s in f.burndown)) if f.burndown else 110)
    ax.set_xlabel("days into the period", fontsize=8, color=TEXT)
    ax.set_ylabel("% of budget", fontsize=8, color=TEXT)
    return _png(fig)


def colours(periods: int) -> list[str]:
    """A line colour per period, oldest first: the current one red, the earlier ones cycling
    through the others (newest nearest the red), however many --previous asks for."""
    return [LINES[-1] if n == periods - 1 else LINES[(n - periods + 1) % (len(LINES) - 1)] for n in range(periods)]


def runway(f: Figures) -> bytes:
    fig, ax = _figure(f"{f.slo}: lowest days to breach each day, by period")
    for (label, lows), colour in zip(f.runway, colours(len(f.runway)), strict=True):
        points = [(day + 1, v) for day, (_, v) in enumerate(lows) if v is not None]
        if points:
            ax.plot([d for d, _ in points], [v for _, v in points], marker="o", markersize=2.5,
                    linewidth=1.2, color=colour, label=label)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("day of the period", fontsize=8, color=TEXT)
    ax.set_ylabel("lowest days to breach (log)", fontsize=8, color=TEXT)
    if any(v is not None for _, lows in f.runway for _, v in lows):
        ax.legend(fontsize=7, loc="upper right")
    return _png(fig)

