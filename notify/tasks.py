"""Dramatiq actors of `notify`: thin, taking an outbox id, idempotent.

The broker is configured (notify.broker.current) before the actor below is declared.
"""

from __future__ import annotations

import logging

import dramatiq

from notify import broker as _broker

_broker.current()  # before any actor is declared

log = logging.getLogger(__name__)


@dramatiq.actor(queue_name=_broker.QUEUE, time_limit=120_000)
def deliver(outbox_id: int) -> None:
    """Send one outbox row. A redelivery, or a row someone else holds, returns at once."""
    from notify.delivery import deliver_row

    deliver_row(outbox_id)


_broker.register(deliver)


def enqueue(ids: list[int], *, delays_ms: dict[int, int] | None = None) -> int:
    """Hand row ids to the broker; stop at the first failure (the relay keeps the rest).

    Returns how many were handed over.
    """
    embedded = _broker.is_embedded()
    handed = 0
    for row_id in ids:
        delay = (delays_ms or {}).get(row_id)
        if embedded and (delay is None and _broker.in_process_queue_full()
                         or not _broker.WAITING.add(row_id)):
            # Already waiting in this process's queue (notify.broker.WAITING), or left pending
            # for the relay until the queue has room (EMBEDDED_QUEUE_LIMIT).
            handed += 1
            continue
        try:
            deliver.send_with_options(args=(row_id,), delay=delay or None)
        except Exception as exc:  # noqa: BLE001 - Redis errors of several kinds
            if embedded:
                _broker.WAITING.discard(row_id)
            log.warning(
                "broker unavailable (%s); %d outbox rows left for the relay",
                type(exc).__name__,
                len(ids) - handed,
            )
            break
        handed += 1
    return handed
