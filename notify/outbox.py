"""Queue a notification inside the caller's transaction (the transactional outbox).

`queue_notification` writes one outbox row with the caller's session and never commits. When the
caller's transaction commits, the new row ids are handed to Dramatiq at once; if that fails
(Redis down), the rows stay pending and the relay hands them over later. So a notification is
never lost and never exists without its cause.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from notify import broker
from notify.models import (
    ACCOUNT_EVENTS,
    CHANNELS,
    CLIENT_EVENTS,
    DIGEST_EVENTS,
    EVENTS,
    REPLY_EVENTS,
    Notification,
)
from notify.whatsapp_texts import HOURS_RE
from yhteys import crypto
from yhteys.clock import now
from yhteys.db import pk, row_values, rowcount, table_of
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

CLIENT_KEYS = frozenset({"reference", "status_url"})
REPLY_KEYS = frozenset({"reply", "reference", "choices", "hours"})
# The advisor's answer itself, for WhatsApp only when she agreed to it: it travels sealed only.
SEALED_ONLY_KEYS = frozenset({"reply_text"})
REPLY_TEXT_MAX = 3500  # with its two lines around it, within WhatsApp's 4096 characters
STAFF_KEYS = frozenset({"reference", "staff_url"})
# Keys a client event may add, each with its few fixed values: nothing the person or staff wrote.
OPTIONAL_KEYS = {"advisor_replied": {"attached": frozenset({"one", "several"})}}
# "links": "none" when the client asked for no links in messages; the text then says how to open
# the request instead (status_url is then the page to do it, and is not shown).
CLIENT_OPTIONAL_KEYS = {"links": frozenset({"none"})}
# The outbox alert is about the outbox, and account notices about a staff member, not about a
# case: they have no reference.
OPTIONAL_REFERENCE = frozenset({"staff_outbox_alert", *ACCOUNT_EVENTS, *DIGEST_EVENTS})
DIGEST_MAX = 200  # references in one digest; more wait for the next
REFERENCE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
_PENDING_KEY = "notify_pending_ids"
SEALED_PURPOSE = "outbox"
# A link with one of these in its path opens something by itself: it may only travel sealed.
SECRET_PATHS = ("/status/", "/set-password", "/open/")


class NotificationError(ValueError):
    """A call that would put something other than a reference and a link in a notification."""


REPLY_KINDS = frozenset({"linked", "code_unknown", "not_linked", "choose", "chosen", "unknown",
                         "urgent", "conversation"})
# A step of the conversation that asks for a request (intake.conversation): its text and the
# choices offered may repeat her answers, so they travel sealed only.
CONVERSATION_KEYS = frozenset({"text", "options"})


def _check_reply(context: dict[str, str], sealed_keys: frozenset[str] = frozenset()) -> None:
    """A reply carries a fixed kind of text and references, nothing the person wrote; a step
    of the conversation carries its text sealed."""
    allowed = REPLY_KEYS
    if context.get("reply") == "conversation":
        if not sealed_keys >= CONVERSATION_KEYS & set(context) or "text" not in sealed_keys:
            raise NotificationError("a conversation's text may only travel sealed")
        allowed = REPLY_KEYS | CONVERSATION_KEYS
    if extra := set(context) - allowed:
        raise NotificationError(f"a reply may carry only {sorted(REPLY_KEYS)}, not {sorted(extra)}")
    if context.get("reply") not in REPLY_KINDS:
        raise NotificationError("unknown reply kind")
    references = [context.get("reference", "")] + context.get("choices", "").split(",")
    if any(r and not REFERENCE_RE.match(r) for r in references):
        raise NotificationError("reference is not a case reference code")
    if context.get("hours") and not HOURS_RE.match(context["hours"]):
        raise NotificationError("hours must be weekday and minutes, nothing else")


def _check_digest(context: dict[str, str]) -> None:
    references = context.get("references", "").split(",")
    if not references or len(references) > DIGEST_MAX:
        raise NotificationError(f"a digest lists 1-{DIGEST_MAX} references")
    if not all(REFERENCE_RE.match(r) for r in references):
        raise NotificationError("references are not case reference codes")
    if "reference" in context:
        raise NotificationError("a digest is about several cases, not one")


def _check_context(event: str, context: dict[str, str], sealed_keys: frozenset[str]) -> None:
    if event in REPLY_EVENTS:
        _check_reply(context, sealed_keys)
        return
    if event in DIGEST_EVENTS:
        _check_digest(context)
        context = {k: v for k, v in context.items() if k != "references"}
    base_keys = CLIENT_KEYS if event in CLIENT_EVENTS else STAFF_KEYS
    optional = {**(CLIENT_OPTIONAL_KEYS if event in CLIENT_EVENTS else {}),
                **OPTIONAL_KEYS.get(event, {})}
    allowed = base_keys | set(optional)
    if event == "advisor_replied" and "reply_text" in context:
        if "reply_text" not in sealed_keys:
            raise NotificationError("the advisor's text may only travel sealed")
        if len(context["reply_text"]) > REPLY_TEXT_MAX:
            raise NotificationError("the advisor's text is too long for WhatsApp")
        allowed = allowed | SEALED_ONLY_KEYS
    keys = set(context)
    extra = keys - allowed
    if extra:
        # Only the names: the values may be exactly the case detail this check keeps out.
        raise NotificationError(f"context may carry only {sorted(allowed)}, not {sorted(extra)}")
    for key, values in optional.items():
        if key in context and context[key] not in values:
            raise NotificationError(f"context[{key!r}] must be one of {sorted(values)}")
    required = base_keys - ({"reference"} if event in OPTIONAL_REFERENCE else set())
    if missing := required - keys:
        raise NotificationError(f"context lacks {sorted(missing)}")
    for key, value in context.items():
        if not isinstance(value, str):
            raise NotificationError(f"context[{key!r}] must be a string")
        if key not in sealed_keys and any(part in value for part in SECRET_PATHS):
            raise NotificationError(f"context[{key!r}] is a secret link: pass it in `sealed`")
    reference = context.get("reference", "")
    if reference and not REFERENCE_RE.match(reference):
        raise NotificationError("reference is not a case reference code")
    base = get_settings().base_url.rstrip("/") + "/"
    url = context["status_url" if event in CLIENT_EVENTS else "staff_url"]
    if not url.startswith(base) or len(url) > 500 or any(c.isspace() for c in url):
        raise NotificationError(f"the link must be a URL under BASE_URL ({base})")


def _check_fallback(fallback: list[tuple[str, str]] | None) -> list[list[str]]:
    result: list[list[str]] = []
    for channel, recipient in fallback or []:
        if channel not in CHANNELS:
            raise NotificationError(f"unknown fallback channel {channel!r}")
        result.append([channel, normalise_recipient(channel, recipient)])
    return result


def normalise_recipient(channel: str, recipient: str) -> str:
    """One spelling per address, so the unique key recognises a duplicate."""
    recipient = recipient.strip()
    if channel == "email" and "@" in recipient:
        local, _, domain = recipient.rpartition("@")
        # "ä.fi" -> "xn--4ca.fi"; a domain IDNA refuses stays as it is and fails at the send.
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("idna").decode("ascii")
        return f"{local}@{domain.lower()}"
    if channel in {"sms", "whatsapp"}:
        return re.sub(r"[\s().-]", "", recipient)
    return recipient


def queue_notification(
    session: Session,
    *,
    event: str,
    channel: str,
    recipient: str,
    locale: str,
    subject_key: str,
    context: dict[str, str],
    fallback: list[tuple[str, str]] | None = None,
    sealed: dict[str, str] | None = None,
) -> Notification | None:
    """Add an outbox row in the caller's transaction; None when it already exists.

    `sealed` holds what the message needs but no one may read at rest (a status or set-password
    link): stored encrypted, merged into the context only while sending, blanked once the row is
    done. The duplicate is stopped by the database (unique event, channel, recipient,
    subject_key) with INSERT ... ON CONFLICT DO NOTHING, which leaves the caller's transaction
    usable.
    """
    values = _row_values(event=event, channel=channel, recipient=recipient, locale=locale,
                         subject_key=subject_key, context=context, fallback=fallback,
                         sealed=sealed)
    row = _insert_ignoring_duplicate(session, values)
    if row is None:
        return None
    track_for_hand_over(session, pk(row))
    return row


def queue_notification_id(
    session: Session,
    *,
    event: str,
    channel: str,
    recipient: str,
    locale: str,
    subject_key: str,
    context: dict[str, str],
    fallback: list[tuple[str, str]] | None = None,
    sealed: dict[str, str] | None = None,
) -> int | None:
    """`queue_notification` for a caller that needs only the new row's id (a new case's
    acknowledgement): the same checks and row, without an ORM object for it in the session.
    None when the row already exists."""
    values = _row_values(event=event, channel=channel, recipient=recipient, locale=locale,
                         subject_key=subject_key, context=context, fallback=fallback,
                         sealed=sealed)
    stmt = _INSERT_ID_IGNORING.get(session.get_bind().dialect.name)
    if stmt is None:  # pragma: no cover - other databases: the ORM path with its savepoint
        row = _insert_ignoring_duplicate(session, values)
        row_id = pk(row) if row is not None else None
    else:
        row_id = session.execute(stmt, values).scalar()
    if row_id is None:
        return None
    track_for_hand_over(session, row_id)
    return int(row_id)


def _row_values(
    *,
    event: str,
    channel: str,
    recipient: str,
    locale: str,
    subject_key: str,
    context: dict[str, str],
    fallback: list[tuple[str, str]] | None,
    sealed: dict[str, str] | None,
) -> dict[str, Any]:
    """The checked outbox row, every column but the id, as plain values."""
    if event not in EVENTS:
        raise NotificationError(f"unknown event {event!r}")
    if channel not in CHANNELS:
        raise NotificationError(f"unknown channel {channel!r}")
    if event not in CLIENT_EVENTS and channel != "email":
        raise NotificationError("staff notifications go by email")
    if event in REPLY_EVENTS and (channel != "whatsapp" or fallback):
        raise NotificationError("a reply goes back on WhatsApp, the way the message came")
    if not subject_key or len(subject_key) > 120:
        raise NotificationError("subject_key must be 1-120 characters")
    sealed = dict(sealed or {})
    if "reply_text" in sealed and channel != "whatsapp":
        raise NotificationError("the advisor's text goes only by WhatsApp")
    if overlap := set(sealed) & set(context):
        raise NotificationError(f"{sorted(overlap)} given both in context and sealed")
    _check_context(event, {**context, **sealed}, frozenset(sealed))
    at = now()
    values = row_values(
        Notification,
        event=event,
        channel=channel,
        recipient=normalise_recipient(channel, recipient)[:320],
        locale=(locale or "")[:8],
        subject_key=subject_key,
        reference=context.get("reference", ""),
        context=dict(context),
        fallback=_check_fallback(fallback),
        sealed=seal_values(sealed),
        next_attempt_at=at,
        # Handed over when the caller commits (see _after_commit); should that fail, the relay
        # hands it over once the grace period has passed.
        enqueued_at=at,
        created_at=at,
        updated_at=at,
    )
    del values["id"]  # the database's to give
    return values


def seal_values(values: dict[str, str]) -> str:
    return crypto.seal_text(json.dumps(values), SEALED_PURPOSE) if values else ""


def sealed_values(row: Notification) -> dict[str, str]:
    """The row's secrets, opened for sending; empty once the row is done."""
    if not row.sealed:
        return {}
    return dict(json.loads(crypto.open_text(row.sealed, SEALED_PURPOSE)))


