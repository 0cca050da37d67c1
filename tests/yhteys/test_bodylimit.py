"""Request bodies are capped as they arrive, chunked or not, before any route spools them.

A real uvicorn server on a free port in a thread, and a raw socket that streams a chunked body
and stops as soon as the server answers or hangs up: what it managed to send proves the server
stopped reading early.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest

MB = 1024 * 1024
# What the kernel and the server may still take in after the app stopped reading: the socket
# buffers of both sides on the loopback (a few MB each) and uvicorn's small read-ahead.
IN_FLIGHT = 32 * MB


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(settings) -> Iterator[tuple[str, int]]:  # noqa: ANN001
    import uvicorn

    from yhteys.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    assert running.started
    try:
        yield "127.0.0.1", port
    finally:
        running.should_exit = True
        thread.join(10)


def _stream(
    address: tuple[str, int],
    path: str,
    total: int,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    first: bytes = b"",
    headers: str = "",
) -> tuple[int, bytes]:
    """POST a chunked body of `total` bytes; returns (bytes sent, what the server answered)."""
    sock = socket.create_connection(address, timeout=30)
    sock.sendall(
        (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Transfer-Encoding: chunked\r\n{headers}\r\n"
        ).encode()
    )
    chunk = b"a" * (64 * 1024)
    sent = 0
    answer = b""
    try:
        pending = first
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 30)
            if readable:
                break  # the server answered (or hung up) before the body was done
            if not writable:
                break
            data = pending or chunk
            pending = b""
            sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            sent += len(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    with contextlib.suppress(OSError):
        while piece := sock.recv(65536):
            answer += piece
            if _complete(answer):
                break
    sock.close()
    return sent, answer


def _complete(answer: bytes) -> bool:
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def test_a_chunked_body_is_cut_off_at_the_small_default_limit(server):
    sent, answer = _stream(server, "/triage/login", 300 * MB)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"\r\nconnection: close\r\n" in answer.lower()  # and the server hangs up
    assert sent < IN_FLIGHT, f"the server read {sent / MB:.0f} MB of a 300 MB body"


def test_a_chunked_form_post_is_cut_off_at_the_form_limit_with_the_friendly_page(server):
    from intake.views import MAX_BODY

    boundary = "b0undary"
    start = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()
    sent, answer = _stream(
        server,
        "/en/request/other",
        300 * MB,
        content_type=f"multipart/form-data; boundary={boundary}",
        first=start,
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"The form could not be read" in answer
    assert sent < MAX_BODY + IN_FLIGHT, f"the server read {sent / MB:.0f} MB of a 300 MB body"


def test_a_declared_length_over_the_limit_is_refused_before_any_byte(server):
    sock = socket.create_connection(server, timeout=30)
    sock.sendall(
        b"POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 300000000\r\n\r\n"
    )
    answer = sock.recv(65536)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"application/problem+json" in answer


def test_the_api_gets_its_own_limit_as_problem_details(client, use_settings):
    from intake.api import MAX_JSON

    use_settings(api_anonymous=True)  # past the key check, to the body
    def body() -> Iterator[bytes]:
        for _ in range(MAX_JSON // 1024 + 64):
            yield b" " * 1024

    response = client.post(
        "/api/v1/cases", content=body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_small_bodies_pass_untouched(client):
    from tests.triage.conftest import STAFF_PASSWORD

    page = client.get("/triage/login")
    assert page.status_code == 200
    response = client.post(
        "/triage/login", data={"email": "nobody@example.org", "password": STAFF_PASSWORD}
    )
    assert response.status_code != 413
