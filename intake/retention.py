"""Retention: a closed case loses its personal data RETENTION_DAYS after closing.

What stays is what statistics and the audit trail need (kind, language, state, outcome, priority,
team, dates, reference) and the consents, which prove the processing was lawful and hold no
personal data. Everything a person wrote or that could reach them goes; the status secret and the
idempotency key are replaced with random values, so no old link or resend finds the case again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from intake import attachments
from intake.models import Attachment, Case, CaseMessage, CaseTranscript
from intake.reopen import forget_case
from yhteys.clock import now

ANONYMISED = "[anonymised]"


def _random_hash() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


def anonymise_case(session: Session, case: Case) -> None:
    """Wipe the case's personal fields in the caller's transaction (files go after commit)."""
    case.name = ""
    case.contact_address = ""
    case.backup_address = ""
    case.contact_windows = []
    case.area = ""
    case.message = ANONYMISED
    case.details = {}
    # Free text about why the case is urgent: written by staff or made from the client's words.
    case.priority_reason = ""
    case.status_secret_hash = _random_hash()
    case.idempotency_key = _random_hash()
    case.fingerprint = ""  # a hash of the answers: equal answers elsewhere would link back
    case.anonymised_at = now()
    session.add(case)
    session.execute(
        update(CaseMessage).where(col(CaseMessage.case_id) == case.id).values(body="")
    )
    session.execute(
        update(CaseTranscript).where(col(CaseTranscript.case_id) == case.id).values(lines=[])
    )
    forget_case(session, case)  # her PIN, single-use links and fresh keys
    files = session.exec(select(Attachment).where(Attachment.case_id == case.id)).all()
    attachments.delete(session, files)
    session.flush()


def due_for_anonymisation(
    session: Session, now: datetime, retention_days: int, limit: int = 500
) -> list[Case]:
    """Closed cases whose retention period has passed and that still hold personal data.

    A case merged into another waits for that one: its status link opens the survivor, and
    anonymising it would end the link while her conversation goes on."""
    cutoff = now - timedelta(days=retention_days)
    survivor = aliased(Case)
    query = (
        select(Case)
        .outerjoin(survivor, col(survivor.id) == col(Case.merged_into_id))
        .where(
            Case.state == "closed",
            col(Case.closed_at).is_not(None),
            col(Case.closed_at) < cutoff,
            col(Case.anonymised_at).is_(None),
            or_(col(Case.merged_into_id).is_(None), col(survivor.anonymised_at).is_not(None)),
        )
        .order_by(col(Case.closed_at), col(Case.id))
        .limit(limit)
    )
    return list(session.exec(query).all())