def message_context(row: Notification) -> dict[str, str]:
    """Everything the message text may use: the plain context and the opened secrets."""
    return {**row.context, **sealed_values(row)}


# Built once: the values go as parameters, so no statement is rebuilt (and coerced) per row.
_INSERT_IGNORING = {
    "postgresql": pg_insert(Notification).on_conflict_do_nothing().returning(Notification),
    "sqlite": sqlite_insert(Notification).on_conflict_do_nothing().returning(Notification),
}


_TABLE = table_of(Notification)
_INSERT_ID_IGNORING = {
    "postgresql": pg_insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id),
    "sqlite": sqlite_insert(_TABLE).on_conflict_do_nothing().returning(_TABLE.c.id),
}


def _insert_ignoring_duplicate(session: Session, values: dict) -> Notification | None:
    stmt = _INSERT_IGNORING.get(session.get_bind().dialect.name)
    if stmt is None:  # pragma: no cover - other databases: a savepoint keeps the caller's work
        from sqlalchemy.exc import IntegrityError

        try:
            with session.begin_nested():
                row = Notification(**values)
                session.add(row)
            return row
        except IntegrityError:
            return None
    # One round trip: the row comes back as an object in the session, or nothing on a duplicate.
    return session.scalars(stmt, [values]).first()


