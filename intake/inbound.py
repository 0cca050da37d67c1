"""WhatsApp messages from clients, attached to their open case.

`notify` receives the webhook and knows only a phone number; this handler finds the client's
newest open case that gave that number for WhatsApp (as the main or backup channel) and adds the
text as a client message. A number that matches no open case is not stored anywhere.
"""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from intake.models import Case
from intake.schemas import MESSAGE_MAX
from intake.service import append_client_message

log = logging.getLogger(__name__)


def open_case_for_whatsapp(session: Session, number: str) -> Case | None:
    query = (
        select(Case)
        .where(
            Case.state != "closed",
            Case.anonymised_at.is_(None),  # type: ignore[union-attr]
            or_(
                and_(Case.contact_channel == "whatsapp", Case.contact_address == number),
                and_(Case.backup_channel == "whatsapp", Case.backup_address == number),
            ),
        )
        .order_by(Case.created_at.desc())  # type: ignore[attr-defined]
        .limit(1)
    )
    return session.exec(query).first()


def _clean(text: str) -> str:
    """Drop control characters (NUL breaks PostgreSQL) instead of refusing: the client cannot
    be shown an error on WhatsApp."""
    value = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    kept = (
        c for c in value if c in "\n\t" or unicodedata.category(c) not in {"Cc", "Cs"}
    )
    return "".join(kept).strip()[:MESSAGE_MAX]


def attach_whatsapp_message(
    session: Session, number: str, text: str, received_at: datetime
) -> bool:
    case = open_case_for_whatsapp(session, number)
    if case is None:
        return False
    body = _clean(text) or "…"
    message = append_client_message(session, case, body, channel="whatsapp")
    message.created_at = received_at
    session.add(message)
    log.info("WhatsApp message %s added to case %s", message.id, case.id)
    return True


def register() -> None:
    """Called by the composition root: notify hands inbound messages to this handler."""
    from notify.inbound import on_inbound_message

    on_inbound_message(attach_whatsapp_message)
