"""What operations watch of notifications: the outbox's depth and the age of its oldest unsent
row, for `/readyz` (yhteys.health) and `/metrics` (yhteys.metrics), read from the database when
asked. Counts and ages only: no recipient, no reference."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlmodel import Session

from notify.models import UNSENT_STATES, Notification
from yhteys.clock import as_utc, now
from yhteys.db import get_engine, table_of
from yhteys.settings import get_settings

T = table_of(Notification).c
log = logging.getLogger(__name__)


def unsent(session: Session) -> tuple[int, datetime | None]:
    """How many notifications are unsent, and when the oldest of them was queued."""
    count, oldest = session.execute(
        select(func.count(), func.min(T.created_at)).where(T.state.in_(UNSENT_STATES))
    ).one()
    return int(count), as_utc(oldest) if oldest is not None else None


def oldest_age_seconds(oldest: datetime | None) -> float:
    return max(0.0, (now() - oldest).total_seconds()) if oldest is not None else 0.0


def outbox_check(session: Session) -> dict[str, object]:
    """Not ready when the oldest unsent row is older than READY_OUTBOX_MINUTES (0: report)."""
    count, oldest = unsent(session)
    age = oldest_age_seconds(oldest)
    limit = get_settings().ready_outbox_minutes
    return {"ok": limit <= 0 or age <= limit * 60, "unsent": count,
            "oldest_unsent_seconds": round(age)}


class OutboxCollector:
    """The outbox as gauges, read at each scrape (one indexed query)."""

    def collect(self) -> Iterator[Metric]:
        try:
            with Session(get_engine()) as session:
                count, oldest = unsent(session)
        except Exception as exc:  # noqa: BLE001 - the other metrics still answer; /readyz says why
            log.warning("outbox metrics unavailable: %s", type(exc).__name__)
            return
        depth = GaugeMetricFamily("yhteys_outbox_unsent", "Notifications not yet sent")
        depth.add_metric([], count)
        yield depth
        age = GaugeMetricFamily("yhteys_outbox_oldest_unsent_seconds",
                                "Age of the oldest unsent notification (0 when none)")
        age.add_metric([], oldest_age_seconds(oldest))
        yield age
