"""Deliver one outbox row: claim it, send it through its channel, record what happened.

Dramatiq delivers at least once, and a worker killed by SIGKILL has its message redelivered
without any retry being counted. So the truth is in the row, not in the broker:

- A row is *claimed* before sending with one conditional UPDATE (pending and due, or sending with
  an expired lease): state "sending", attempts + 1, lease_until. Only one worker can win it; a
  redelivered message for a sent row, or one someone else holds, returns at once.
- `attempts` counts claims, including those a crash interrupted, and doubles as a fencing token:
  the result is written only if the row still carries our attempt number, so a worker that
  outlived its lease cannot overwrite a newer claim.
- Transient failures go back to pending with exponential backoff (next_attempt_at); permanent
  ones are "failed" at once; OUTBOX_MAX_ATTEMPTS claims without success make the row "dead".

The one window no outbox can close: the provider accepted the message and the worker died before
recording it. After the lease the row is sent again. We narrow the harm with provider idempotency
where it exists: the email keeps the same Message-ID on every attempt (receiving systems drop the
duplicate), SMS carries an Idempotency-Key, and WhatsApp message ids are stored at once.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, text, update
from sqlmodel import Session

from notify.channels import channel_for
from notify.channels.base import Outgoing, Permanent, SendError, Sent, Transient
from notify.messages import message_locale, render
from notify.models import Notification, WhatsAppWindow
from yhteys import metrics
from yhteys.clock import as_utc, now
from yhteys.db import get_engine, plus, rowcount, table_of
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

# Tunable by the worker command (--lease) and by tests; defaults suit real providers.
LEASE_SECONDS = 120.0  # longer than the slowest send (SMTP TIMEOUT per command is 20 s)
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 3600.0
WINDOW = timedelta(hours=24)

T = table_of(Notification).c
# The delivery metric's result for each state a send leaves a row in.
RESULTS = {"sent": "sent", "pending": "retry", "failed": "failed", "dead": "dead"}


@dataclass(frozen=True)
class Claim:
    row: Notification
    attempts: int


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, capped; a provider's Retry-After wins if longer."""
    delay = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    delay *= random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CAP_SECONDS))
    return delay


