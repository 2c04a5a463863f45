"""`aethervision open` against the Grafana-API test double, in a subprocess each.

A subprocess, because Python's webbrowser module reads $BROWSER once per
process; the "browser" here is a small script that records the URL it got.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support.grafana_double import GrafanaDouble
from support.repo import ROOT, SPEC

TOKEN = "admin-token"
DASHBOARD_PATH = "/d/aethervision/aethervision"


@pytest.fixture
def grafana():
    with GrafanaDouble(tokens={TOKEN: "Admin"}) as double:
        yield double


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    exe = ROOT / ".venv" / "bin" / "aethervision"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "aethervision"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFANA_", "BROWSER"))}
    return subprocess.run([*command, "open", "--spec", str(SPEC), *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def browser(tmp_path):
    """$BROWSER that writes the URL it is given to a file."""
    seen = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text(f"import sys\nopen({str(seen)!r}, 'w').write(sys.argv[1])\n")
    return f"{sys.executable} {script} %s", seen


def test_opens_the_dashboard_when_grafana_has_it(cli, grafana, browser):
    command, seen = browser
    assert cli("push", "--spec", str(SPEC), env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN}).exit_code == 0
    done = run(env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN, "BROWSER": command})
    assert done.returncode == 0, done.stderr
    assert seen.read_text() == grafana.url + DASHBOARD_PATH
    assert f"opened {grafana.url}{DASHBOARD_PATH}" in done.stdout
    assert TOKEN not in done.stdout + done.stderr


def test_prints_the_url_where_no_browser_opens(cli, grafana):
    cli("push", "--spec", str(SPEC), env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})
    done = run(env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN, "BROWSER": "false"})
    assert done.returncode == 0, done.stderr
    assert "no browser could be opened" in done.stdout and grafana.url + DASHBOARD_PATH in done.stdout
    quiet = run("--no-browser", env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})
    assert quiet.stdout.strip() == grafana.url + DASHBOARD_PATH


def test_missing_dashboard_is_exit_1_and_says_how_to_get_it(grafana, browser):
    command, seen = browser
    done = run(env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN, "BROWSER": command})
    assert done.returncode == 1
    assert "dashboard 'aethervision' is not in Grafana" in done.stderr and "make push" in done.stderr
    assert not seen.exists()


def test_unreachable_grafana_is_exit_2_and_says_so(browser):
    command, seen = browser
    done = run(env={"GRAFANA_URL": "http://127.0.0.1:1", "BROWSER": command})
    assert done.returncode == 2
    assert "http://127.0.0.1:1" in done.stderr and "Start Grafana" in done.stderr
    assert not seen.exists()


def test_without_credentials_it_opens_but_says_it_could_not_check(grafana, browser):
    command, seen = browser
    done = run(env={"GRAFANA_URL": grafana.url, "BROWSER": command})
    assert done.returncode == 0, done.stderr
    assert "could not check that the dashboard exists (401; set GRAFANA_TOKEN to check)" in done.stderr
    assert seen.read_text() == grafana.url + DASHBOARD_PATH


def test_open_slo_opens_the_detail_dashboard_with_the_slo_selected(cli, grafana, browser):
    command, seen = browser
    env = {"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN, "BROWSER": command}
    assert cli("push", "--spec", str(SPEC), env=env).exit_code == 0
    done = run("--slo", "payment_rate", env=env)
    assert done.returncode == 0, done.stderr
    assert seen.read_text() == f"{grafana.url}/d/aethervision-slo/aethervision-slo-detail?var-slo=payment_rate"
    unknown = run("--slo", "nope", env=env)
    assert unknown.returncode == 1 and "no SLO named 'nope'" in unknown.stderr
