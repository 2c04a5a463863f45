"""Dashboard previews without Grafana: drawn from the dashboard JSON, from a real Prometheus
(a demo stack with backfilled history, as `make demo` builds it) or the sample scenario."""

from __future__ import annotations

import io

import pytest
import yaml
from PIL import Image

from aethervision import spec as spec_mod
from aethervision.builder import outputs
from aethervision.clients.prometheus import Client
from aethervision.demo import stack
from aethervision.review import preview, preview_data, preview_png

from support.live import demo_config
from support.repo import SPEC

AT = 1_800_000_000  # a fixed time: the sample scenario does not depend on it


def pixels(image: preview_png.Rendered, box) -> list[tuple[int, int, int]]:
    picture = Image.open(io.BytesIO(image.png)).convert("RGB")
    x0, y0, x1, y1 = box
    return [picture.getpixel((x, y)) for x in range(x0, x1) for y in range(y0, y1)]


def near(rgb, hex_colour: str, tolerance: int = 40) -> bool:
    want = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tolerance for a, b in zip(rgb, want))


def by_title(dashboard: dict, title: str) -> dict:
    return next(p for p in dashboard["panels"] if p.get("title") == title)


def test_the_sample_render_follows_the_grid_and_is_byte_identical():
    spec = spec_mod.load(SPEC)
    dashboards = outputs.dashboards(spec)
    first = preview.render_dashboards(dashboards, preview_data.SampleSource(), AT, 86400)
    again = preview.render_dashboards(dashboards, preview_data.SampleSource(), AT, 86400)
    for uid, dash in ((d["uid"], d) for d in dashboards.values()):
        bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
        image = Image.open(io.BytesIO(first[uid].png))
        assert image.size == first[uid].size == (24 * 60, bottom * 30 + preview_png.FOOTER_PX)
        assert first[uid].png == again[uid].png


def test_diff_preview_draws_exactly_the_changed_panels(cli, spec_data, write_spec, tmp_path):
    # The stat and the table's column use these; the sample's 14.1 days turn from yellow to orange.
    spec_data["runway"]["days_to_breach_thresholds"][2]["value"] = 20
    spec_data["runway"]["days_to_breach_thresholds"][3]["value"] = 30
    changed = write_spec(spec_data, "changed.yaml")
    base = tmp_path / "base"
    assert cli("build", "--spec", str(SPEC), "--out", str(base)).exit_code == 0
    out = tmp_path / "previews"
    result = cli("diff", "--spec", str(changed), "--dir", str(base), "--format", "markdown", "--preview", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "aethervision.after.png", "aethervision.before.png", "aethervision.panel1.after.png",
        "aethervision.panel1.before.png", "aethervision.panel2.after.png", "aethervision.panel2.before.png"]
    assert "| aethervision | 🧭 Days to Breach (Conservative) | [aethervision.panel2.before.png]" in result.stdout
    assert "| aethervision | SLOs by runway | [aethervision.panel1.before.png]" in result.stdout
    assert (out / "aethervision.panel2.before.png").read_bytes() != (out / "aethervision.panel2.after.png").read_bytes()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("preview")
    data = yaml.safe_load(SPEC.read_text())
    # Red up to 10,000 days: the healthy demo's 270 days must draw the headline stat red.
    data["runway"]["days_to_breach_thresholds"] = [{"color": "red", "value": 0}, {"color": "green", "value": 10000}]
    path = tmp / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    spec = spec_mod.load(path)
    cfg = demo_config(tmp / "demo", history_days=2, backfill_interval="5m", scrape_interval="1s",
                      evaluation_interval="1s")
    urls = stack.up(spec, cfg, progress=lambda _msg: None)
    try:
        yield spec, Client(urls["prometheus"])
    finally:
        stack.down(cfg.workdir)


@pytest.mark.live
@pytest.mark.slow
def test_previews_from_a_real_prometheus(demo):
    spec, client = demo
    dashboards = {d["uid"]: d for d in outputs.dashboards(spec).values()}
    source = preview_data.PrometheusSource(client)
    at = float(int(client.value("time()")))
    rendered = preview.render_dashboards(dashboards, source, at, 3600)
    main, detail = rendered["aethervision"], rendered["aethervision-slo"]
    headline = by_title(dashboards["aethervision"], "🧭 Days to Breach (Conservative)")
    assert main.texts[headline["id"]].endswith("days")  # a real value, not "No data"
    red = sum(near(p, preview_png.COLOURS["red"]) for p in pixels(main, main.boxes[headline["id"]]))
    assert red > 800  # under the red threshold: drawn red
    chart = by_title(dashboards["aethervision-slo"], "Error budget remaining over the SLO window")
    assert detail.texts[chart["id"]] == "1 series"
    line = sum(near(p, "#73bf69", 30) for p in pixels(detail, detail.boxes[chart["id"]]))
    assert line > 100  # the first series' colour: a line was drawn
    alerts = by_title(dashboards["aethervision-slo"], "Firing alerts of this SLO")
    assert detail.texts[alerts["id"]] == "No data"  # a healthy demo: nothing fires
    again = preview.render_dashboards(dashboards, source, at, 3600)
    assert again["aethervision"].png == main.png and again["aethervision-slo"].png == detail.png


