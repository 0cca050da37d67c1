"""Start and stop the background part of `yhteys serve` (outbox relay, in-process worker).

Without REDIS_URL (the embedded default) the broker is Dramatiq's in-memory StubBroker and a
Dramatiq Worker with a few threads consumes it inside the web process. That is the same actor, the
same middleware (time limits) and the same delayed retries as a `yhteys worker` on Redis, so the
embedded mode exercises the production code path rather than a second one; what the in-memory
queue loses on a restart, the relay hands over again from the outbox rows.

With REDIS_URL the web process only runs the relay; `yhteys worker` processes do the sending.
"""

from __future__ import annotations

import logging

from dramatiq import Worker

from yhteys.settings import Settings

log = logging.getLogger(__name__)
EMBEDDED_THREADS = 2

_relay = None
_worker: Worker | None = None


def start(settings: Settings, *, relay_options: dict | None = None) -> None:
    """Called once when the web app starts."""
    global _relay, _worker
    from notify import broker, tasks  # noqa: F401 - declares the actors on the broker
    from notify.relay import Relay

    stop()
    current = broker.configure(settings)
    if broker.is_embedded():
        # A short idle timeout lets the web process stop within a fraction of a second.
        _worker = Worker(
            current, queues={broker.QUEUE}, worker_threads=EMBEDDED_THREADS, worker_timeout=100
        )
        _worker.start()
    _relay = Relay(**(relay_options or {}))
    _relay.start()
    log.info("notifications: relay started%s", ", in-process worker" if _worker else "")


def stop() -> None:
    """Called once when the web app stops."""
    global _relay, _worker
    if _relay is not None:
        _relay.stop()
        _relay = None
    if _worker is not None:
        _worker.stop(timeout=5000)
        _worker = None
