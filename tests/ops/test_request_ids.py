"""One request id per request: in the response header, on every JSON log line the request writes,
and on the lines of the jobs it enqueued (in-process and through Redis). No personal data."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Iterator

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from tests.intake.conftest import Browser, form_data
from yhteys.logs import make_handler, request_id_bound

PROXY = ("127.0.0.1", 41000)
PERSONAL = ("Amal", "040 123 4567", "+358401234567", "amal.backup@example.org",
            "amal.k@example.org", "I need advice")
KEYS = {"time", "level", "logger", "message", "request_id"}


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What our handler writes with LOG_FORMAT=json, captured."""
    stream = io.StringIO()
    handler = make_handler(stream, json_lines=True)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)


def parsed(stream: io.StringIO) -> list[dict]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert all(set(line) == KEYS for line in lines)
    return lines


def sent_line(stream: io.StringIO, seconds: float = 15.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in parsed(stream):
            if line["logger"] == "notify.delivery" and re.fullmatch(r"outbox row \d+ sent",
                                                                    line["message"]):
                return line
        time.sleep(0.1)
    raise AssertionError("no delivery logged")


def test_a_proxys_request_id_follows_the_request_into_its_job(app, use_settings, json_lines):  # noqa: ANN001
    use_settings(trusted_proxies=("127.0.0.1",))
    with TestClient(app, client=PROXY, headers={"x-request-id": "edge-7f3a9c21"}) as proxy:
        response = Browser(proxy).send("other", form_data("other"))
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "edge-7f3a9c21"
        job = sent_line(json_lines)  # written by the in-process worker's thread
    assert job["request_id"] == "edge-7f3a9c21"
    lines = parsed(json_lines)
    created = [line for line in lines if line["logger"] == "intake.service"]
    assert created and all(line["request_id"] == "edge-7f3a9c21" for line in created)
    text = json_lines.getvalue()
    assert not [p for p in PERSONAL if p in text]


@pytest.mark.parametrize(("peer", "sent"), [
    (("203.0.113.9", 5000), "edge-7f3a9c21"),  # not a trusted proxy: its header is ignored
    (PROXY, "bad id\twith spaces"),  # trusted, but not an id's shape
    (PROXY, "x" * 200),
])
def test_an_untrusted_or_malformed_id_is_replaced(app, use_settings, peer, sent):  # noqa: ANN001
    use_settings(trusted_proxies=("127.0.0.1",))
    response = TestClient(app, client=peer).get("/healthz", headers={"x-request-id": sent})
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])


def test_each_request_has_its_own_id(quiet_client):  # noqa: ANN001
    ids = {quiet_client.get("/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


def test_the_id_travels_through_redis_to_the_worker(use_settings, redis_url, json_lines):  # noqa: ANN001
    from dramatiq import Worker

    from notify import broker
    from notify.outbox import queue_notification
    from yhteys.db import get_engine

    settings = use_settings(redis_url=redis_url)
    broker.configure(settings)
    import notify.tasks  # noqa: F401 - the actor

    worker = Worker(broker.current(), queues={broker.QUEUE}, worker_threads=1,
                    worker_timeout=100)
    worker.start()
    try:
        with request_id_bound("req-5d8e2a7b01"), Session(get_engine()) as session:
            queue_notification(
                session, event="case_received", channel="email",
                recipient="amal.k@example.org", locale="fi", subject_key="case:1",
                context={"reference": "K7M-4QX-P9T"},
                sealed={"status_url": "http://testserver/fi/status/abc"},
            )
            session.commit()  # handed to Redis here, inside the request
        assert sent_line(json_lines)["request_id"] == "req-5d8e2a7b01"
    finally:
        worker.stop(timeout=5000)
        broker.configure(use_settings(redis_url=""))
    assert "amal.k@example.org" not in json_lines.getvalue()


def test_an_unhandled_error_is_logged_and_answered_under_the_requests_id(app, json_lines):  # noqa: ANN001
    from starlette.routing import Route

    async def boom(request):  # noqa: ANN001, ANN202
        raise RuntimeError("could not save amal.k@example.org")

    app.router.routes.append(Route("/boom", boom, name="boom"))
    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    logged = [line for line in parsed(json_lines) if line["message"].startswith("unhandled error")]
    assert [line["request_id"] for line in logged] == [request_id]
    assert "amal.k@example.org" not in json_lines.getvalue()
