"""Anonymise closed cases once RETENTION_DAYS have passed since closing; close forgotten ones.

A case nobody touches never closes, so it would never be anonymised. The rule: a case that is
not closed and has had no activity (no change to the case, no message either way) for
INACTIVE_DAYS is closed by the system with the outcome "not_reachable" and the history reason
"inactive"; from then on it is a closed case like any other and is anonymised RETENTION_DAYS
after that closing (a message from her in between reopens it, as for any closed case).
`yhteys retention --dry-run` shows what the next run would do: counts and references only.

Each part wipes what it holds: intake the case, its messages and files; notify the client's
addresses on notifications already sent, and every WhatsApp number whose 24-hour window has
closed (kept in clear, it would outlive the case); triage its notes, free-text reasons in the
history and the duplicate keys. The audit trail records that it happened, by the system. Running
it again finds nothing new: a case is due only while anonymised_at is empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlmodel import Session, col

from intake.lifecycle import SYSTEM, transition
from intake.models import Case, CaseMessage
from intake.retention import anonymise_case, due_for_anonymisation
from notify.delivery import forget_closed_windows
from notify.outbox import forget_recipient
from triage.accounts.audit import record
from triage.accounts.models import StaffUser
from triage.casework import duplicates, search
from triage.casework.models import CaseEvent, CaseNote
from yhteys.clock import as_utc
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


def anonymise(session: Session, case: Case, *, actor: StaffUser | None = None,
              action: str = "case.anonymise", detail: dict[str, Any] | None = None) -> None:
    """Everything personal about one case, across the parts, in the caller's transaction.

    The audit row says who (None: the system), what and, for an erasure, why; never what was
    erased."""
    assert case.id is not None
    anonymise_case(session, case)
    forget_recipient(session, case.reference)
    session.execute(update(CaseNote).where(col(CaseNote.case_id) == case.id).values(body=""))
    _scrub_history(session, case.id)
    duplicates.forget(session, case.id)
    search.forget(session, case.id)
    record(session, actor=actor, action=action, case_id=case.id, detail=detail)
    session.flush()


def inactive_cases(session: Session, at: datetime, inactive_days: int,
                   limit: int = BATCH) -> list[Case]:
    """Open cases with no change and no message for `inactive_days` (merged ones wait for their
    survivor, as in `due_for_anonymisation`)."""
    cutoff = at - timedelta(days=inactive_days)
    recent_message = exists().where(
        col(CaseMessage.case_id) == col(Case.id), col(CaseMessage.created_at) >= cutoff
    )
    query = (
        select(Case)
        .where(
            col(Case.state) != "closed",
            col(Case.anonymised_at).is_(None),
            col(Case.merged_into_id).is_(None),
            col(Case.updated_at) < cutoff,
            ~recent_message,
        )
        .order_by(col(Case.updated_at), col(Case.id))
        .limit(limit)
    )
    return list(session.scalars(query))


def close_inactive(session: Session, now: datetime | None = None, limit: int = BATCH) -> int:
    """Close up to `limit` forgotten cases as "not_reachable", in the caller's transaction."""
    at = as_utc(now or clock_now())
    cases = inactive_cases(session, at, get_settings().inactive_days, limit=limit)
    for case in cases:
        case.outcome = "not_reachable"
        transition(session, case, "closed", actor_id=None, actor_kind=SYSTEM, reason="inactive",
                   at=at)
        record(session, actor=None, action="case.close_inactive", case_id=case.id)
        session.add(case)
    session.flush()
    if cases:
        log.info("closed %d inactive cases", len(cases))
    return len(cases)


@dataclass(frozen=True)
class Plan:
    """What the next run would do: references only, never what the cases hold."""

    to_close: list[str]
    to_anonymise: list[str]


def plan(session: Session, now: datetime | None = None, limit: int = 10_000) -> Plan:
    at = as_utc(now or clock_now())
    settings = get_settings()
    closing = inactive_cases(session, at, settings.inactive_days, limit=limit)
    due = due_for_anonymisation(session, at, settings.retention_days, limit=limit)
    return Plan([c.reference for c in closing], [c.reference for c in due])


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

    while True:
        with session_scope() as session:
            closed = close_inactive(session)
        if closed < BATCH:
            break
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


def _retention_command(args: Any) -> int:
    from yhteys.db import session_scope
    from yhteys.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    if not args.dry_run:
        print(f"{run_once()} cases anonymised")
        return 0
    with session_scope() as session:
        next_run = plan(session)
    print(f"{len(next_run.to_close)} open cases inactive for {settings.inactive_days} days "
          "would be closed as not_reachable:")
    for reference in next_run.to_close:
        print(f"  {reference}")
    print(f"{len(next_run.to_anonymise)} cases closed over {settings.retention_days} days ago "
          "would be anonymised:")
    for reference in next_run.to_anonymise:
        print(f"  {reference}")
    return 0


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
    command = sub.add_parser(
        "retention", help="close inactive cases and anonymise due ones (--dry-run: only show)"
    )
    command.add_argument("--dry-run", action="store_true",
                         help="print what the next run would do (counts and references)")
    command.set_defaults(func=_retention_command)
