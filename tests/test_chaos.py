"""The chaos playbook on a real demo stack (Prometheus, Alertmanager, blackbox exporter,
autoheal, crm-api, simulator), loopback only, driven through `make chaos-tcp`.

The golden default spec with its probes and endpoint-down alerts (autoheal: true), with
1s scrapes and evaluations, Alertmanager grouping after 1s, and `for: 10s` on the endpoint-down
alerts: long enough that a run cut short within seconds is restored by the chaos command itself,
not by autoheal. Nothing is mocked; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from aethervision import spec as spec_mod
from aethervision.clients import prometheus
from aethervision.demo import stack
from aethervision.runtime import procs

from support.live import demo_config, wait_for
from support.repo import ROOT, SPEC

pytestmark = [pytest.mark.live, pytest.mark.slow]
RUN_BOUND = 240  # seconds for a whole `make chaos-tcp`, pre-checks to post-checks


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="module")
def chaos_demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chaos")
    data = yaml.safe_load(SPEC.read_text())
    data["slos"][0]["window"] = "1d"  # healthy runway: 9 days, above the 1-day warning threshold
    data["runway"]["burn_alerts"] = {"page": [{"long": "2m", "short": "1m", "factor": 5}], "ticket": []}
    data["probes"]["endpoint_down"] = {"for": "10s", "severity": "critical", "autoheal": True}
    data["alertmanager"].update(group_wait="1s", group_interval="2s", repeat_interval="1h")
    spec_path = tmp / "aethervision.yaml"
    spec_path.write_text(yaml.safe_dump(data, sort_keys=False))
    shipped = yaml.safe_load((ROOT / "chaos" / "experiments.yaml").read_text())
    tcp = {**shipped["experiments"]["tcp"], "deadline": "90s", "recovery": "90s"}
    never = {"description": "expects an alert nothing raises", "inject": {"stop": "crm-api"},
             "expect": {"alert": "NoSuchAlert", "notification": False, "autoheal": False}, "recovery": "60s"}
    experiments = tmp / "experiments.yaml"
    experiments.write_text(yaml.safe_dump({"version": shipped["version"], "experiments": {
        "tcp": tcp, "missed": {**never, "deadline": "3s"}, "long": {**never, "deadline": "120s"}}}))
    cfg = demo_config(tmp / "demo", history_days=2, backfill_interval="5m", scrape_interval="1s",
                      evaluation_interval="1s", autoheal_env={"AUTOHEAL_ENABLED": "true"})
    urls = stack.up(spec_mod.load(spec_path), cfg, progress=lambda _msg: None)
    started, _ = procs.load(cfg.workdir / stack.STATE_FILE)
    try:
        yield {"cfg": cfg, "urls": urls, "spec": spec_path, "experiments": experiments,
               "client": prometheus.Client(urls["prometheus"])}
    finally:
        stack.down(cfg.workdir)
        everyone = started + procs.load(cfg.workdir / stack.STATE_FILE)[0]
        assert not any(procs.running(p) for p in everyone), "a demo process survived demo down"


def make_chaos(demo, name: str) -> subprocess.Popen:
    """`make chaos-<name>`, pointed at the test's demo and experiments (the venv is up to date)."""
    return subprocess.Popen(
        ["make", "-s", "-o", ".venv/.installed-stamp", f"chaos-{name}", f"SPEC={demo['spec']}",
         f"DEMO_DIR={demo['cfg'].workdir}", f"EXPERIMENTS={demo['experiments']}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def chaos_command(demo, name: str) -> list[str]:
    """`aethervision chaos NAME` as `make chaos-<name>` runs it, on the test's demo and experiments."""
    return [str(ROOT / ".venv" / "bin" / "aethervision"), "chaos", name, "--spec", str(demo["spec"]),
            "--workdir", str(demo["cfg"].workdir), "--experiments", str(demo["experiments"])]


def run_experiment(demo, name: str) -> tuple[int, str, dict]:
    """(exit code, output, JSON report) of one run."""
    out = demo["cfg"].workdir / "chaos"
    before = set(out.glob(f"{name}-*.json")) if out.is_dir() else set()
    proc = subprocess.run(chaos_command(demo, name), capture_output=True, text=True, timeout=RUN_BOUND, cwd=ROOT)
    (report,) = set(out.glob(f"{name}-*.json")) - before
    return proc.returncode, proc.stdout + proc.stderr, json.loads(report.read_text())


def crm_api(demo) -> procs.Proc:
    return next(p for p in procs.load(demo["cfg"].workdir / stack.STATE_FILE)[0] if p.name == "crm-api")


def settled(demo) -> None:
    """Between runs: every probe up again and no endpoint-down alert left firing."""
    client = demo["client"]
    wait_for("every probe up and the endpoint alerts quiet", lambda: client.value(
        "count(probe_success == 0)") is None and client.value(
        'count(ALERTS{alertname=~".*EndpointDownFast", alertstate="firing"})') is None, timeout=60)


def test_make_chaos_tcp_fires_the_alert_autoheal_restarts_and_the_demo_recovers(chaos_demo):
    settled(chaos_demo)
    pid_before = crm_api(chaos_demo).pid
    started = time.monotonic()
    proc = make_chaos(chaos_demo, "tcp")
    stdout, stderr = proc.communicate(timeout=RUN_BOUND)
    assert time.monotonic() - started < RUN_BOUND
    assert proc.returncode == 0, stdout + stderr
    assert "# Chaos experiment `tcp`: ✅ passed" in stdout
    reports = chaos_demo["cfg"].workdir / "chaos"
    report = json.loads(next(reports.glob("tcp-*.json")).read_text())
    times = report["seconds_after_injection"]
    # The alert fires after its `for` (10s), then Alertmanager has it, then autoheal's restart is done;
    # the restore finds crm-api already healthy; the post-checks pass after that.
    assert 10 <= times["detection"] <= times["notification"] <= times["autoheal"] <= times["recovered"]
    assert "demo heal" in report["details"]["autoheal"] and report["details"]["autoheal"].startswith("ran")
    assert "crm-api healthy" in report["restored"]
    assert [c["ok"] for c in report["pre_checks"] + report["expectations"] + report["post_checks"]] == \
        [True] * (len(report["pre_checks"]) + len(report["expectations"]) + len(report["post_checks"]))
    restarted = crm_api(chaos_demo)
    assert restarted.pid != pid_before and procs.running(restarted)
    assert healthy(f"{chaos_demo['urls']['crm-api']}/healthz")
    assert next(reports.glob("tcp-*.md")).read_text().startswith("# Chaos experiment `tcp`: ✅ passed")


def test_a_missed_expectation_exits_1_and_leaves_the_demo_restored(chaos_demo):
    settled(chaos_demo)
    pid_before = crm_api(chaos_demo).pid
    code, output, report = run_experiment(chaos_demo, "missed")
    assert code == 1, output
    assert report["outcome"] == "failed"
    assert report["expectations"] == [{"ok": False, "name": "NoSuchAlert fires in Prometheus",
                                       "detail": "not within 3s", "warn": False}]
    assert "crm-api restarted" in report["restored"]  # by the chaos command, before the 10s alert could fire
    assert crm_api(chaos_demo).pid != pid_before and healthy(f"{chaos_demo['urls']['crm-api']}/healthz")


def test_ctrl_c_during_a_chaos_run_restores_the_demo(chaos_demo):
    settled(chaos_demo)
    pid_before = crm_api(chaos_demo).pid
    url = f"{chaos_demo['urls']['crm-api']}/healthz"
    proc = subprocess.Popen(chaos_command(chaos_demo, "long"), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for("the injection (crm-api down)", lambda: not healthy(url), timeout=60, every=0.1)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stdout + stderr
    assert "interrupted" in stdout
    report = json.loads(max((chaos_demo["cfg"].workdir / "chaos").glob("long-*.json")).read_text())
    assert report["outcome"] == "interrupted" and "crm-api restarted" in report["restored"]
    assert crm_api(chaos_demo).pid != pid_before and healthy(url)