def track_for_hand_over(session: Session, row_id: int) -> None:
    """Hand this row to the broker when the session's transaction commits."""
    pending = session.info.get(_PENDING_KEY)
    if pending is None:
        pending = session.info[_PENDING_KEY] = []
        if not sa_event.contains(session, "after_commit", _after_commit):
            sa_event.listen(session, "after_commit", _after_commit)
            sa_event.listen(session, "after_rollback", _after_rollback)
    pending.append(row_id)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is visible to a worker until the real commit
    ids = session.info.pop(_PENDING_KEY, None)
    if not ids:
        return
    handed = hand_over(ids)
    if handed < len(ids):
        _not_handed_over(session, ids[handed:])


def _not_handed_over(session: Session, ids: list[int]) -> None:
    """Mark rows the broker did not take, so the relay takes them at its next pass."""
    from sqlalchemy import update

    engine = session.get_bind().engine  # an Engine's .engine is itself
    table = table_of(Notification)
    try:
        with engine.begin() as conn:
            conn.execute(
                update(table)
                .where(table.c.id.in_(ids), table.c.state == "pending")
                .values(enqueued_at=None)
            )
    except Exception as exc:  # noqa: BLE001 - then the relay takes them after its grace period
        log.warning("outbox rows %s not marked for the relay: %s", ids, type(exc).__name__)


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # only a savepoint: the rows outside it still commit (the others are not found)
    # The rows are gone with the transaction: nothing to hand over.
    session.info.pop(_PENDING_KEY, None)


