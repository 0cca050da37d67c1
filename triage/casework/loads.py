"""How many open cases each advisor has: what routing balances and the case page shows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from intake.lifecycle import State
from intake.models import Case

OPEN_STATES = (State.ASSIGNED.value, State.IN_PROGRESS.value, State.WAITING_CLIENT.value)


def open_loads(session: Session, user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    query = (
        select(col(Case.assignee_id), func.count())
        .where(col(Case.assignee_id).in_(user_ids), col(Case.state).in_(OPEN_STATES))
        .group_by(col(Case.assignee_id))
    )
    return {int(uid): int(n) for uid, n in session.execute(query)}
