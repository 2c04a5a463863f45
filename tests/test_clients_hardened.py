"""Clients on odd answers: not Grafana, credentials in URLs, a dry run without Grafana."""

from __future__ import annotations

import pytest

from aethervision.core.errors import redact

from support.grafana_double import GrafanaDouble
from support.not_grafana import NotGrafana
from support.repo import SPEC

TOKEN = "admin-token"


@pytest.fixture
def html_site():
    with NotGrafana() as site:
        yield site


def test_open_on_a_url_that_is_not_grafana_is_a_clear_user_error(cli, html_site):
    result = cli("open", "--spec", str(SPEC), "--no-browser", "--grafana-url", html_site.url, env={})
    assert result.exit_code == 1, result.output
    assert f"{html_site.url} is not answering like Grafana" in result.stderr
    assert "an HTML page" in result.stderr and "<html" not in result.stderr.lower()
    assert "internal error" not in result.stderr


def test_diff_remote_tells_not_found_from_not_grafana(cli, html_site):
    env = {"GRAFANA_URL": html_site.url, "GRAFANA_TOKEN": TOKEN}
    result = cli("diff", "--spec", str(SPEC), "--remote", env=env)
    assert result.exit_code == 1
    assert "is not answering like Grafana" in result.stderr
    assert "added" not in result.output  # not a false "added dashboard"
    with GrafanaDouble(tokens={TOKEN: "Admin"}) as grafana:  # real Grafana API, dashboard absent
        result = cli("diff", "--spec", str(SPEC), "--remote", env={"GRAFANA_URL": grafana.url, "GRAFANA_TOKEN": TOKEN})
    assert result.exit_code == 0 and "added    dashboard aethervision" in result.output


@pytest.mark.parametrize("url, shown", [
    ("https://ops:pa55@grafana.example/x", "https://***@grafana.example/x"),
    ("http://127.0.0.1:9/api?token=abc123&org=1", "http://127.0.0.1:9/api?token=***&org=***"),
    ("see http://h/?api_key=k3y for details", "see http://h/?api_key=*** for details"),
])
def test_credentials_in_urls_are_redacted(url, shown):
    assert redact(url) == shown


def test_a_token_in_the_url_query_is_never_printed(cli):
    secret = "glsa_QuerySecret_987"
    env = {"GRAFANA_URL": f"http://127.0.0.1:9/?token={secret}", "GRAFANA_TOKEN": "glsa_header_token"}
    result = cli("push", "--spec", str(SPEC), "--timeout", "0.2", env=env)
    assert result.exit_code == 2
    assert secret not in result.output + result.stderr and "token=***" in result.stderr


def test_dry_run_says_what_it_needs_and_works_offline(cli):
    needs = cli("push", "--spec", str(SPEC), "--dry-run", env={"GRAFANA_URL": "", "GRAFANA_TOKEN": ""})
    assert needs.exit_code == 1 and "GRAFANA_URL" in needs.stderr
    offline = cli("push", "--spec", str(SPEC), "--dry-run", "--offline", env={"GRAFANA_URL": "", "GRAFANA_TOKEN": ""})
    assert offline.exit_code == 0, offline.output
    assert "offline plan" in offline.output and "create    aethervision" in offline.output
    assert cli("push", "--spec", str(SPEC), "--offline").exit_code == 1  # only with --dry-run
    help_text = cli("push", "--help").output
    assert "--offline" in help_text and "needs GRAFANA_URL and credentials" in " ".join(help_text.split())


def test_push_to_a_grafana_that_never_answers_says_so_while_it_retries(cli, monkeypatch):
    """A listener that accepts and never answers: each timed-out attempt is said on stderr before
    the retry (it was 47 s of silence), and the end is a network error (exit 2)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        monkeypatch.setenv("GRAFANA_TOKEN", "t0ken-never-printed")
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        result = cli("push", "--spec", str(SPEC), "--grafana-url", url, "--timeout", "0.3")
    finally:
        listener.close()
    assert result.exit_code == 2, result.output
    assert "timed out after 0.3s; retrying in 0.5 s (attempt 2 of 4)" in result.stderr
    assert "t0ken-never-printed" not in result.output
