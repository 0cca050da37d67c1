"""The Dramatiq broker, configured from settings before any actor is declared.

REDIS_URL set: a RedisBroker, shared by every web process and `yhteys worker` process on any host.
Empty (the embedded default): a StubBroker, an in-memory queue that the in-process worker of
`yhteys serve` consumes (see notify.runtime). Either way the outbox row in the database is the
record of truth; the broker only carries row ids, so losing its contents delays but never loses a
notification (the relay hands unsent rows over again).

`notify.tasks` imports this module and calls `current()` before it declares its actors, which is
the order Dramatiq needs. `configure()` may be called again (tests, the worker command) and moves
the declared actors to the new broker.
"""

from __future__ import annotations

import threading
import time

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    ShutdownNotifications,
    TimeLimit,
)

from yhteys.settings import Settings, get_settings

QUEUE = "notify"
_lock = threading.Lock()
_broker: dramatiq.Broker | None = None
_broker_url: str | None = None
_actors: list[dramatiq.Actor] = []


class RequestIds(Middleware):
    """A job's log lines carry the id of the request that enqueued it (yhteys.logs): the id
    travels in the message's options, on Redis and in the in-process queue alike. A job no
    request enqueued (the relay's, a retry's) gets one of its own."""

    OPTION = "request_id"

    def before_enqueue(self, broker, message, delay) -> None:  # noqa: ANN001
        from yhteys.logs import current_request_id

        request_id = current_request_id()
        if request_id and self.OPTION not in message.options:
            message.options[self.OPTION] = request_id

    def before_process_message(self, broker, message) -> None:  # noqa: ANN001
        from yhteys.logs import REQUEST_ID, new_request_id, well_formed_request_id

        given = well_formed_request_id(message.options.get(self.OPTION))
        REQUEST_ID.set(given or new_request_id())

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:  # noqa: ANN001
        from yhteys.logs import REQUEST_ID

        REQUEST_ID.set(None)

    after_skip_message = after_process_message


class _Waiting:
    """Ids of the outbox rows waiting in the in-process queue (the embedded mode only).

    That queue is this process's memory: a row in it is not lost while the process lives, so it
    is not handed over again. Without this, in a surge the in-process worker could not keep up
    with, the relay added a copy of every waiting row each time its grace period passed: the
    queue, and the process, grew by thousands of copies, and each copy cost a write transaction
    to find its row taken. A restart empties the queue and this set alike, and the relay hands
    the rows over again."""

    def __init__(self) -> None:
        self._ids: set[int] = set()
        self._lock = threading.Lock()

    def add(self, row_id: int) -> bool:
        """Note a row as waiting; False if it already was."""
        with self._lock:
            if row_id in self._ids:
                return False
            self._ids.add(row_id)
            return True

    def discard(self, row_id: int) -> None:
        with self._lock:
            self._ids.discard(row_id)

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()


WAITING = _Waiting()

# At most this many messages wait in the in-process queue. In a surge longer than the in-process
# worker can follow, the rows past it stay pending in the database, where they are anyway, and
# the relay hands them over when the queue has room: the process's memory stays flat.
EMBEDDED_QUEUE_LIMIT = 1000


# After a failed hand-over, a submission leaves its rows to the relay for this long instead of
# trying the broker itself: a Redis that hangs rather than refuses costs each try the socket
# timeout twice (10 s), and a web process has few submission threads (yhteys/threads.py). The
# relay keeps trying on every sweep and hands the rows over once Redis answers.
REST_SECONDS = 10.0


class _Rest:
    """Until when hand-overs from requests leave the broker alone (monotonic time)."""

    def __init__(self) -> None:
        self.until = 0.0

    def start(self) -> None:
        self.until = time.monotonic() + REST_SECONDS

    def end(self) -> None:
        self.until = 0.0

    @property
    def resting(self) -> bool:
        return time.monotonic() < self.until


REST = _Rest()


def in_process_queue_full() -> bool:
    broker = current()
    if not isinstance(broker, StubBroker):
        return False
    return broker.queues[QUEUE].qsize() >= EMBEDDED_QUEUE_LIMIT


class LeavesTheQueue(Middleware):
    """A row's message being run is no longer waiting: a retry it schedules may queue it again."""

    def before_process_message(self, broker, message) -> None:  # noqa: ANN001
        if message.args and isinstance(message.args[0], int):
            WAITING.discard(message.args[0])


def _middleware() -> list:
    # No Retries middleware: attempts and backoff live in the outbox row, where a SIGKILLed
    # worker cannot lose count of them. No Prometheus: it opens a port (yhteys.metrics counts).
    return [AgeLimit(), TimeLimit(), ShutdownNotifications(), Callbacks(), CurrentMessage(),
            RequestIds()]


def make_broker(settings: Settings) -> dramatiq.Broker:
    if not settings.redis_url:
        return StubBroker(middleware=[*_middleware(), LeavesTheQueue()])
    import redis
    from dramatiq.brokers.redis import RedisBroker
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # Short timeouts and no retry loop: a submit must not wait on a dead Redis (the relay will
    # hand the row over later). Workers poll, so a short socket timeout does not stop them.
    client = redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=1,
        socket_timeout=5,
        retry=Retry(NoBackoff(), 1),
        health_check_interval=30,
    )
    # heartbeat_timeout: how soon messages prefetched by a dead worker are given to another one.
    return RedisBroker(client=client, middleware=_middleware(), heartbeat_timeout=15_000)


def configure(settings: Settings | None = None) -> dramatiq.Broker:
    """Set the broker for these settings (idempotent for the same REDIS_URL)."""
    global _broker, _broker_url
    settings = settings or get_settings()
    with _lock:
        if _broker is not None and _broker_url == settings.redis_url:
            return _broker
        old = _broker
        broker = make_broker(settings)
        WAITING.clear()  # whatever waited in the old broker's memory is gone with it
        REST.end()  # a new broker is tried at once
        dramatiq.set_broker(broker)
        for actor in _actors:
            actor.broker = broker
            broker.declare_actor(actor)
        _broker, _broker_url = broker, settings.redis_url
    if old is not None:
        old.close()
    return broker


def current() -> dramatiq.Broker:
    """The broker for the current settings, configured on first use."""
    return configure(get_settings())


def register(actor: dramatiq.Actor) -> dramatiq.Actor:
    """Remember an actor so that a later `configure()` moves it to the new broker."""
    _actors.append(actor)
    return actor


def is_embedded() -> bool:
    return isinstance(current(), StubBroker)
