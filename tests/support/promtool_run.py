"""Write `promtool test rules` files for scenarios and run them in parallel."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from aethervision.clients import promtool, servers

EVAL_INTERVAL = "10m"  # input series are 5m apart; rules are evaluated every 10m
TOLERANCE = 0.01  # relative: the 30d ratio is built from recorded 10m rates
LABELS = 'component="slo", service="crm", slo="payment_rate"'


@dataclass
class Case:
    """One promtool test: input series plus value and alert expectations."""
    name: str
    series: list[dict]
    values: list[tuple[str, int, float | None]] = field(default_factory=list)  # expr, at, expected
    empty: list[tuple[str, int]] = field(default_factory=list)  # expr, at: no result at all
    firing: list[tuple[str, int, dict]] = field(default_factory=list)  # alertname, at, labels
    silent: list[int] = field(default_factory=list)  # times at which no alert may fire
    alerts: list[dict] = field(default_factory=list)  # raw alert_rule_test entries
    exprs: list[dict] = field(default_factory=list)  # raw promql_expr_test entries
    silent_except: tuple[str, ...] = ()  # alert names `silent` allows (e.g. the expected SLINoData)
    labels: str = LABELS  # labels of the slo:* series the values are read from
    value_labels: dict[str, str] = field(default_factory=dict)  # expr -> its labels, where not `labels`
    tolerance: float = TOLERANCE  # relative

    interval: str = EVAL_INTERVAL
    series_interval: str = "5m"

    def _value_test(self, expr: str, at: int, expected: float) -> dict:
        # aethervision:* aggregates carry no labels; slo:* series carry the SLO's.
        series_labels = "{}" if expr.startswith("aethervision:") else "{" + self.labels + "}"
        series_labels = self.value_labels.get(expr, series_labels)
        if expected == 0:
            check, want = f"abs({expr}) <= bool 1e-9", 1
        else:
            check, want = f"abs({expr} - {expected!r}) <= bool {abs(expected) * self.tolerance!r}", 1
        return {"expr": check, "eval_time": f"{at}s",
                "exp_samples": [{"labels": series_labels, "value": want}]}

    def document(self, rule_files: list[Path]) -> dict:
        expr_tests = [self._value_test(e, at, v) for e, at, v in self.values]
        expr_tests += [{"expr": e, "eval_time": f"{at}s", "exp_samples": []} for e, at in self.empty]
        for name, at, labels in self.firing:
            matcher = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            expr_tests.append({
                "expr": f'ALERTS{{alertname="{name}", alertstate="firing"}}', "eval_time": f"{at}s",
                "exp_samples": [{"labels": f'ALERTS{{alertname="{name}", alertstate="firing", {matcher}}}',
                                 "value": 1}]})
        expr_tests += self.exprs
        alert_tests = list(self.alerts)
        allowed = f', alertname!~"{"|".join(self.silent_except)}"' if self.silent_except else ""
        for at in self.silent:
            expr_tests.append({"expr": f'ALERTS{{alertstate="firing", component="slo"{allowed}}}',
                               "eval_time": f"{at}s", "exp_samples": []})
        test = {"interval": self.series_interval, "input_series": self.series, "promql_expr_test": expr_tests}
        if alert_tests:
            test["alert_rule_test"] = alert_tests
        return promtool.unit_test_document(rule_files, self.interval, [test])

    def diagnostics(self, rule_files: list[Path]) -> dict:
        """The same series, asking for nothing: promtool's failure shows actual values."""
        exprs = sorted({e for e, _, _ in self.values} | {e for e, _ in self.empty})
        times = sorted({at for _, at, _ in self.values} | {at for _, at in self.empty})
        tests = [{"expr": e, "eval_time": f"{at}s", "exp_samples": []} for e in exprs for at in times]
        tests.append({"expr": "ALERTS", "eval_time": f"{max(times + self.silent + [0])}s", "exp_samples": []})
        return promtool.unit_test_document(
            rule_files, self.interval,
            [{"interval": self.series_interval, "input_series": self.series, "promql_expr_test": tests}])


# The promtool builds every scenario runs on: the pinned Prometheus 3 and Debian's 2.42.
ENGINES = ("prometheus-3", "prometheus-2")


def engine_promtool(engine: str) -> str:
    """That engine's promtool; a failure (not a skip) when it is missing: `make test` builds both."""
    path = servers.locate("promtool", engine)
    if path is None:
        pytest.fail(f"promtool of {engine} not found: `make servers` (Prometheus 3) and `make promtool` "
                    f"(Debian's 2.42) provide them")
    return path


def run(cases: list[Case], rule_files: list[Path], workdir: Path,
        binary: str | None = None) -> dict[str, subprocess.CompletedProcess]:
    """Run every case's promtool test file, two at a time (the machine has 2 cores)."""
    return run_jobs([(case, rule_files) for case in cases], workdir, binary)


def run_jobs(jobs: list[tuple[Case, list[Path]]], workdir: Path,
             binary: str | None = None) -> dict[str, subprocess.CompletedProcess]:
    """Like run(), each case with its own rule files, all in one pool; `binary`: which promtool."""
    def one(job: tuple[Case, list[Path]]) -> tuple[str, subprocess.CompletedProcess]:
        case, rule_files = job
        path = workdir / f"{case.name}.test.yml"
        path.write_text(yaml.safe_dump(case.document(rule_files), sort_keys=False))
        return case.name, promtool.run("test", "rules", str(path), timeout=300, binary=binary)

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(pool.map(one, jobs))


def explain(case: Case, rule_files: list[Path], workdir: Path, result: subprocess.CompletedProcess,
            binary: str | None = None) -> str:
    """promtool's failure plus the actual values at the checked times."""
    path = workdir / f"{case.name}.diagnostics.yml"
    path.write_text(yaml.safe_dump(case.diagnostics(rule_files), sort_keys=False))
    actual = promtool.run("test", "rules", str(path), timeout=300, binary=binary)
    output = (actual.stdout + actual.stderr).splitlines()
    got = [line.strip() for line in output if "got:" in line or "expr:" in line]
    return result.stdout + result.stderr + "\nactual values:\n" + "\n".join(got)
