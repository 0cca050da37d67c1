"""The call log: an advisor phoned the client, and how it went.

A reached call is the case's first response (the SLA stops waiting for one), like a reply.
"""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request

from intake import lifecycle
from intake.models import Case
from triage.accounts.models import StaffUser
from triage.casework import actions, history
from triage.casework.describe import CALL_OUTCOMES as OUTCOMES


def log_call(session: Session, case: Case, version: int, actor: StaffUser, outcome: str,
             request: Request | None = None) -> bool:
    """Record the call; True when it was the case's first response."""
    actions._check_reader(actor, case)
    if outcome not in OUTCOMES:
        raise actions.NotAllowed("call_outcome")
    actions._take(session, case, version)
    first = None
    if outcome == "reached":
        first = lifecycle.record_first_response(session, case, kind="call", actor_id=actor.id)
    history.add(session, case, "call", actor.id, {"outcome": outcome})
    actions._audit(session, actor, "case.call", case, request, outcome=outcome,
                   first_response=first is not None)
    return first is not None