def hand_over(ids: list[int]) -> int:
    """Give rows to the broker now; whatever fails stays pending for the relay, and the next
    REST_SECONDS of hand-overs leave theirs to it at once (notify.broker.REST). Never raises."""
    if broker.REST.resting:
        return 0
    try:
        from notify import tasks

        handed = tasks.enqueue(ids)
    except Exception as exc:  # noqa: BLE001 - a notification must never fail its cause
        log.warning("outbox rows %s left for the relay: %s", ids, type(exc).__name__)
        handed = 0
    if handed < len(ids):
        broker.REST.start()
    return handed


def hand_over_later(row_id: int, delay_ms: int) -> None:
    """A retry: the broker holds it until due; if that fails, the relay finds it when due."""
    try:
        from notify import tasks

        tasks.enqueue([row_id], delays_ms={row_id: delay_ms})
    except Exception as exc:  # noqa: BLE001
        log.warning("outbox row %d retry left for the relay: %s", row_id, type(exc).__name__)


def notifications_for(session: Session, reference: str) -> list[Notification]:
    """A case's notifications, oldest first, for staff to see what reached the client."""
    query = select(Notification).where(col(Notification.reference) == reference)
    return list(session.scalars(query.order_by(col(Notification.created_at), col(Notification.id))))


def stale_count(session: Session) -> int:
    """Notifications still unsent after OUTBOX_ALERT_MINUTES (for the supervisor dashboard)."""
    from datetime import timedelta

    from sqlalchemy import func

    from notify.models import UNSENT_STATES

    cutoff = now() - timedelta(minutes=get_settings().outbox_alert_minutes)
    query = (
        select(func.count())
        .select_from(table_of(Notification))
        .where(col(Notification.state).in_(UNSENT_STATES), col(Notification.created_at) < cutoff)
    )
    return int(session.scalar(query) or 0)


def forget_recipient(session: Session, reference: str) -> int:
    """Anonymisation: blank the client's address (and fallbacks) on the case's finished rows.

    Rows still pending or sending keep theirs, or they could never be sent. Staff rows keep the
    staff address: it is no client data, and blanking several would collide on the unique key.
    Returns how many rows were changed.
    """
    from sqlalchemy import update

    from notify.models import UNSENT_STATES

    result = session.execute(
        update(Notification)
        .where(
            col(Notification.reference) == reference,
            col(Notification.event).in_(CLIENT_EVENTS),
            col(Notification.state).not_in(UNSENT_STATES),
            col(Notification.recipient) != "",
        )
        .values(recipient="", fallback=[], sealed="", updated_at=now())
    )
    return rowcount(result)


def reseal_pending(session: Session) -> dict[str, int]:
    """After a key rotation: seal again the secrets of rows not yet done (the others have none)."""
    from sqlalchemy import update

    counts = {"resealed": 0, "failed": 0}
    rows = session.execute(select(col(Notification.id), col(Notification.sealed)).where(
        col(Notification.sealed) != ""))
    for row_id, sealed in rows.all():
        if not crypto.text_needs_reseal(sealed):
            continue
        try:
            values = json.loads(crypto.open_text(sealed, SEALED_PURPOSE))
        except crypto.CryptoError:
            counts["failed"] += 1
            continue
        session.execute(update(Notification).where(Notification.id == row_id)
                        .values(sealed=seal_values(values)))
        counts["resealed"] += 1
    return counts
