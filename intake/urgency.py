"""She can say at any time that she needs help today, and the case rises at once.

The reasons are the four "Is it urgent?" questions every form asks (`questions.URGENT_NOW`):
giving one later counts as answering it now, so the answer is set on the case and reads the same
on the staff case page. `raise_urgency` is the one way in, for the status page today and for a
WhatsApp keyword later. Intake may not touch the SLA clock or staff mail, so it announces
(`events.urgency_raised`); triage's handler raises the priority, moves the clock, writes the
history and alerts the advisor and the team, in the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from intake import events, questions
from intake.models import Case
from yhteys.clock import now
from yhteys.db import session_scope

log = logging.getLogger(__name__)

SOURCES = ("web", "whatsapp", "api")
UNSPECIFIED = ""  # she did not say which reason: still urgent


def reasons() -> Mapping[str, Any]:
    """Reason code -> its label (lazy, intake domain), in form order."""
    return {
        q.name: q.label
        for q in questions.walk(questions.URGENT_NOW.items)
        if isinstance(q, questions.Question)
    }


@dataclass(frozen=True)
class UrgencyRaised:
    """What the subscribers hear: why (a code of `reasons()`, or ""), from where, when."""

    reason: str
    source: str
    at: datetime
    message_id: int | None = None  # what she wrote with it, if anything


def raise_urgency(
    session: Session,
    case: Case,
    reason: str,
    source: str,
    *,
    message_id: int | None = None,
) -> UrgencyRaised:
    """Raise the case's priority because the client needs help today, in the caller's
    transaction. `reason` is a code of `reasons()` or "" (not said); `source` one of SOURCES.

    Raises ValueError for an unknown reason or source, and NotWired when nobody would act on it.
    """
    if reason != UNSPECIFIED and reason not in reasons():
        raise ValueError(f"unknown urgency reason {reason!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    events.require_urgency_handlers()
    if reason:
        # A new dict: the JSON column notices only a new value, not a changed one.
        case.details = {**(case.details or {}), reason: True}
    raised = UrgencyRaised(reason, source, now(), message_id)
    events.urgency_raised(session, case, raised)
    # No reason in the log: it says something about her health or safety.
    log.info("case %s: the client asked for help today (%s)", case.id, source)
    return raised


def ask_for_help_today(case_id: int, reason: str, body: str = "", *,
                       source: str = "web") -> UrgencyRaised:
    """The status page's "I need help today": her message (if she wrote one) and the raised
    priority, in one transaction."""
    from intake.service import append_client_message

    with session_scope() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise LookupError(case_id)
        message_id = None
        if body:
            message = append_client_message(session, case, body, channel=source)
            message_id = message.id
        return raise_urgency(session, case, reason, source, message_id=message_id)