class _Constant:
    """A data source where every query is a constant `value` (the axis limit of a runway chart)."""
    name = "constant"

    def __init__(self, value: float):
        self.value = value

    def instant(self, expr, at):
        return [({"slo": "pay", "service": "crm"}, self.value)]

    def range(self, expr, start, end, step):
        return [({"slo": "pay", "service": "crm"}, [(start + i * step, self.value)
                                                     for i in range(int((end - start) // step) + 1)])]


def _series_panel(dashboard: dict) -> dict:
    return next(p for p in dashboard["panels"] if p.get("type") == "timeseries"
                and p["fieldConfig"]["defaults"].get("max") is not None)


def test_a_series_at_the_axis_maximum_is_drawn_over_the_frame():
    spec = spec_mod.load(SPEC)
    dash = outputs.dashboards(spec)[outputs.dashboard_path(spec)]
    panel = _series_panel(dash)
    top = panel["fieldConfig"]["defaults"]["max"]
    image = preview.render_dashboards({"d": dash}, _Constant(top), AT, 86400)[dash["uid"]]
    x0, y0, x1, y1 = image.boxes[panel["id"]]
    # The plot's top edge sits 24 px below the panel's top (the title strip); the line is drawn there.
    strip = pixels(image, (x0 + 80, y0 + 20, x1 - 40, y0 + 30))
    drawn = sum(any(near(rgb, c) for c in ("#73bf69", "#f2cc0c", "#8ab8ff")) for rgb in strip)
    assert drawn > 100  # the series' colours along the top edge, not only the frame's grey


def test_axes_are_clock_times_shared_by_the_panels_and_ticks_are_distinct(monkeypatch):
    seen: dict[int, list[str]] = {}
    original = preview_png._series

    def spy(ax, d, steps, data, span=None):
        out = original(ax, d, steps, data, span)
        ax.figure.canvas.draw() if hasattr(ax.figure, "canvas") else None
        seen[id(ax)] = ([t.get_text() for t in ax.get_xticklabels()], [t.get_text() for t in ax.get_yticklabels()],
                        ax.get_xlim())
        return out
    monkeypatch.setattr(preview_png, "_series", spy)
    spec = spec_mod.load(SPEC)
    preview.render_dashboards(outputs.dashboards(spec), _Constant(0.4), AT, 6 * 3600)
    assert len(seen) >= 3
    limits = {xlim for _, _, xlim in seen.values()}
    assert limits == {(AT - 6 * 3600, AT)}  # one clock for every panel
    for xlabels, ylabels, _ in seen.values():
        shown = [x for x in xlabels if x]
        assert shown and all(len(x) == 5 and x[2] == ":" for x in shown)  # HH:MM
        labels = [y for y in ylabels if y]
        assert len(labels) == len(set(labels)), labels  # 0, 0.2, 0.4, not 0, 0, 0


def test_the_sample_is_possible_and_the_detail_shows_the_chosen_slo(cli, tmp_path):
    source = preview_data.SampleSource()
    assert source.instant("aethervision:autoheal_enabled", AT)[0][1] == 1.0
    for i in range(20):  # the conservative runway is never longer than the 1h and 6h ones
        conservative = source._level(f'bottomk(5, {{__name__=~"slo:x{i}:hours_to_breach"}})')
        assert conservative < min(source._level(f"slo:x{i}:hours_to_breach_1h"),
                                  source._level(f"slo:x{i}:hours_to_breach_6h"))
    fleet = SPEC.parent.parent / "fleet" / "aethervision.yaml"
    result = cli("preview", "--spec", str(fleet), "--sample", "--at", str(AT), "--out", str(tmp_path),
                 "--slo", "api_latency", "--group", "cluster=eu")
    assert result.exit_code == 0, result.output
    bad = cli("preview", "--spec", str(fleet), "--sample", "--out", str(tmp_path), "--slo", "nope")
    assert bad.exit_code == 1 and "no SLO named 'nope'" in bad.output
    spec = spec_mod.load(fleet)
    detail = outputs.dashboards(spec)[outputs.dashboard_path(spec, spec.grafana.detail_uid)]
    titled = preview_data.with_titles(detail, {"slo": "api_latency"})
    assert any("api_latency" in p["title"] for p in titled["panels"])
    data = preview_data.panel_data(detail, source, AT, 3600, {"slo": "api_latency"})
    assert data  # the queries ran with the chosen SLO
