"""Anonymise closed cases once RETENTION_DAYS have passed since closing.

Each part wipes what it holds: intake the case, its messages and files; notify the client's
addresses on notifications already sent, and every WhatsApp number whose 24-hour window has
closed (kept in clear, it would outlive the case); triage its notes, free-text reasons in the
history and the duplicate keys. The audit trail records that it happened, by the system. Running
it again finds nothing new: a case is due only while anonymised_at is empty.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from intake.models import Case
from intake.retention import anonymise_case, due_for_anonymisation
from notify.delivery import forget_closed_windows
from notify.outbox import forget_recipient
from triage.accounts.audit import record
from triage.casework import duplicates, search
from triage.casework.models import CaseEvent, CaseNote
from yhteys.clock import now as clock_now
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

BATCH = 500
# History entries whose "reason" is staff free text (elsewhere "reason" is a code).
_FREE_TEXT_REASON = ("priority", "referred")


def anonymise_due(session: Session, now: datetime | None = None, limit: int = BATCH) -> int:
    """Anonymise up to `limit` due cases in the caller's transaction; returns how many."""
    at = now or clock_now()
    cases = due_for_anonymisation(session, at, get_settings().retention_days, limit=limit)
    for case in cases:
        anonymise(session, case)
    forget_closed_windows(session)
    if cases:
        log.info("anonymised %d closed cases", len(cases))
    return len(cases)


def anonymise(session: Session, case: Case) -> None:
    """Everything personal about one case, across the parts, in the caller's transaction."""
    assert case.id is not None
    anonymise_case(session, case)
    forget_recipient(session, case.reference)
    session.execute(update(CaseNote).where(col(CaseNote.case_id) == case.id).values(body=""))
    _scrub_history(session, case.id)
    duplicates.forget(session, case.id)
    search.forget(session, case.id)
    record(session, actor=None, action="case.anonymise", case_id=case.id)
    session.flush()


def _scrub_history(session: Session, case_id: int) -> None:
    """Drop free-text reasons and the routed-on area from the case's history entries."""
    for event in session.scalars(select(CaseEvent).where(col(CaseEvent.case_id) == case_id)):
        data = _scrubbed(event.action, event.data or {})
        if data != event.data:
            event.data = data  # a new dict: the JSON column sees the change
            session.add(event)


def _scrubbed(action: str, data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    if action in _FREE_TEXT_REASON and clean.get("reason"):
        clean["reason"] = ""
    matched = clean.get("matched")
    if isinstance(matched, dict) and "area" in matched:
        clean["matched"] = {k: v for k, v in matched.items() if k != "area"}
    return clean


def run_once() -> int:
    """Anonymise every due case, one committed batch at a time (the hourly job, the command)."""
    from yhteys.db import session_scope, truncate_wal

    total = 0
    while True:
        with session_scope() as session:
            done = anonymise_due(session)
        total += done
        if done < BATCH:
            break
    # On SQLite the erased rows' old pages are still in the -wal file: empty it (every run, so
    # a run that readers kept from it is made good by the next).
    if not truncate_wal():
        log.warning("the SQLite write-ahead log could not be emptied; the next run tries again")
    return total


def _anonymise_command(args: object) -> int:
    from yhteys.logs import configure_logging

    configure_logging(get_settings().log_level)
    print(f"{run_once()} closed cases anonymised")
    return 0


def register(sub: Any) -> None:
    """`yhteys anonymise`: what the hourly job does, once, now."""
    command = sub.add_parser(
        "anonymise", help="anonymise closed cases past RETENTION_DAYS (the hourly job, once)"
    )
    command.set_defaults(func=_anonymise_command)
