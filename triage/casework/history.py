"""A case's history (CaseEvent rows): written with every change, read by the case view."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from intake.models import Case
from triage.casework.models import CaseEvent
from yhteys.clock import now
from yhteys.db import new_row, pk, table_of
from yhteys.plain_inserts import insert_rows

_WAITING = "triage.history:waiting"  # session.info: rows of a case being decided, by id(case)


def add(
    session: Session, case: Case, action: str, actor_id: int | None, data: dict[str, Any],
    at: datetime | None = None,
) -> CaseEvent:
    waiting = session.info.get(_WAITING, {}).get(id(case))
    if case.id is None and waiting is None:
        session.flush()
    values: dict[str, Any] = {"case_id": case.id or 0, "at": at or now(), "actor_id": actor_id,
              "action": action, "data": data}
    if case.id is None and waiting is not None:
        # Written as plain values by write_waiting, which sets case_id once the case has one.
        event = new_row(CaseEvent, **values)
        waiting[1].append(event)
    else:
        event = CaseEvent(**values)
        session.add(event)
    return event


@contextmanager
def deferred(session: Session, case: Case) -> Iterator[list[CaseEvent]]:
    """Rows added for `case` (not yet stored, so without an id) inside this block wait, in
    order, in the list it yields; `write_waiting` adds them once the case is stored."""
    waiting = session.info.setdefault(_WAITING, {})
    rows: list[CaseEvent] = []
    waiting[id(case)] = (case, rows)  # the case itself is kept so its id() is not reused
    try:
        yield rows
    finally:
        del waiting[id(case)]


def write_waiting(session: Session, case: Case, rows: list[CaseEvent]) -> None:
    """The waiting rows, now that the case has its id, in one INSERT: nothing reads them
    back in this transaction (an arrival's history is only shown later), and in the order they
    were added, which is the order the history shows."""
    for row in rows:
        row.case_id = pk(case)
    if rows:
        insert_rows(session, _INSERT_EVENTS, [
            {"case_id": r.case_id, "at": r.at, "actor_id": r.actor_id, "action": r.action,
             "data": r.data}
            for r in rows
        ])


# Built once with the values as parameters: SQLAlchemy compiles it once per process. With
# RETURNING, SQLAlchemy sends the rows as one multi-row INSERT (its "insertmanyvalues"), in the
# order given, instead of the driver's pipelined executemany, which costs more for a few rows.
_INSERT_EVENTS = insert(table_of(CaseEvent)).returning(table_of(CaseEvent).c.id)


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
