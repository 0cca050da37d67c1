"""What casework does when the public side announces something (see intake.events).

Both handlers run inside the transaction that saved the case or the message, and never commit:
a case is never saved unrouted, and a client's message is never saved without the case coming
back to the advisor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from intake import lifecycle
from intake.lifecycle import FirstResponse, State, Transition
from intake.models import PRIORITY_RANK, Case, CaseMessage
from triage.casework import (
    assign,
    describe,
    duplicates,
    history,
    notices,
    search,
    sla,
    urgency,
)
from triage.casework.models import CaseClock, CaseEvent
from triage.casework.routing import Assignment
from yhteys.clock import as_utc, local_now, now
from yhteys.db import pk, plus, table_of
from yhteys.plain_inserts import insert_rows

log = logging.getLogger(__name__)


def apply_assessment(session: Session, case: Case) -> urgency.Assessment:
    result = urgency.assess(
        case.kind, case.details, local_now().date(), urgency.load_config(session)
    )
    signals = result.as_data()
    case.priority = result.priority
    case.priority_rank = PRIORITY_RANK[result.priority]
    case.priority_reason = describe.english_signals(signals) if signals else ""
    history.add(session, case, "priority", None,
                {"priority": result.priority, "source": "answers", "signals": signals})
    return result


@dataclass
class _Decided:
    """What was decided for an arriving case, and the rows that wait for its id."""

    routing: dict[str, Any]
    assignment: Assignment
    clock: CaseClock
    history: list[CaseEvent]


_DECIDED = "triage.arrival:decided"  # session.info: id(case) -> (case, _Decided)


def _decide(session: Session, case: Case) -> _Decided:
    """Priority, team, advisor, state and due times, set on the case. The decisions read
    configuration and other rows, never what this arrival writes: no autoflush."""
    arrived = as_utc(case.created_at) if case.created_at else now()
    with session.no_autoflush, history.deferred(session, case) as rows:
        history.add(session, case, "created", None, {"source": case.source})
        apply_assessment(session, case)
        routing, assignment = assign.decide(session, case)
        clock = sla.new_clock(session, case, arrived)
    return _Decided(routing, assignment, clock, rows)


def case_arriving(session: Session, case: Case) -> None:
    """Before the case's INSERT: its row goes in with every decision made."""
    session.info.setdefault(_DECIDED, {})[id(case)] = (case, _decide(session, case))


def case_not_stored(session: Session, case: Case) -> None:
    """Its row did not go in (a resent post): nothing decided for it is written."""
    session.info.get(_DECIDED, {}).pop(id(case), None)


# Built once, values as parameters: compiled once per process, not looked up per arrival.
_INSERT_CLOCK = insert(table_of(CaseClock))


def case_created(session: Session, case: Case) -> None:
    """The rows that need the case's id: history, clock, language mark, duplicates, search,
    staff notices. A case stored without `case_arriving` (tests, the demo) is decided here,
    and its row updated."""
    _case, decided = session.info.get(_DECIDED, {}).pop(id(case), (None, None))
    if decided is None:
        if case.id is None:
            session.flush()
        decided = _decide(session, case)
        session.add(case)
    with session.no_autoflush:
        history.write_waiting(session, case, decided.history)
        clock = decided.clock  # a plain row nothing reads back here: no ORM flush for it
        insert_rows(session, _INSERT_CLOCK, {
            "case_id": pk(case), "elapsed": clock.elapsed, "running_since": clock.running_since,
            "stopped_at": clock.stopped_at})
        assign.settle_language(session, case, decided.assignment, new=True)
        duplicates.suggest(session, case, new=True)
        search.index(session, case, new=True)
    if case.team_id is not None:
        notices.new_case(session, case, f"case:{case.id}:new")
    if case.assignee_id is not None:
        from triage.accounts.models import StaffUser

        user = session.get(StaffUser, case.assignee_id)
        if user is not None:
            notices.assigned(session, case, user, f"case:{case.id}:assigned:routing")
    log.info("case %s routed: team %s, mode %s, priority %s",
             case.reference, case.team_id, decided.routing["mode"], case.priority)


def client_message(session: Session, case: Case, message: CaseMessage) -> None:
    """The client wrote: the case comes back to its advisor, marked, with its clock running."""
    session.flush()
    # The row lock (PostgreSQL) orders this after any staff change committing right now.
    session.refresh(case, with_for_update=True)
    at = now()
    if case.state in (State.WAITING_CLIENT, State.CLOSED):
        lifecycle.transition(
            session, case, State.IN_PROGRESS if case.assignee_id else State.NEW,
            actor_id=None, actor_kind=lifecycle.CLIENT, reason="client_message", at=at,
        )
    case.client_replied = True
    case.updated_at = at
    # An expression, not a number: concurrent bumps add up instead of overwriting each other.
    case.version = plus(Case.version)
    history.add(session, case, "client_message", None, {"message_id": message.id})
    session.add(case)
    session.flush()
    session.refresh(case)


def case_transitioned(session: Session, case: Case, change: Transition) -> None:
    """Every state change (intake.lifecycle): its history row, and the SLA clock follows."""
    data = {"by": change.actor_kind, **({"reason": change.reason} if change.reason else {})}
    if change.reopened:
        history.add(session, case, "reopened", change.actor_id, data, at=change.at)
    history.add(session, case, "state", change.actor_id,
                {"state": change.to_state.value, "from": change.from_state.value, **data},
                at=change.at)
    sla.follow_state(session, case, change.from_state.value, change.at)
    # The resolution time the dashboard reads: the business time on the clock, just stopped.
    if change.to_state is State.CLOSED:
        case.resolution_business_minutes = sla.business_minutes_used(session, case, change.at)
    elif change.reopened:
        case.resolution_business_minutes = None


def first_response_given(session: Session, case: Case, response: FirstResponse) -> None:
    """The first reply or call: its business time on the case's clock, and the board's due time
    becomes the resolution target."""
    case.first_response_business_minutes = sla.business_minutes_used(session, case, response.at)
    case.due_at = sla.current_due(case)
