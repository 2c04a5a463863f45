"""The payment simulator: exact counters, control over HTTP, and history promtool can import."""

from __future__ import annotations

import json
import urllib.request

import pytest

from aethervision.clients import promtool
from aethervision.core.errors import UserError
from aethervision.demo import simulator


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_counters_advance_exactly_with_rate_and_ratio():
    clock = Clock()
    sim = simulator.PaymentSimulator(rps=10, error_ratio=0.001, clock=clock)
    clock.now += 100
    c = sim.counters()
    assert (c.success, c.failed) == pytest.approx((999.0, 1.0))
    sim.set(error_ratio=0.3)  # the first 100s keep their ratio
    clock.now += 100
    c = sim.counters()
    assert (c.success, c.failed) == pytest.approx((999.0 + 700.0, 1.0 + 300.0))


def test_resuming_carries_on_from_the_history_and_fills_the_gap():
    clock = Clock(5000.0)
    start = simulator.Counters(4000.0, 100.0, 1.0)
    sim = simulator.PaymentSimulator(rps=2, error_ratio=0.5, start=start, clock=clock)
    c = sim.counters()
    assert (c.success, c.failed) == pytest.approx((100.0 + 1000.0, 1.0 + 1000.0))


@pytest.mark.parametrize("rps, ratio", [(-1, 0.1), (1, 1.5), (1, -0.1)])
def test_bad_settings_are_refused(rps, ratio):
    with pytest.raises(UserError):
        simulator.PaymentSimulator(rps=rps, error_ratio=ratio)


@pytest.fixture
def served():
    sim = simulator.PaymentSimulator(rps=10, error_ratio=0.001)
    srv = simulator.server(sim, "127.0.0.1", 0)
    srv.start()
    yield srv
    srv.stop()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()


def test_metrics_expose_the_sli_counters(served):
    text = get(served.url + "/metrics")
    assert "# TYPE crm_payments_total counter" in text
    assert 'crm_payments_total{status="success"}' in text and 'crm_payments_total{status="failed"}' in text


def test_dip_and_recovery_switch_a_running_simulator(cli, served):
    result = cli("simulate", "dip", "--url", served.url)
    assert result.exit_code == 0 and "error ratio 0.3" in result.output
    assert json.loads(get(served.url + "/"))["error_ratio"] == 0.3
    assert cli("simulate", "recovery", "--url", served.url).exit_code == 0
    assert json.loads(get(served.url + "/"))["error_ratio"] == simulator.HEALTHY_RATIO
    result = cli("simulate", "set", "--url", served.url, "--rps", "25")
    assert result.exit_code == 0 and json.loads(get(served.url + "/"))["rps"] == 25


@pytest.mark.parametrize("body", [b"{}", b'{"error_ratio": 2}', b'{"error_ratio": "high"}', b'{"speed": 1}', b"x"])
def test_control_rejects_bad_bodies_with_400(served, body):
    request = urllib.request.Request(served.url + "/control", data=body, method="POST")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=5)
    assert err.value.code == 400
    assert json.loads(get(served.url + "/"))["error_ratio"] == simulator.HEALTHY_RATIO


def test_control_cli_errors(cli):
    result = cli("simulate", "dip", "--url", "http://127.0.0.1:1")
    assert result.exit_code == 2 and "not reachable" in result.stderr
    assert cli("simulate", "dip", "--url", "http://127.0.0.1:1", "--error-ratio", "7").exit_code == 1
    assert cli("simulate", "set", "--url", "http://127.0.0.1:1").exit_code == 1


@pytest.mark.promtool
def test_history_imports_into_tsdb_blocks_with_promtool(cli, tmp_path):
    """The backfill file is valid OpenMetrics for the real promtool, and resumable."""
    history = tmp_path / "history.om"
    end = 1_790_000_000
    result = cli("simulate", "backfill", "--out", str(history), "--days", "2", "--step", "300",
                 "--rps", "10", "--error-ratio", "0.01", "--end", str(end),
                 "--label", "job=crm", "--label", "instance=127.0.0.1:9101")
    assert result.exit_code == 0, result.output
    text = history.read_text()
    assert text.endswith("# EOF\n") and "# TYPE crm_payments counter" in text
    assert 'crm_payments_total{status="failed",instance="127.0.0.1:9101",job="crm"} 0.000000' in text
    run = promtool.run("tsdb", "create-blocks-from", "openmetrics", str(history), str(tmp_path / "data"))
    assert run.returncode == 0, run.stderr
    assert any((tmp_path / "data").iterdir())
    last = simulator.last_counters(history)
    steps = 2 * 86400 // 300
    assert last.at == end
    assert (last.success, last.failed) == pytest.approx((steps * 3000 * 0.99, steps * 3000 * 0.01))


def test_backfill_refuses_a_malformed_label(cli, tmp_path):
    result = cli("simulate", "backfill", "--out", str(tmp_path / "h.om"), "--label", "job")
    assert result.exit_code == 1 and "expected NAME=VALUE" in result.stderr
    assert not (tmp_path / "h.om").exists()


def test_a_foreign_file_is_not_resumed(tmp_path):
    path = tmp_path / "other.om"
    path.write_text("# TYPE x counter\nx_total 1 2\n# EOF\n")
    with pytest.raises(UserError, match="no crm_payments_total samples"):
        simulator.last_counters(path)


def test_history_incidents_fail_their_share_of_payments_for_their_span(tmp_path):
    """A 10-minute incident at 30% in a 1%-failing hour: the failed counter gains exactly that."""
    path = tmp_path / "history.om"
    last = simulator.history(path, 0, 3600, 60, rps=10, error_ratio=0.01, incidents=((1200, 1800, 0.3),))
    failed = {int(t): float(v) for line in path.read_text().splitlines() if line.startswith("crm_payments_total")
              and 'status="failed"' in line for _, v, t in [line.rsplit(" ", 2)]}
    assert failed[1200] == pytest.approx(20 * 60 * 10 * 0.01)
    assert failed[1800] - failed[1200] == pytest.approx(10 * 60 * 10 * 0.3)
    assert last.failed == pytest.approx(50 * 60 * 10 * 0.01 + 10 * 60 * 10 * 0.3)
    assert last.success + last.failed == pytest.approx(3600 * 10)
    with pytest.raises(UserError):
        simulator.history(path, 0, 3600, 60, rps=10, error_ratio=0.01, incidents=((0, 60, 1.5),))
