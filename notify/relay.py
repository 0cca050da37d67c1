"""The relay: hands unsent outbox rows to the broker and watches for rows that stay unsent.

Rows are normally handed over right after their transaction commits; the relay is the safety net
for everything that path can miss — Redis down at submit, a worker killed with prefetched
messages, a claim whose lease ran out, a retry whose delayed message was lost. It runs inside
`yhteys serve` (a thread) and as `yhteys relay`. On PostgreSQL any number of relays share the
work (FOR UPDATE SKIP LOCKED); on SQLite a pass is one UPDATE under the database's single write
lock, so even two relays could not hand a row over twice in one pass.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col

from notify import delivery
from notify.models import WhatsAppInbound
from notify.outbox import queue_notification, stale_count
from yhteys.clock import now
from yhteys.db import get_engine
from yhteys.settings import get_settings

log = logging.getLogger(__name__)
INBOUND_IDS_KEPT = timedelta(days=7)


class Relay:
    def __init__(
        self,
        *,
        poll: float = 1.0,
        grace: float = 30.0,
        batch: int = 500,
        check_every: float = 60.0,
    ) -> None:
        self.poll = poll  # seconds between sweeps when there is nothing to do
        self.grace = grace  # a row handed over this recently is left to the broker
        self.batch = batch
        self.check_every = check_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_check = 0.0

    # -- one pass ----------------------------------------------------------------------------
    def sweep(self) -> int:
        """Hand due rows to the broker; returns how many were handed over."""
        from notify import tasks

        with Session(get_engine(), expire_on_commit=False) as session:
            delivery.bury_interrupted(session)
            ids = delivery.due_ids(session, grace=self.grace, limit=self.batch)
            session.commit()
        if not ids:
            return 0
        handed = tasks.enqueue(ids)
        log.info("relay handed %d of %d outbox rows to the broker", handed, len(ids))
        return handed

    def check(self) -> int:
        """Alert supervisors about rows unsent for OUTBOX_ALERT_MINUTES (once an hour)."""
        settings = get_settings()
        with Session(get_engine(), expire_on_commit=False) as session:
            session.execute(
                delete(WhatsAppInbound).where(
                    col(WhatsAppInbound.received_at) < now() - INBOUND_IDS_KEPT
                )
            )
            stale = stale_count(session)
            if stale:
                log.warning(
                    "%d notifications unsent for more than %d minutes",
                    stale,
                    settings.outbox_alert_minutes,
                )
            if stale and settings.staff_mail_to:
                queue_notification(
                    session,
                    event="staff_outbox_alert",
                    channel="email",
                    recipient=settings.staff_mail_to,
                    locale="fi",
                    subject_key=f"outbox-alert:{now():%Y-%m-%dT%H}",
                    context={"staff_url": settings.base_url.rstrip("/") + "/triage/"},
                )
            session.commit()
        return stale

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> None:
        import time

        while not self._stop.is_set():
            busy = False
            try:
                busy = self.sweep() >= self.batch
                if time.monotonic() - self._last_check >= self.check_every:
                    self._last_check = time.monotonic()
                    self.check()
            except Exception:  # noqa: BLE001 - the database may be restarting; try again
                log.exception("relay pass failed")
            if not busy:
                self._stop.wait(self.poll)

    def start(self) -> None:
        import time

        self._stop.clear()
        # First check after one interval: at start-up the first sweep is still being delivered.
        self._last_check = time.monotonic()
        self._thread = threading.Thread(target=self.run, name="notify-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
