"""The periodic SLA check: missed targets are recorded once each and reach the team's
supervisors in their hourly digest (`triage.casework.digest`).

`check_breaches(session, now)` finds running cases past a due time; the unique (case, target) key
of `sla_breach` makes the escalation exactly-once even when two checks run at the same moment
(the loser's INSERT ... ON CONFLICT DO NOTHING returns no row and it queues nothing).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Insert, and_, exists, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from intake.models import Case
from triage.casework import digest, history
from triage.casework.models import SlaBreach
from yhteys import metrics
from yhteys.clock import as_utc
from yhteys.db import table_of

log = logging.getLogger(__name__)
RUNNING_STATES = ("new", "assigned", "in_progress")
BATCH = 500
DUE_FIELDS = {"first_response": "first_response_due_at", "resolution": "resolution_due_at"}


def _record(session: Session, case: Case, target: str, due: datetime, at: datetime) -> bool:
    values = {"case_id": case.id, "target": target, "due_at": due, "detected_at": at}
    dialect = session.get_bind().dialect.name
    table = table_of(SlaBreach)
    stmt: Insert
    if dialect == "postgresql":
        stmt = pg_insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover
        stmt = insert(table).values(**values)
    return session.execute(stmt.returning(table.c.id)).first() is not None


def _overdue(session: Session, at: datetime, target: str) -> list[Case]:
    due_column = col(getattr(Case, DUE_FIELDS[target]))
    already = exists().where(
        and_(col(SlaBreach.case_id) == col(Case.id), col(SlaBreach.target) == target)
    )
    query = (
        select(Case)
        .where(
            col(Case.state).in_(RUNNING_STATES), col(Case.due_at) <= at, due_column <= at, ~already
        )
        .order_by(col(Case.due_at))
        .limit(BATCH)
    )
    if target == "first_response":
        query = query.where(col(Case.first_response_at).is_(None))
    return list(session.scalars(query))


def check_breaches(session: Session, at: datetime) -> int:
    """Record and escalate every target missed by `at`; returns how many. The caller commits."""
    at = as_utc(at)  # SQLite compares stored UTC text: the bound value must be UTC too
    count = 0
    for target in ("first_response", "resolution"):
        for case in _overdue(session, at, target):
            due = getattr(case, DUE_FIELDS[target])
            if not _record(session, case, target, due, at):
                continue
            history.add(session, case, "sla_breach", None, {"target": target})
            metrics.SLA_BREACHES.labels(target).inc()
            log.info("case %s missed its %s target", case.reference, target)
            count += 1
    # Supervisors hear of breaches in one digest an hour each, not one email per breach.
    digest.queue_digests(session, at)
    return count
