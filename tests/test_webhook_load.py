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

from aethervision.autoheal.service import Autoheal
from aethervision.runtime import httpd

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
    answer = _post_raw(heal, b"", f"Content-Length: {length}\r\n")
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert b"bad Content-Length" in answer


def test_a_client_sending_no_body_is_dropped_after_the_read_timeout(heal):
    started = time.monotonic()
    answer = _post_raw(heal, b"", "Content-Length: 100\r\n", wait=10)
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


def _post_raw(heal: Running, body: bytes, headers: str, wait: float = 10.0) -> bytes:
    return raw(heal, (f"POST /alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                      f"{headers}\r\n").encode() + body, wait)


def _chunked(body: bytes, size: int = 1000) -> bytes:
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


def test_a_nesting_bomb_gets_a_400_not_a_dropped_connection(heal):
    answer = _post_raw(heal, b"[" * 1000 + b"]" * 1000, "Content-Length: 2000\r\n")
    assert answer.split(b"\r\n", 1)[0].endswith(b"400 Bad Request"), answer[:80]
    assert b"nested deeper than 64 levels" in answer


def test_a_chunked_payload_is_accepted_within_the_size_limit(heal):
    body = json.dumps(payload(("CrmDown", "firing", {"autoheal": "true"}))).encode()
    answer = _post_raw(heal, _chunked(body), "Transfer-Encoding: chunked\r\nConnection: close\r\n")
    assert answer.split(b"\r\n", 1)[0].endswith(b"200 OK"), answer[:200]
    assert b'"decisions"' in answer


def test_a_chunked_body_over_the_limit_gets_413(heal):
    answer = _post_raw(heal, _chunked(b"x" * (httpd.MAX_BODY + 10), 65536), "Transfer-Encoding: chunked\r\n")
    assert answer.split(b"\r\n", 1)[0].startswith(b"HTTP/1.0 413 "), answer[:80]


def test_the_token_is_checked_before_the_size(heal):
    answer = raw(heal, b"POST /alertmanager HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0].endswith(b"401 Unauthorized"), answer[:80]
    assert b"larger than" not in answer


def test_a_slow_loris_is_cut_off_at_the_request_deadline(heal, monkeypatch):
    """One byte every 0.2 s never trips the 1 s idle timeout; the 2 s request deadline ends it."""
    monkeypatch.setattr(httpd, "REQUEST_DEADLINE", 2.0)
    request = (f"POST /alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
               f"Content-Length: 100\r\n\r\n").encode() + b" " * 100
    host, port = heal.server.address
    sent, started, cut_off = 0, time.monotonic(), False
    with socket.create_connection((host, port), timeout=5) as conn:
        try:
            for byte in request:  # bounded: the whole request would take 38 s
                conn.sendall(bytes([byte]))
                sent += 1
                time.sleep(0.2)
                if time.monotonic() - started > 10:
                    break
        except OSError:
            cut_off = True  # reset by the server
    assert cut_off and sent < len(request), "the server let a trickling client hold the connection"
    assert time.monotonic() - started < 10
