"""Redis down must not open the gates: each process counts on its own until Redis answers."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.notify.conftest import RedisProcess, free_port, wait_for
from yhteys import ratelimit

pytestmark = pytest.mark.redis

WINDOW = 3600


@pytest.fixture(autouse=True)
def _fresh_limiters() -> Iterator[None]:
    ratelimit._limiter_for.cache_clear()
    yield
    ratelimit._limiter_for.cache_clear()

def _redis_messages(caplog) -> list[str]:  # noqa: ANN001
    return [r.getMessage() for r in caplog.records if r.name == "yhteys.ratelimit"]


def test_the_limit_holds_while_redis_is_unreachable(use_settings, caplog):
    use_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    caplog.set_level(logging.INFO, logger="yhteys.ratelimit")
    decisions = [ratelimit.hit("submit", "client-a", 3, WINDOW).allowed for _ in range(5)]
    assert decisions == [True, True, True, False, False]
    assert ratelimit.hit("submit", "client-b", 3, WINDOW).allowed  # others keep their own count
    messages = _redis_messages(caplog)
    assert len(messages) == 1 and "unreachable" in messages[0]
    assert "client-a" not in messages[0] and "client-b" not in messages[0]


def _redis_counts(url: str) -> int:
    import redis

    connection = redis.Redis.from_url(url)
    try:
        return sum(int(connection.get(k) or 0) for k in connection.scan_iter("yhteys:rl:*"))
    finally:
        connection.close()


@pytest.mark.slow
def test_a_redis_that_stops_and_comes_back(use_settings, caplog, monkeypatch):
    monkeypatch.setattr(ratelimit, "REDIS_RETRY_SECONDS", 0.0)  # ask Redis again at every hit
    caplog.set_level(logging.INFO, logger="yhteys.ratelimit")
    server = RedisProcess()
    server.start()
    try:
        use_settings(redis_url=server.url)
        assert ratelimit.hit("submit", "someone", 3, WINDOW).allowed
        assert _redis_counts(server.url) == 1  # shared: counted in Redis

        server.stop()
        # This process counts on its own now, and the limit still holds.
        decisions = [ratelimit.hit("submit", "someone", 3, WINDOW).allowed for _ in range(4)]
        assert decisions == [True, True, True, False]

        server.start()  # an empty Redis on the same port
        wait_for(lambda: ratelimit.hit("probe", "someone", 1000, WINDOW).allowed
                 and _redis_counts(server.url) > 0, timeout=10)
        assert ratelimit.hit("submit", "someone", 3, WINDOW).allowed
        assert _redis_counts(server.url) >= 2  # back on the shared count
    finally:
        server.stop()
    messages = _redis_messages(caplog)
    assert len(messages) == 2, messages  # the switch is logged once each way
    assert "unreachable" in messages[0] and "answers again" in messages[1]
    assert not any("someone" in m for m in messages)
