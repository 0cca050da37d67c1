"""A person's data-protection requests, carried out by a supervisor: access and erasure.

Access: everything the service holds about one case (the case and its answers, messages,
files, consents, history, staff notes, notifications sent) as one ZIP: `case.json` and the
files, opened from their sealed copies. Hashes and secrets (status link, PIN, idempotency key)
are not hers to read and open nothing for her, so they stay out.

Erasure: the retention's anonymisation, now, for one case, with a reason code; notifications
not yet sent to her are cancelled first, so no address survives in a row still waiting. The
audit row keeps who, when and the reason, never what was erased.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, SQLModel, col

from intake import attachments
from intake.lifecycle import STAFF, transition
from intake.models import Attachment, Case, CaseMessage, Consent
from notify.models import CLIENT_EVENTS, UNSENT_STATES, Notification
from notify.outbox import notifications_for
from triage.accounts.models import StaffUser
from triage.casework.models import CaseEvent, CaseNote, SlaBreach
from triage.retention import anonymise
from yhteys.clock import now

ERASURE_REASONS = ("data_subject_request", "consent_withdrawn", "unlawful_processing", "other")
# Not hers to read: hashes that open or link the case, and what sending needs internally.
_CASE_HIDDEN = frozenset({"status_secret_hash", "idempotency_key", "whatsapp_code_hash",
                          "fingerprint"})
_NOTIFICATION_HIDDEN = frozenset({"sealed", "token", "lease_until", "enqueued_at", "provider_id"})


class ErasureRefused(ValueError):
    """The case cannot be erased as asked (an unknown reason, already anonymised)."""


def _plain(row: SQLModel, hidden: frozenset[str] = frozenset()) -> dict[str, Any]:
    values = row.model_dump(exclude=set(hidden))
    return json.loads(json.dumps(values, default=_json_value))


def _json_value(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _rows(session: Session, model: type[SQLModel], case_id: int) -> list[Any]:
    column = col(getattr(model, "case_id"))  # noqa: B009 - every model here has one
    return list(session.scalars(select(model).where(column == case_id)
                                .order_by(col(getattr(model, "id")))))  # noqa: B009


def _file_name(attachment: Attachment) -> str:
    return f"files/{attachment.id}-{attachment.filename or 'file'}"


def access_export(session: Session, case: Case) -> bytes:
    """The ZIP of everything held about `case` (the caller audits it)."""
    assert case.id is not None
    files = _rows(session, Attachment, case.id)
    document = {
        "format": "yhteys-access-export/1",
        "exported_at": now().isoformat(),
        "case": _plain(case, _CASE_HIDDEN),
        "messages": [_plain(m) for m in _rows(session, CaseMessage, case.id)],
        "files": [{**_plain(f, frozenset({"storage_key"})), "path": _file_name(f)}
                  for f in files],
        "consents": [_plain(c) for c in _rows(session, Consent, case.id)],
        "history": [_plain(e) for e in _rows(session, CaseEvent, case.id)],
        "notes": [_plain(n) for n in _rows(session, CaseNote, case.id)],
        "sla_breaches": [_plain(b) for b in _rows(session, SlaBreach, case.id)],
        "notifications": [_plain(n, _NOTIFICATION_HIDDEN)
                          for n in notifications_for(session, case.reference)
                          if n.event in CLIENT_EVENTS],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("case.json", json.dumps(document, ensure_ascii=False, indent=2))
        for attachment in files:
            try:
                data = attachments.open_attachment(attachment)
            except (attachments.AttachmentError, FileNotFoundError):
                data = b""  # listed in case.json; an unreadable copy is no reason to fail
            archive.writestr(_file_name(attachment), data)
    return buffer.getvalue()


def _cancel_unsent(session: Session, reference: str) -> None:
    """Notifications to her still waiting: never sent now, and their addresses go below."""
    session.execute(
        update(Notification)
        .where(col(Notification.reference) == reference,
               col(Notification.event).in_(CLIENT_EVENTS),
               col(Notification.state).in_(UNSENT_STATES))
        .values(state="failed", error_code="erased", error_text="erased on request",
                updated_at=now())
    )


def erase(session: Session, case: Case, actor: StaffUser, reason: str) -> None:
    """Erase the case's personal data now, in the caller's transaction (files go at commit)."""
    if reason not in ERASURE_REASONS:
        raise ErasureRefused("unknown reason")
    if case.anonymised_at is not None:
        raise ErasureRefused("already anonymised")
    assert case.id is not None
    _cancel_unsent(session, case.reference)
    if case.state != "closed":
        transition(session, case, "closed", actor_id=actor.id, actor_kind=STAFF,
                   reason="erased")
    anonymise(session, case, actor=actor, action="case.erase", detail={"reason": reason})
