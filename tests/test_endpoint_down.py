"""HttpEndpointDownFast and TcpEndpointDownFast (the seed's names) in the real promtool: one
alert per failing endpoint after `probes.endpoint_down.for`, the autoheal label where the spec
asks for it, and nothing for the endpoints that answer."""

from __future__ import annotations

import pytest
import yaml

from support import promtool_run as pr
from support.repo import SPEC, generated_rule_files

pytestmark = [pytest.mark.promtool, pytest.mark.slow]


@pytest.mark.parametrize("engine", pr.ENGINES)
def test_a_tcp_endpoint_that_stops_answering_pages_once_for_it(engine, tmp_path):
    data = yaml.safe_load(SPEC.read_text())
    data["probes"] = {"http": 'probe_success{probe_kind="http"}', "tcp": 'probe_success{probe_kind="tcp"}',
                      "min_healthy": 1, "endpoint_down": {"for": "2m", "autoheal": True}}
    path = tmp_path / "aethervision.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    files = generated_rule_files(tmp_path, path)
    # One sample a minute: the database answers for 10 minutes, then not; the web server always.
    series = [{"series": 'probe_success{probe_kind="tcp", instance="db:5432"}', "values": "1x9 0x20"},
              {"series": 'probe_success{probe_kind="tcp", instance="cache:6379"}', "values": "1x30"},
              {"series": 'probe_success{probe_kind="http", instance="https://shop.example"}', "values": "1x30"}]
    labels = {"component": "aethervision", "severity": "critical", "autoheal": "true"}

    def alerts(at: int, firing: list[dict]) -> dict:
        return {"eval_time": f"{at}m", "alertname": "TcpEndpointDownFast", "exp_alerts": [
            {"exp_labels": {**labels, **extra}, "exp_annotations": {
                "summary": f"TCP endpoint {extra['instance']} is down",
                "description": f"The TCP probe of {extra['instance']} has failed for 2m "
                               '(probe_success{probe_kind="tcp"}).'}} for extra in firing]}
    down = {"probe_kind": "tcp", "instance": "db:5432"}
    case = pr.Case("endpoint_down", series, interval="1m", series_interval="1m",
                   alerts=[alerts(11, []), alerts(12, [down]), alerts(20, [down]),
                           {"eval_time": "20m", "alertname": "HttpEndpointDownFast", "exp_alerts": []}])
    result = pr.run([case], files, tmp_path, pr.engine_promtool(engine))[case.name]
    assert result.returncode == 0, pr.explain(case, files, tmp_path, result)
