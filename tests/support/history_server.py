"""A real Prometheus serving a history written as OpenMetrics: the text imported with
`promtool tsdb create-blocks-from openmetrics` into 24h blocks (no overlaps, so the server
does not compact while tests query it), then served from 127.0.0.1."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from aethervision.backtest import rule_backfill
from aethervision.clients import promtool


@contextmanager
def serving(tmp: Path, text: str, name: str):
    """Write `text` to tmp/history.om, import it into tmp/data and serve it; yields the client."""
    (tmp / "history.om").write_text(text)
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=24h",
                       str(tmp / "history.om"), str(tmp / "data"), timeout=600)
    assert run.returncode == 0, run.stderr
    with rule_backfill.serving(tmp / "data", tmp, name) as client:
        yield client
