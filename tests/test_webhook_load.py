"""The autoheal webhook under load and abuse, over real HTTP on 127.0.0.1 (bounded in time):
200 concurrent POSTs all answered, bad Content-Length refused with 400, a client that sends
headers and no body dropped after the read timeout, and unmapped alert names that cannot grow
/metrics."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from aethervision.live import httpd
from aethervision.live.autoheal.service import Autoheal

from support.autoheal_client import TOKEN, Running, mapping, payload


@pytest.fixture
def heal(tmp_path, monkeypatch):
    monkeypatch.setattr(httpd, "READ_TIMEOUT", 1.0)  # read before the handler class is built
    running = Running(Autoheal(mapping(tmp_path, CrmDown={"command": ["true"]}), enabled=False), TOKEN)
    running.server.start()
    yield running
    running.server.stop()
    running.service.close()


def raw(heal: Running, request: bytes, wait: float = 5.0) -> bytes:
    host, port = heal.server.address
    with socket.create_connection((host, port), timeout=wait) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_200_concurrent_posts_are_all_answered(heal):
    body = json.dumps(payload(("CrmDown", "firing", {"autoheal": "true"}))).encode()

    def post(_):
        req = urllib.request.Request(heal.url + "/alertmanager", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(post, range(200)))  # a reset would raise here
    assert statuses == [200] * 200


@pytest.mark.parametrize("length", ["-5", "abc", "1e3"])
def test_a_bad_content_length_gets_400(heal, length):
    answer = raw(heal, f"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert b"bad Content-Length" in answer


def test_a_client_sending_no_body_is_dropped_after_the_read_timeout(heal):
    started = time.monotonic()
    answer = raw(heal, b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", wait=10)
    assert time.monotonic() - started < 5  # READ_TIMEOUT is 1s here; the default is 10s
    assert answer == b""  # closed, nothing to answer a request that never arrived


def test_unmapped_alert_names_add_at_most_one_series(heal):
    def series() -> int:
        return sum(1 for line in heal.metrics().splitlines() if line.startswith("autoheal_actions_total{"))

    before = series()
    alerts = [(f"Spam{i}", "firing", {"autoheal": "true"}) for i in range(1000)]
    status, body = heal.post(payload(*alerts), {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and len(body["decisions"]) == 1000
    assert series() - before <= 1
    assert 'autoheal_actions_total{alert="_unmapped",result="unmapped"} 1000.0' in heal.metrics()


def test_without_the_token_the_webhook_refuses(heal):
    status, body = heal.post(payload(("CrmDown", "firing", {"autoheal": "true"})))
    assert status == 401 and "bearer token" in body["error"]
