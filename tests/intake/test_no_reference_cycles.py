"""A submission and the delivery of its acknowledgement free all they allocate as they go.

An object in a reference cycle waits for the cyclic collector, which a serving process runs
seldom (yhteys/heap.py); one cycle per delivered notification made a web process grow about a MiB
per thousand submissions. Here the collector is paused while requests run, then asked what it
would have had to free.

The requests are plain ASGI calls: the test client and httpx leave cycles of their own (their
thread portal, their response streams), which would hide the app's.
"""

from __future__ import annotations

import asyncio
import gc
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from sqlmodel import Session, select

from notify.models import Notification
from tests.intake.conftest import form_data, hidden
from tests.notify.conftest import wait_for
from yhteys.db import engine_for

FORM = "/en/request/social-services"


async def _call(app, method: str, path: str, cookie: str = "",  # noqa: ANN001
                body: bytes = b"") -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    headers = [(b"host", b"testserver"), (b"cookie", cookie.encode())]
    if body:
        headers += [(b"content-type", b"application/x-www-form-urlencoded"),
                    (b"origin", b"http://testserver")]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    sent = False
    answer: dict = {"body": b""}

    async def receive() -> dict:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)  # no disconnect while the app answers
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer.update(status=message["status"], headers=message["headers"])
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return answer["status"], answer["headers"], answer["body"]


async def _submit(app, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        status, headers, page = await _call(app, "GET", FORM)
        assert status == 200
        jar = SimpleCookie()
        for name, value in headers:
            if name == b"set-cookie":
                jar.load(value.decode())
        cookie = "; ".join(f"{k}={m.value}" for k, m in jar.items())
        text = page.decode()
        data = {**form_data("social_services", contact_channel="email",
                            contact_address_email=f"cycle-{i}@example.org"),
                "csrf_token": hidden(text, "csrf_token"),
                "idempotency_key": hidden(text, "idempotency_key")}
        status, _, answer = await _call(app, "POST", FORM, cookie,
                                        urlencode(data, doseq=True).encode())
        assert status == 200, answer[:500]


def _all_sent(settings, n: int) -> bool:  # noqa: ANN001
    """The app's own worker has sent n acknowledgements and has none left."""
    with Session(engine_for(settings.database_url)) as db:
        states = db.exec(select(Notification.state)).all()
    return len(states) >= n and set(states) == {"sent"}


def test_submissions_and_their_delivery_leave_no_reference_cycles(client, use_settings):
    settings = use_settings(rate_limit_submissions=100)  # one address sends thirteen
    asyncio.run(_submit(client.app, 3))  # first use: caches fill, modules load
    wait_for(lambda: _all_sent(settings, 3))
    gc.collect()
    gc.disable()
    try:
        asyncio.run(_submit(client.app, 10))
        wait_for(lambda: _all_sent(settings, 13))
        left = gc.collect()
    finally:
        gc.enable()
    assert left == 0, f"{left} objects were freed only by the cyclic collector"
