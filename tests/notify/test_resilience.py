"""Redis down at submit, a worker killed mid-send: the notification still arrives, once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from dramatiq import Worker

from notify import broker
from notify.relay import Relay
from tests.notify.conftest import wait_for
from tests.notify.helpers import REFERENCE, fresh, queue
from yhteys.settings import PROJECT_ROOT, Settings

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def relay() -> Iterator[Relay]:
    running = Relay(poll=0.1, grace=0.3, check_every=3600)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_redis_down_at_submit_delays_the_email_but_never_loses_it(
    session, use_settings, smtp_server, redis_process
):
    redis_process.start()
    settings = use_settings(redis_url=redis_process.url, smtp_url=smtp_server.url)
    broker.configure(settings)
    import notify.tasks  # noqa: F401

    redis_process.stop()
    row = queue(session)  # commits: the hand-over to Redis fails, the caller does not notice
    saved = fresh(row.id)
    assert saved.state == "pending"
    assert saved.enqueued_at is None  # marked for the relay's next pass

    relay = Relay(poll=0.1, grace=0.3, check_every=3600)
    relay.start()
    try:
        # The relay tries again while Redis is still down: that fails too, and nothing is lost.
        wait_for(lambda: fresh(row.id).enqueued_at is not None)
        assert smtp_server.messages == []
        redis_process.start()
        worker = Worker(broker.current(), queues={broker.QUEUE}, worker_threads=2,
                        worker_timeout=100)
        worker.start()
        try:
            wait_for(lambda: fresh(row.id).state == "sent", timeout=20)
        finally:
            worker.stop(timeout=5000)
    finally:
        relay.stop()
    assert len(smtp_server.messages) == 1
    assert REFERENCE in smtp_server.messages[0].get_body(("plain",)).get_content()


def _worker_process(settings: Settings, lease: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "YHTEYS_ENV": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SMTP_URL": settings.smtp_url,
        "MAIL_FROM": settings.mail_from,
        "BASE_URL": settings.base_url,
        "SECRET_KEY": settings.secret_key,
        "VAR_DIR": str(settings.var_dir),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "yhteys.cli", "worker", "--threads", "2", "--lease", str(lease)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_a_worker_killed_mid_send_is_replaced_and_the_email_arrives_once(
    session, use_settings, redis_url, smtp_server, relay
):
    settings = use_settings(redis_url=redis_url, smtp_url=smtp_server.url)
    broker.configure(settings)
    smtp_server.handler.stall.set()  # the server hangs in DATA until the worker is dead
    row = queue(session)

    first = _worker_process(settings, lease=2)
    try:
        stalled = smtp_server.handler.stalled.wait(30)
        assert stalled, first.stderr.read().decode() if first.poll() is not None else "no send"
        assert fresh(row.id).state == "sending"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        _stop(first)
    smtp_server.handler.stall.clear()  # the dying connection is refused: nothing was accepted
    assert smtp_server.messages == []

    second = _worker_process(settings, lease=2)
    try:
        wait_for(lambda: fresh(row.id).state == "sent", timeout=30)
    finally:
        _stop(second)
    assert len(smtp_server.messages) == 1
    done = fresh(row.id)
    assert done.attempts == 2  # the killed claim counted: a crash loop ends as "dead"
    assert [m["Message-ID"] for m in smtp_server.handler.attempts] == [
        smtp_server.messages[0]["Message-ID"]
    ] * 2


@pytest.fixture
def hung_redis() -> Iterator[str]:
    """A Redis address that takes no connection: its one place in the queue is taken, so a
    client waits out its connect timeout, as with a host that went silent."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())  # never accepted
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        filler.close()
        listener.close()


def test_after_a_failed_hand_over_submissions_leave_their_rows_to_the_relay_at_once(
    session, use_settings, hung_redis
):
    broker.configure(use_settings(redis_url=hung_redis))
    import notify.tasks  # noqa: F401

    waited = []
    rows = []
    for n in range(3):
        started = time.monotonic()
        rows.append(queue(session, reference=f"YH-REST-{n}"))  # commits: the hand-over follows
        waited.append(time.monotonic() - started)
    assert waited[0] >= 0.9  # the first waited for Redis (its connect timeout)
    assert max(waited[1:]) < 0.5, waited  # the others did not
    assert broker.REST.resting
    assert all(fresh(row.id).enqueued_at is None for row in rows)  # each for the relay
    broker.configure(use_settings(redis_url=""))  # another broker is tried at once
    assert not broker.REST.resting
