"""Imported SLOs measure what the peer measured: for Sloth fixtures of each kind (ratio,
bucket arithmetic, raw, grouped), the real `sloth generate` output and AetherVision's rules
from the imported spec run in one promtool test on the same data, and every shared
window's error ratio (1h, 6h, the 30-day period) agrees within 1% for every group, before
and two hours into an outage. Sloth's ranges are left-open on Prometheus 3 and drop one
minute of each window: that, and the tiles' evaluation cadence, is the 1%.
"""

from __future__ import annotations

import pytest
import yaml

from aethervision import importers
from aethervision.clients import sloth
from aethervision.importers import render

from support import promtool_run as pr
from support.repo import ROOT, generated_rule_files

pytestmark = [pytest.mark.promtool, pytest.mark.slow]
FIXTURES = ROOT / "tests" / "fixtures" / "import" / "sloth"
MINUTE, HOUR, DAY = 60, 3600, 86400
T0, END = 3 * DAY + HOUR, 3 * DAY + 3 * HOUR
RPM = 1000


def counter(share) -> str:
    values, total = ["0"], 0.0
    for m in range(1, END // MINUTE + 1):
        total += RPM * share(m * MINUTE)
        values.append(repr(round(total, 6)))
    return " ".join(values)


def bad(t: int, healthy: float = 0.0005, outage: float = 0.04) -> float:
    return outage if t > T0 else healthy


# fixture -> (input series as (selector, share of RPM per minute), group labels)
CASES = {
    "01-events-ratio.yml": ([('http_requests_total{job="checkout", code="200"}', lambda t: 1 - bad(t)),
                             ('http_requests_total{job="checkout", code="503"}', bad)], ()),
    "02-latency-arithmetic.yml": ([('apiserver_request_duration_seconds_count{verb="GET"}', lambda t: 1.0),
                                   ('apiserver_request_duration_seconds_bucket{verb="GET", le="0.4"}',
                                    lambda t: 1 - bad(t))], ()),
    "03-raw.yml": ([("search_queries_total", lambda t: 1.0), ("search_failures_total", bad)], ()),
    "04-grouped.yml": ([('agent_requests_total{cluster="a", code="200"}', lambda t: 1 - bad(t)),
                        ('agent_requests_total{cluster="a", code="500"}', bad),
                        ('agent_requests_total{cluster="b", code="200"}', lambda t: 1 - bad(t, 0.001, 0.001)),
                        ('agent_requests_total{cluster="b", code="500"}', lambda t: bad(t, 0.001, 0.001))],
                       ("cluster",)),
}


def _case(name: str, slo: str, sloth_slo: str, groups: tuple[str, ...]) -> pr.Case:
    inputs, _ = CASES[name]
    series = [{"series": selector, "values": counter(share)} for selector, share in inputs]
    on = f"on({', '.join(groups)})"
    exprs = []
    for at in (T0 - 5 * MINUTE, END):
        for window in ("1h", "6h", "30d"):
            ours = f"slo:{slo}:error_ratio:rate{window}"
            theirs = f'slo:sli_error:ratio_rate{window}{{sloth_slo="{sloth_slo}"}}'
            agree = f"(abs({ours} - {on} {theirs}) <= bool {on} (0.01 * {theirs})) == 1"
            exprs.append({"expr": f"count({agree})", "eval_time": f"{at}s",
                          "exp_samples": [{"labels": "{}", "value": 2 if groups else 1}]})
    return pr.Case(name, series, interval="5m", series_interval="1m", exprs=exprs)


@pytest.mark.parametrize("engine", pr.ENGINES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_imported_sloth_slos_agree_with_sloths_own_rules(name, engine, tmp_path):
    binary = pr.engine_promtool(engine)
    source = FIXTURES / name
    result, _ = importers.run([str(source)], importers.Options())
    assert len(result.slos) == 1
    spec = tmp_path / "aethervision.yaml"
    spec.write_text(render.spec_text(result.slos, result.runway, [str(source)]))
    files = generated_rule_files(tmp_path, spec)
    theirs = tmp_path / "sloth-rules.yml"
    theirs.write_text(yaml.safe_dump(sloth.generate(source.read_text()), sort_keys=False))
    files.append(theirs)
    item = result.slos[0]
    case = _case(name, item.slo["name"], item.slo["title"], CASES[name][1])
    run = pr.run([case], files, tmp_path, binary)[case.name]
    assert run.returncode == 0, pr.explain(case, files, tmp_path, run, binary)