def claim(session: Session, row_id: int, *, lease: float | None = None) -> Claim | None:
    """Take the row for sending, or None if it is not ours to send now."""
    at = now()
    max_attempts = get_settings().outbox_max_attempts
    stmt = (
        update(Notification)
        .where(
            T.id == row_id,
            T.attempts < max_attempts,
            or_(
                and_(T.state == "pending", T.next_attempt_at <= at),
                and_(T.state == "sending", T.lease_until < at),
            ),
        )
        .values(
            state="sending",
            attempts=plus(T.attempts),
            lease_until=at + timedelta(seconds=lease or LEASE_SECONDS),
            updated_at=at,
        )
        .returning(Notification)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Losing a claim in a database crash only means the row is claimed again later, and a
        # claim is always written before its result: it need not wait for the disk.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    row = session.scalars(stmt).one_or_none()
    session.commit()
    if row is None:  # sent, failed, held by another worker, not due, or out of attempts
        return None
    return Claim(row=row, attempts=row.attempts)


def bury_interrupted(session: Session, ids: list[int] | None = None) -> int:
    """Rows whose sends were interrupted OUTBOX_MAX_ATTEMPTS times are dead, not forgotten."""
    at = now()
    stmt = update(Notification).where(
        T.state == "sending",
        T.lease_until < at,
        T.attempts >= get_settings().outbox_max_attempts,
    )
    if ids is not None:
        stmt = stmt.where(T.id.in_(ids))
    result = session.execute(
        stmt.values(
            state="dead",
            error_code="interrupted",
            error_text="Sending was interrupted too many times",
            lease_until=None,
            updated_at=at,
        ).execution_options(synchronize_session=False)
    )
    buried = rowcount(result)
    if buried:
        log.error("outbox rows given up after interrupted sends: %s", ids or buried)
    return buried


E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def valid_recipient(channel: str, recipient: str) -> bool:
    if channel in {"sms", "whatsapp"}:
        return bool(E164.match(recipient))
    # The mail server judges the rest (a 550 is a permanent failure too); this stops what would
    # break the message itself, such as a line break smuggling in another header.
    # Non-ASCII local parts would need SMTPUTF8, which many servers lack: refused here, visibly.
    return bool(EMAIL.match(recipient)) and recipient.isprintable() and recipient.isascii()


def window_open(session: Session, number: str) -> bool:
    window = session.get(WhatsAppWindow, number)
    return window is not None and as_utc(window.last_inbound_at) > now() - WINDOW


def outgoing_for(session: Session, row: Notification) -> Outgoing:
    from notify.outbox import message_context

    locale = message_locale(row.locale)
    context = message_context(row)
    return Outgoing(
        id=row.id or 0,
        token=row.token,
        event=row.event,
        channel=row.channel,
        recipient=row.recipient,
        locale=locale,
        message=render(row.event, locale, context),
        context=context,
        window_open=row.channel == "whatsapp" and window_open(session, row.recipient),
        mode=row.mode,
    )


def deliver_row(row_id: int, *, lease: float | None = None) -> str | None:
    """Claim, send and record one row. Returns the new state, or None if not ours."""
    settings = get_settings()
    with Session(get_engine(), expire_on_commit=False) as session:
        taken = claim(session, row_id, lease=lease)
        if taken is None:
            return None
        if not valid_recipient(taken.row.channel, taken.row.recipient):
            invalid = Permanent("invalid_address", "The address is not valid", use_fallback=True)
            return record(session, taken, invalid)
        try:
            outgoing = outgoing_for(session, taken.row)
        except Exception as exc:  # noqa: BLE001 - a missing template is permanent
            log.error("outbox row %d cannot be rendered: %s", row_id, type(exc).__name__)
            return record(session, taken, Permanent("render", "The message text is missing"))
        session.commit()  # ends the read transaction: none is held open across the network call
        try:
            result: Sent | SendError = channel_for(taken.row.channel, settings).send(outgoing)
        except SendError as exc:
            result = exc
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the row: retry, then dead
            log.exception("outbox row %d: unexpected error while sending", row_id)
            result = Transient("error", f"Unexpected error ({type(exc).__name__})")
        return record(session, taken, result)


def record(session: Session, taken: Claim, result: Sent | SendError) -> str | None:
    row, at = taken.row, now()
    values: dict = {"lease_until": None, "updated_at": at}
    delay_ms: int | None = None
    if isinstance(result, Sent):
        values.update(
            state="sent", sent_at=at, provider_id=result.provider_id[:128],
            error_code="", error_text="",
        )
        if result.mode:
            values["mode"] = result.mode
    elif isinstance(result, Transient) and taken.attempts < get_settings().outbox_max_attempts:
        delay = backoff_seconds(taken.attempts, result.retry_after)
        due = at + timedelta(seconds=delay)
        values.update(
            state="pending",
            next_attempt_at=due,
            enqueued_at=due,  # handed over below with this delay; the relay waits for it
            error_code=result.code,
            error_text=result.text,
        )
        delay_ms = int(delay * 1000)
    else:
        state = "dead" if isinstance(result, Transient) else "failed"
        values.update(state=state, error_code=result.code, error_text=result.text)
    if done_with_secrets(row.channel, values["state"]):
        values["sealed"] = ""
    stmt = (
        update(Notification)
        .where(T.id == row.id, T.state == "sending", T.attempts == taken.attempts)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(session.execute(stmt)) != 1:
        session.rollback()
        log.warning("outbox row %d was taken over while sending; result dropped", row.id)
        return None
    if isinstance(result, Permanent) and result.use_fallback:
        queue_fallback(session, row)
    session.commit()
    _log_result(row.id or 0, values["state"], result)
    metrics.DELIVERIES.labels(row.channel, RESULTS[values["state"]]).inc()
    if delay_ms is not None:
        from notify.outbox import hand_over_later

        hand_over_later(row.id or 0, delay_ms)
    return values["state"]


def done_with_secrets(channel: str, state: str) -> bool:
    """Nothing will send this row again, so its sealed link can go. A WhatsApp text can still
    come back as "window closed" and be resent as the template: it keeps the link until
    delivered, failed, or the sweep (forget_sealed) a day later."""
    if state in {"failed", "dead", "delivered", "read"}:
        return True
    return state == "sent" and channel != "whatsapp"


def forget_sealed(session: Session, *, older_than: timedelta = WINDOW) -> int:
    """Blank the secrets of rows finished more than a day ago (WhatsApp rows left "sent")."""
    from notify.models import REPLY_EVENTS, UNSENT_STATES

    cutoff = now() - older_than
    result = session.execute(
        update(Notification)
        .where(T.sealed != "", T.state.not_in(UNSENT_STATES), T.updated_at < cutoff)
        .values(sealed="")
        .execution_options(synchronize_session=False)
    )
    # Answers to numbers that wrote to us belong to no case, so anonymisation never reaches
    # them: their number goes a day after the answer.
    session.execute(
        update(Notification)
        .where(T.event.in_(REPLY_EVENTS), T.recipient != "", T.state.not_in(UNSENT_STATES),
               T.updated_at < cutoff)
        .values(recipient="")
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def forget_closed_windows(session: Session) -> int:
    """Delete the numbers whose 24-hour window has closed: such a row opens nothing (see
    window_open), and a phone number kept in clear must not outlive its use, nor the case that
    anonymisation erased. Returns how many were deleted."""
    from sqlalchemy import delete

    table = table_of(WhatsAppWindow)
    result = session.execute(delete(table).where(table.c.last_inbound_at <= now() - WINDOW))
    return rowcount(result)


def _log_result(row_id: int, state: str, result: Sent | SendError) -> None:
    code = result.code if isinstance(result, SendError) else ""
    if state == "sent":
        log.info("outbox row %d sent", row_id)
    elif state == "pending":
        log.info("outbox row %d will be retried (%s)", row_id, code)
    else:
        log.warning("outbox row %d %s (%s)", row_id, state, code)


def queue_fallback(session: Session, row: Notification) -> Notification | None:
    """The channel cannot reach this person: queue the same notice on the next channel given."""
    from notify.outbox import NotificationError, queue_notification

    if not row.fallback:
        return None
    from notify.outbox import sealed_values

    (channel, recipient), rest = row.fallback[0], row.fallback[1:]
    try:
        created = queue_notification(
            session,
            event=row.event,
            channel=channel,
            recipient=recipient,
            locale=row.locale,
            subject_key=row.subject_key,
            context=dict(row.context),
            fallback=[(c, r) for c, r in rest],
            # The advisor's own text was agreed for WhatsApp only: elsewhere the notice says
            # a reply waits, as it always did.
            sealed={k: v for k, v in sealed_values(row).items()
                    if k != "reply_text" or channel == "whatsapp"},
        )
    except NotificationError as exc:  # e.g. BASE_URL changed since: the failure still stands
        log.warning("outbox row %d: no fallback (%s)", row.id, exc)
        return None
    if created is not None:
        log.info("outbox row %d falls back to row %d (%s)", row.id, created.id, channel)
    return created


def due_ids(session: Session, *, grace: float, limit: int) -> list[int]:
    """Unsent rows the broker may have lost: due, and last handed over `grace` seconds ago.

    Marks them handed over (enqueued_at) in the same statement. On PostgreSQL the rows are
    locked with SKIP LOCKED, so any number of relays share the work without doubles.
    """
    at = now()
    handed_long_ago = or_(T.enqueued_at.is_(None), T.enqueued_at <= at - timedelta(seconds=grace))
    candidates = (
        select(T.id)
        .where(
            or_(
                and_(T.state == "pending", T.next_attempt_at <= at),
                and_(T.state == "sending", T.lease_until < at),
            ),
            handed_long_ago,
        )
        .order_by(T.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(Notification)
        .where(T.id.in_(candidates.scalar_subquery()))
        .values(enqueued_at=at)
        .returning(T.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.execute(stmt).scalars())
