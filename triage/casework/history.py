"""A case's history (CaseEvent rows): written with every change, read by the case view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from intake.models import Case
from triage.casework.models import CaseEvent
from yhteys.clock import now
from yhteys.db import pk


def add(
    session: Session, case: Case, action: str, actor_id: int | None, data: dict[str, Any],
    at: datetime | None = None,
) -> CaseEvent:
    if case.id is None:
        session.flush()
    event = CaseEvent(case_id=pk(case), at=at or now(), actor_id=actor_id, action=action,
                      data=data)
    session.add(event)
    return event


def for_case(session: Session, case_id: int, limit: int = 500) -> list[CaseEvent]:
    query = (
        select(CaseEvent)
        .where(col(CaseEvent.case_id) == case_id)
        .order_by(col(CaseEvent.id))
        .limit(limit)
    )
    return list(session.scalars(query))


def latest(session: Session, case_id: int, action: str) -> CaseEvent | None:
    query = (
        select(CaseEvent)
        .where(col(CaseEvent.case_id) == case_id, col(CaseEvent.action) == action)
        .order_by(col(CaseEvent.id).desc())
        .limit(1)
    )
    return session.scalars(query).first()
