"""Messages clients send us on WhatsApp.

`notify` knows numbers, not cases: the composition side (intake/triage) registers a handler that
attaches the text to the client's open case and says whether it did. Every inbound message also
opens the 24-hour window in which free-text replies may be sent to that number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from notify.models import WhatsAppInbound, WhatsAppWindow

log = logging.getLogger(__name__)

# handler(session, from_number_e164, text, received_at) -> True when it attached the message.
InboundHandler = Callable[[Session, str, str, datetime], bool]
_handlers: list[InboundHandler] = []


def on_inbound_message(handler: InboundHandler) -> InboundHandler:
    """Register a handler (usable as a decorator); registering twice has no effect."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def remove_handler(handler: InboundHandler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def record_window(session: Session, number: str, received_at: datetime) -> None:
    """Remember the latest message time per number (an upsert: webhooks arrive concurrently)."""
    table = WhatsAppWindow.__table__
    postgres = session.get_bind().dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    stmt = insert(table).values(number=number, last_inbound_at=received_at)
    latest = (func.greatest if postgres else func.max)(
        table.c.last_inbound_at, stmt.excluded.last_inbound_at
    )
    session.execute(
        stmt.on_conflict_do_update(index_elements=[table.c.number],
                                   set_={"last_inbound_at": latest})
    )


def first_time(session: Session, message_id: str, received_at: datetime) -> bool:
    """True the first time a message id is seen (a retried webhook carries it again)."""
    table = WhatsAppInbound.__table__
    values = {"message_id": message_id[:128], "received_at": received_at}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.message_id)
    return session.execute(stmt).scalar() is not None


def receive(
    session: Session, message_id: str, number: str, text: str, received_at: datetime
) -> bool:
    """Handle one inbound message in the caller's transaction. True if a handler attached it."""
    if message_id and not first_time(session, message_id, received_at):
        return True
    record_window(session, number, received_at)
    for handler in list(_handlers):
        if handler(session, number, text, received_at):
            return True
    # No case for this number: nothing is stored (we keep no texts outside a case).
    log.info("inbound WhatsApp message %s matched no open case", message_id or "-")
    return False
