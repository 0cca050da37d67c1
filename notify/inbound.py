"""Messages clients send us on WhatsApp.

`notify` knows numbers, not cases: the composition side (intake) registers a handler that decides
which case, if any, a message belongs to. A phone number proves nothing by itself, so that
decision is intake's, not ours. Every inbound message also opens the 24-hour window in which
free-text replies may be sent to that number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from notify.models import Notification, WhatsAppInbound, WhatsAppWindow
from notify.outbox import queue_notification
from yhteys.db import table_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundMedia:
    """A file sent with the message: only its provider id, fetched later (intake.media)."""

    kind: str  # voice | audio | image | document | video | sticker
    id: str  # the provider's media id: GET {api_base}/{id} gives a short-lived URL
    mime_type: str = ""  # as declared by WhatsApp: a hint, the content decides
    filename: str = ""  # a document's name as sent


@dataclass(frozen=True)
class InboundMessage:
    id: str  # the provider's message id ("wamid....")
    number: str  # E.164, "+358..."
    text: str  # the text, a button's or list row's title, or a file's caption
    received_at: datetime
    reply_to: str = ""  # the id of our message the person replied to (swipe to reply)
    choice: str = ""  # the id of the interactive button or list row chosen
    media: InboundMedia | None = None  # a voice note, photo, document, ...


# handler(session, message) -> True when it took care of the message.
InboundHandler = Callable[[Session, InboundMessage], bool]
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
    table = table_of(WhatsAppWindow)
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
    table = table_of(WhatsAppInbound)
    values = {"message_id": message_id[:128], "received_at": received_at}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.message_id)
    return session.execute(stmt).scalar() is not None


def receive(session: Session, message: InboundMessage) -> bool:
    """Handle one inbound message in the caller's transaction. True if a handler took it."""
    if message.id and not first_time(session, message.id, message.received_at):
        return True
    record_window(session, message.number, message.received_at)
    for handler in list(_handlers):
        if handler(session, message):
            return True
    # Nothing is stored: we keep no texts outside a case.
    log.info("inbound WhatsApp message %s was not added to a case", message.id or "-")
    return False


def reference_replied_to(session: Session, provider_id: str) -> str:
    """The case reference of our WhatsApp message with this id ("" if none)."""
    if not provider_id:
        return ""
    query = select(col(Notification.reference)).where(
        col(Notification.provider_id) == provider_id[:128], col(Notification.channel) == "whatsapp"
    )
    return session.scalar(query.limit(1)) or ""


def reply(
    session: Session,
    message: InboundMessage,
    kind: str,
    *,
    locale: str,
    reference: str = "",
    choices: Sequence[str] = (),
    hours: str = "",
) -> Notification | None:
    """Answer an inbound message in the open window: a short fixed text (`kind`), and for a
    choice, the references to choose from as an interactive list. Never case details."""
    context = {"reply": kind}
    if reference:
        context["reference"] = reference
    if choices:
        context["choices"] = ",".join(choices)
    if hours:
        context["hours"] = hours  # the chat's weekly hours (notify.whatsapp_texts.HOURS_RE)
    return queue_notification(
        session, event="whatsapp_reply", channel="whatsapp", recipient=message.number,
        locale=locale, subject_key=f"reply:{message.id or message.received_at.isoformat()}",
        context=context,
    )


def say(session: Session, message: InboundMessage, number: int, *, locale: str, text: str,
        options: str = "") -> Notification | None:
    """One step of a conversation answering `message` (its `number`th answer): the text and the
    choices offered travel sealed, as they may repeat what she wrote."""
    sealed = {"text": text, **({"options": options} if options else {})}
    return queue_notification(
        session, event="whatsapp_reply", channel="whatsapp", recipient=message.number,
        locale=locale, subject_key=f"say:{number}:{message.id or message.received_at.isoformat()}",
        context={"reply": "conversation"}, sealed=sealed,
    )
