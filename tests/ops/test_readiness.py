"""/readyz: 503 while PostgreSQL or Redis is away, 200 once it is back; it names each check and
carries no personal data."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from notify.models import Notification
from tests.ops.stand_ins import Forwarder, RedisServer
from yhteys import health
from yhteys.clock import now
from yhteys.db import engine_for


@pytest.fixture(autouse=True)
def no_cached_result():  # noqa: ANN201
    health.forget()
    yield
    health.forget()


def wait_for(client: TestClient, status: int, seconds: float = 10.0) -> dict:
    """Poll like a load balancer until /readyz answers `status` (the result is cached 2 s)."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/readyz")
        if response.status_code == status or time.monotonic() > deadline:
            assert response.status_code == status, response.text
            assert response.headers["cache-control"] == "no-store"
            return response.json()
        time.sleep(0.2)


def test_ready_names_every_check(quiet_client):  # noqa: ANN001
    body = wait_for(quiet_client, 200)
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "migrations", "redis", "outbox"}
    assert body["checks"]["redis"] == {"ok": True, "configured": False}


def test_not_ready_while_postgresql_is_away(settings, use_settings):  # noqa: ANN001
    if settings.is_sqlite:
        pytest.skip("runs on PostgreSQL (TEST_DATABASE=postgres)")
    url = make_url(settings.database_url)
    proxy = Forwarder((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    use_settings(database_url=proxied)
    from yhteys.app import create_app

    client = TestClient(create_app())
    try:
        wait_for(client, 200)
        proxy.cut()
        body = wait_for(client, 503)
        assert body["status"] == "not ready"
        assert body["checks"]["database"]["ok"] is False
        assert body["checks"]["database"]["error"] == "OperationalError"
        proxy.restore()
        assert wait_for(client, 200)["checks"]["database"] == {"ok": True}
    finally:
        proxy.cut()
        engine_for(proxied).dispose()


def test_not_ready_while_redis_is_away(use_settings):  # noqa: ANN001
    server = RedisServer()
    server.start()
    use_settings(redis_url=server.url)
    from yhteys.app import create_app

    client = TestClient(create_app())
    try:
        assert wait_for(client, 200)["checks"]["redis"] == {"ok": True}
        server.stop()
        body = wait_for(client, 503)
        assert body["checks"]["redis"]["ok"] is False
        assert body["checks"]["database"] == {"ok": True}
        server.start()  # the same port again
        assert wait_for(client, 200)["checks"]["redis"] == {"ok": True}
    finally:
        server.stop()


def test_not_ready_when_the_schema_is_behind(quiet_client, settings):  # noqa: ANN001
    engine = engine_for(settings.database_url)
    head = sorted(health.migration_heads())[0]
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'behind0001' "
                          "WHERE version_num = :head"), {"head": head})
    try:
        body = wait_for(quiet_client, 503)
        assert body["checks"]["migrations"] == {"ok": False, "behind": 1}
        assert body["checks"]["database"] == {"ok": True}
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head "
                              "WHERE version_num = 'behind0001'"), {"head": head})


def _stuck_notification(session, minutes: int) -> None:  # noqa: ANN001
    at = now() - timedelta(minutes=minutes)
    session.add(Notification(event="case_received", channel="email",
                             recipient="amal.k@example.org", locale="fi", subject_key="case:1",
                             reference="K7M-4QX-P9T", created_at=at, next_attempt_at=at))
    session.commit()


def test_a_stuck_outbox_is_not_ready_and_says_only_counts(quiet_client, session,
                                                          use_settings):  # noqa: ANN001
    _stuck_notification(session, 61)
    response = quiet_client.get("/readyz")
    assert response.status_code == 503
    outbox = response.json()["checks"]["outbox"]
    assert outbox["ok"] is False and outbox["unsent"] == 1
    assert 61 * 60 <= outbox["oldest_unsent_seconds"] < 62 * 60
    assert "amal" not in response.text and "K7M" not in response.text
    use_settings(ready_outbox_minutes=0)  # reported, not failing
    health.forget()
    response = quiet_client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["outbox"]["unsent"] == 1


def test_the_result_is_cached_and_cheap(quiet_client, settings):  # noqa: ANN001
    quiet_client.get("/readyz")  # the migration heads are read once per process
    health.forget()
    started = time.perf_counter()
    health.readiness()
    checked = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(100):
        health.readiness()
    cached = (time.perf_counter() - started) / 100
    assert checked < 0.5  # a few ms in practice; generous on a shared machine
    assert cached < 0.001


def test_probes_do_not_queue_behind_a_check_that_hangs(quiet_client, monkeypatch):  # noqa: ANN001
    assert quiet_client.get("/readyz").status_code == 200
    with health._lock:  # a check under way, stuck on a database that does not answer
        assert quiet_client.get("/readyz").status_code == 200  # the last result, still recent
        monkeypatch.setattr(health, "STALE_SECONDS", 0.0)
        response = quiet_client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "error": "check still running"}
