"""The client says she needs help today (intake.urgency): the case rises at once.

Runs inside the transaction that stored her call and never commits. The priority becomes urgent
with her reason as the reason, the SLA clock's due times follow the new priority, a waiting or
closed case comes back to work, and the assigned advisor and the team's queue hear of it by mail.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from intake import lifecycle
from intake.lifecycle import State
from intake.models import PRIORITY_RANK, Case
from intake.urgency import UrgencyRaised
from triage.accounts import audit
from triage.casework import describe, history, notices, sla
from yhteys.db import plus

RAISED = "urgent"


def signals(raised: UrgencyRaised) -> list[dict[str, Any]]:
    """The reasons as urgency signals (triage.casework.urgency), so they read like the form's."""
    found: list[dict[str, Any]] = [
        {"code": "client_raised", "priority": RAISED, "params": {"channel": raised.source}}
    ]
    if raised.reason:
        found.append({"code": raised.reason, "priority": RAISED, "params": {}})
    return found


def urgency_raised(session: Session, case: Case, raised: UrgencyRaised) -> None:
    session.flush()
    # The row lock (PostgreSQL) orders this after any staff change committing right now.
    session.refresh(case, with_for_update=True)
    at = raised.at
    if case.state in (State.WAITING_CLIENT, State.CLOSED):
        lifecycle.transition(
            session, case, State.IN_PROGRESS if case.assignee_id else State.NEW,
            actor_id=None, actor_kind=lifecycle.CLIENT, reason="urgency_raised", at=at,
        )
    before = case.priority
    found = signals(raised)
    event = history.add(session, case, "urgency_raised", None, {
        "reason": raised.reason, "channel": raised.source, "from": before,
        **({"message_id": raised.message_id} if raised.message_id else {}),
    }, at=at)
    if before != RAISED:
        case.priority, case.priority_rank = RAISED, PRIORITY_RANK[RAISED]
        case.priority_reason = describe.english_signals(found)
        sla.apply_due_times(session, case, at)
        history.add(session, case, "priority", None,
                    {"priority": RAISED, "source": "client", "signals": found}, at=at)
    case.client_replied = True
    case.updated_at = at
    # An expression, not a number: a concurrent bump adds up instead of overwriting.
    case.version = plus(Case.version)
    session.add(case)
    session.flush()
    session.refresh(case)
    notified = notices.urgency_raised(session, case, f"case:{case.id}:urgent:{event.id}")
    # The trail names no reason: health or danger is said in the case's own history only.
    audit.record(session, actor=None, action="case.urgency_raised", case_id=case.id,
                 detail={"from": before, "channel": raised.source, "notified": notified})
