"""Dashboard previews without Grafana: drawn from the dashboard JSON, from a real Prometheus
(a demo stack with backfilled history, as `make demo` builds it) or the sample scenario."""

from __future__ import annotations

import io

import pytest
import yaml
from PIL import Image

from aethervision import spec as spec_mod
from aethervision.api import preview, preview_data, preview_png
from aethervision.builder import outputs
from aethervision.clients.prometheus import Client
from aethervision.live import stack

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
