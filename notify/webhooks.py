"""WhatsApp webhook payloads: delivery statuses and inbound messages.

Statuses arrive late, twice and out of order; a row only ever moves forwards (sent < delivered <
read), and a failure counts only before delivery. Everything runs in one transaction per webhook.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from notify.models import STATE_RANK, Notification
from notify.outbox import track_for_hand_over
from yhteys.clock import now
from yhteys.db import rowcount, table_of

log = logging.getLogger(__name__)
T = table_of(Notification).c
PROGRESS = ("sent", "delivered", "read")


def valid_signature(body: bytes, header: str | None, secret: str) -> bool:
    """X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body with the app secret."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now()


def _dicts(value: Any) -> list[dict[str, Any]]:
    """Only the objects of a list: a signed but oddly shaped payload is skipped, not a 500."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def handle_payload(session: Session, payload: dict[str, Any]) -> None:
    """Every status and message of the batch, each in a savepoint: one bad item costs only
    itself, never the rest of the batch (the provider would resend it all)."""
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            for status in _dicts(value.get("statuses")):
                _each(session, apply_status, status)
            for message in _dicts(value.get("messages")):
                _each(session, _message, message)


def _each(session: Session, handler: Any, item: dict[str, Any]) -> None:
    try:
        with session.begin_nested():
            handler(session, item)
    except (IntegrityError, DataError, TypeError, ValueError, AttributeError, LookupError) as exc:
        # A database that is down is not skipped: the 500 makes the provider send it again.
        log.warning("WhatsApp webhook item skipped: %s", type(exc).__name__)


def _message(session: Session, message: dict[str, Any]) -> None:
    from notify.inbound import InboundMessage, receive

    number = "+" + str(message.get("from", "")).lstrip("+")
    if not number[1:].isdigit() or len(number) < 8:
        return
    context = message.get("context")
    receive(
        session,
        InboundMessage(
            id=str(message.get("id", ""))[:128],
            number=number[:20],
            text=_text_of(message),
            received_at=_timestamp(message.get("timestamp")),
            reply_to=str(context.get("id", "")) if isinstance(context, dict) else "",
            choice=_choice_of(message),
            media=_media_of(message),
        ),
    )


def _part(message: dict[str, Any], name: str) -> dict[str, Any]:
    value = message.get(name)
    return value if isinstance(value, dict) else {}


def _text_of(message: dict[str, Any]) -> str:
    kind = message.get("type", "")
    if kind == "text":
        return str(_part(message, "text").get("body", ""))
    if kind == "button":
        return str(_part(message, "button").get("text", ""))
    if kind == "interactive":
        reply = _part(message, "interactive")
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return str(chosen.get("title", "")) if isinstance(chosen, dict) else ""
    if kind in MEDIA_KINDS and _part(message, kind).get("id"):
        return str(_part(message, kind).get("caption", ""))  # the file itself comes later
    # Locations, contacts: the advisor sees that something came and asks for it another way.
    return f"[{str(kind)[:20] or 'message'}]"


MEDIA_KINDS = ("audio", "voice", "image", "document", "video", "sticker")


def _media_of(message: dict[str, Any]) -> Any:
    from notify.inbound import InboundMedia

    kind = str(message.get("type", ""))
    if kind not in MEDIA_KINDS:
        return None
    part = _part(message, kind)
    media_id = str(part.get("id", ""))[:128]
    if not media_id:
        return None
    if kind == "audio" and part.get("voice") is True:
        kind = "voice"  # a voice note recorded in the chat, not an audio file
    return InboundMedia(
        kind=kind, id=media_id, mime_type=str(part.get("mime_type", ""))[:100],
        filename=str(part.get("filename", ""))[:200],
    )


def _choice_of(message: dict[str, Any]) -> str:
    if message.get("type") == "interactive":
        reply = _part(message, "interactive")
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return str(chosen.get("id", ""))[:64] if isinstance(chosen, dict) else ""
    if message.get("type") == "button":
        return str(_part(message, "button").get("payload", ""))[:64]
    return ""


def apply_status(session: Session, status: dict[str, Any]) -> bool:
    """Move the row of this provider message id forwards; False when nothing changed."""
    provider_id, name = str(status.get("id", "")), status.get("status")
    if not provider_id:
        return False
    row_id = session.scalar(
        select(T.id).where(T.provider_id == provider_id, T.channel == "whatsapp")
    )
    if row_id is None:
        return False
    at = _timestamp(status.get("timestamp"))
    if name in PROGRESS:
        return _progress(session, row_id, name, at)
    if name == "failed":
        # An oddly shaped "errors" still means the message failed: fall back all the same.
        errors = status.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        return _failed(session, row_id, first.get("code") if isinstance(first, dict) else None)
    return False


def _progress(session: Session, row_id: int, name: str, at: datetime) -> bool:
    lower = [s for s in PROGRESS if STATE_RANK[s] < STATE_RANK[name]]
    values: dict[str, Any] = {"state": name, "updated_at": now()}
    if name in {"delivered", "read"}:
        values["delivered_at"] = func.coalesce(T.delivered_at, at)  # a read implies delivery
    if name == "read":
        values["read_at"] = at
    if name in {"delivered", "read"}:
        values["sealed"] = ""  # it arrived: nothing will resend it
    stmt = (
        update(Notification)
        .where(T.id == row_id, T.state.in_(lower))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return rowcount(session.execute(stmt)) == 1


def _failed(session: Session, row_id: int, code: Any) -> bool:
    from notify.delivery import queue_fallback

    code = int(code) if str(code).isdigit() else 0
    if code == 131047:
        # The window closed before the text arrived: send the approved template instead.
        values: dict[str, Any] = {
            "state": "pending", "mode": "template", "next_attempt_at": now(), "provider_id": "",
            "enqueued_at": now(),
            "error_code": "wa_131047", "error_text": "Window closed; sending the template",
        }
    else:
        values = {
            "state": "failed",
            "sealed": "",
            "error_code": f"wa_{code}" if code else "wa_failed",
            "error_text": "WhatsApp could not deliver the message",
        }
    # Read before the update blanks its secrets: the fallback needs the same link.
    row = session.get(Notification, row_id, populate_existing=True) if code == 131026 else None
    if row is not None:
        session.expunge(row)
    stmt = (
        update(Notification)
        .where(T.id == row_id, T.state.in_(("sending", "sent")))
        .values(**values, updated_at=now())
        .execution_options(synchronize_session=False)
    )
    if rowcount(session.execute(stmt)) != 1:
        return False
    if code == 131047:
        track_for_hand_over(session, row_id)
    elif row is not None:
        queue_fallback(session, row)
    log.info("outbox row %d reported failed by WhatsApp (%s)", row_id, code)
    return True
