"""Submitting a case and adding client messages: the public side's writes, one transaction each.

A case, its consents, its files, its acknowledgement (outbox row) and triage's routing are written
together or not at all. Resending the same request with the same idempotency key returns the case
made the first time; two concurrent sends of it race on the unique key and the loser reads the
winner's case.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import bindparam
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from intake import events, expectations
from intake.attachments import CleanFile
from intake.attachments import save as save_attachments
from intake.merging import survivor_of
from intake.models import Attachment, Case, CaseMessage, Consent
from intake.notifications import queue_acknowledgement
from intake.privacy import PRIVACY_NOTICE_VERSION
from intake.references import (
    STATUS_SECRET,
    idempotency_hash,
    new_reference,
    secret_hash,
    status_secret,
    status_url,
    whatsapp_code,
    whatsapp_code_hash,
)
from intake.reopen import AccessChoice, end_keys, lookup_status_key, record_choice
from intake.validation import Submission
from yhteys import metrics
from yhteys.clock import as_utc, now
from yhteys.db import new_row, pk, session_scope, table_of
from yhteys.plain_inserts import insert_rows, together
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

ATTEMPTS = 6  # reference collisions and lost races are retried this many times
DUPLICATE_MESSAGE_WINDOW = timedelta(minutes=10)


class IdempotencyConflict(Exception):  # noqa: N818 - a condition, not a failure
    """The idempotency key was already used for a different request."""


@dataclass(frozen=True)
class Outcome:
    case: Case
    secret: str
    replayed: bool
    locale: str  # the language of the status link and the acknowledgement
    # When she may expect an answer (intake.expectations), read in the transaction that made or
    # found the case: the confirmation page needs no second session for it.
    expectation: expectations.Expectation | None = None

    @property
    def reference(self) -> str:
        return self.case.reference

    @property
    def status_url(self) -> str:
        """The link, or "" when it has been ended (a resent form must not revive it)."""
        return status_url(self.secret, self.locale) if self.secret else ""


def find_replay(key: str, fingerprint: str, locale: str) -> Outcome | None:
    """The case this key already made, if any; IdempotencyConflict if it was another request."""
    with session_scope() as session:
        return _replay(session, key, fingerprint, locale)


_CASE = table_of(Case)
# Built once, values as parameters: SQLAlchemy compiles each of these a single time per process.
# A new case is by far the common answer, so the look reads three columns, not the whole row.
_BY_KEY = sa_select(_CASE.c.id, _CASE.c.fingerprint, _CASE.c.anonymised_at).where(
    _CASE.c.idempotency_key == bindparam("key"))
_CASE_COLUMNS = tuple(column.key for column in _CASE.columns if column.key != "id")
# A new case is inserted before anyone looks for the one its key may have made: the look is
# needed only when the insert finds the key taken, which a resent post is, and a new one is not.
_INSERT_NEW_CASE = {
    "postgresql": pg_insert(_CASE).on_conflict_do_nothing(
        index_elements=[_CASE.c.idempotency_key]).returning(_CASE.c.id),
    "sqlite": sqlite_insert(_CASE).on_conflict_do_nothing(
        index_elements=[_CASE.c.idempotency_key]).returning(_CASE.c.id),
}
_INSERT_CONSENTS = sa_insert(table_of(Consent))


def _replay(session: Session, key: str, fingerprint: str, locale: str) -> Outcome | None:
    found = session.execute(_BY_KEY, {"key": idempotency_hash(key)}).first()
    if found is None:
        return None
    if found.fingerprint != fingerprint or found.anonymised_at is not None:
        raise IdempotencyConflict
    existing = session.get(Case, found.id)
    if existing is None:  # pragma: no cover - deleted between the two reads of this transaction
        return None
    secret = "" if link_state(existing) != "open" else status_secret(key)
    return Outcome(existing, secret, replayed=True, locale=locale)


def submit(
    submission: Submission,
    *,
    idempotency_key: str,
    ui_locale: str,
    source: str = "web",
    files: Sequence[CleanFile] = (),
    access: AccessChoice | None = None,
    when_new: Callable[[], None] | None = None,
) -> Outcome:
    """Make the case (or return the one this key made). Raises IdempotencyConflict.

    The case's row goes in first; only when its key is taken does a look find the case that
    key made. A concurrent send of the same key waits for the first one's commit and then finds
    its case.

    `when_new`: called when the case is new, after its row and before anything else of it, in
    the same transaction (one transaction per submission, not two); it may raise to refuse, and
    the case's row is rolled back (the web form's rate limit: a resent post is never counted
    or refused).
    """
    fingerprint = submission.fingerprint(f.sha256 for f in files)
    locale = submission.notification_locale(ui_locale)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with session_scope() as session:
                case = _create(
                    session,
                    submission,
                    key=idempotency_key,
                    fingerprint=fingerprint,
                    ui_locale=ui_locale,
                    locale=locale,
                    source=source,
                    files=files,
                    access=access,
                    when_new=when_new,
                )
                if case is None:
                    replay = _replay(session, idempotency_key, fingerprint, locale)
                    if replay is None:  # pragma: no cover - its case deleted since the insert
                        continue
                    return _expecting(session, replay)
                outcome = _expecting(session, Outcome(
                    case, status_secret(idempotency_key), replayed=False, locale=locale))
            log.info("case %s created (%s, %s)", case.id, case.kind, source)
            metrics.SUBMISSIONS.labels(case.kind, source).inc()
            return outcome
        except IntegrityError:
            # A reference already taken, or the same key committed by a concurrent request:
            # the next attempt draws a new reference or finds that request's case.
            log.info("case insert collided (attempt %d), retrying", attempt)
        except OperationalError as exc:
            if "locked" not in str(exc.orig).lower() or attempt == ATTEMPTS:
                raise
            log.info("database busy (attempt %d), retrying", attempt)
    raise RuntimeError("could not store the case after several attempts")


def _expecting(session: Session, outcome: Outcome) -> Outcome:
    """The outcome with what her confirmation says about when an answer comes."""
    return replace(outcome, expectation=expectations.for_case(session, outcome.case))


def submit_in(
    session: Session, submission: Submission, *, idempotency_key: str, ui_locale: str,
    source: str,
) -> Outcome:
    """`submit` in the caller's transaction (a WhatsApp conversation ends inside the webhook's):
    the same case, consents, routing and acknowledgement. Raises IdempotencyConflict."""
    fingerprint = submission.fingerprint()
    locale = submission.notification_locale(ui_locale)
    case = _create(session, submission, key=idempotency_key, fingerprint=fingerprint,
                   ui_locale=ui_locale, locale=locale, source=source, files=())
    if case is None:
        replay = _replay(session, idempotency_key, fingerprint, locale)
        if replay is None:  # pragma: no cover - its case deleted since the insert
            raise RuntimeError("the key's case vanished during the submission")
        return replay
    log.info("case %s created (%s, %s)", case.id, case.kind, source)
    metrics.SUBMISSIONS.labels(case.kind, source).inc()
    return Outcome(case, status_secret(idempotency_key), replayed=False, locale=locale)


def _create(
    session: Session,
    submission: Submission,
    *,
    key: str,
    fingerprint: str,
    ui_locale: str,
    locale: str,
    source: str,
    files: Sequence[CleanFile],
    access: AccessChoice | None = None,
    when_new: Callable[[], None] | None = None,
) -> Case | None:
    """The new case with everything that comes with it; None, with nothing written, when a
    case of this key exists."""
    secret = status_secret(key)
    case = new_row(
        Case,
        **submission.columns(),
        reference=new_reference(),
        source=source,
        ui_locale=ui_locale,
        details=submission.details_json(),
        status_secret_hash=secret_hash(secret),
        status_link_used_at=now(),
        whatsapp_code_hash=whatsapp_code_hash(whatsapp_code(secret)),
        idempotency_key=idempotency_hash(key),
        fingerprint=fingerprint,
    )
    events.case_arriving(session, case)  # decided before the INSERT: the row goes in complete
    # The unique reference and key are checked here, before any file is written.
    if not _insert_case(session, case):
        events.case_not_stored(session, case)
        return None
    if when_new is not None:
        when_new()
    with together(session):  # the companion rows nothing reads back: one statement
        _companions(session, case, submission, locale=locale, files=files, access=access)
    session.flush()
    return case


def _companions(
    session: Session, case: Case, submission: Submission, *, locale: str,
    files: Sequence[CleanFile], access: AccessChoice | None,
) -> None:
    """What comes with a new case: consents, files, the way back, the acknowledgement, and
    triage's rows (history, clock, search, staff notices)."""
    case_id = pk(case)
    given_at = now()
    consents = [
        {"case_id": case_id, "purpose": purpose, "notice_version": PRIVACY_NOTICE_VERSION,
         "given_at": given_at}
        for purpose in submission.consent_purposes()
    ]
    if consents:  # plain rows: nothing reads them back in this transaction
        insert_rows(session, _INSERT_CONSENTS, consents)
    if files:
        save_attachments(session, case_id, list(files))
    record_choice(session, case, access)  # before the acknowledgement: it may want no links
    queue_acknowledgement(session, case, locale=locale)
    events.case_created(session, case)


def _insert_case(session: Session, case: Case) -> bool:
    """The new case's row as one plain INSERT, then the object joins the session as a stored
    row: the ORM's unit of work (and its read-back of the row) is not needed for a row whose
    every column is set here, and later changes to the object are flushed as usual. False, with
    nothing written, when its idempotency key is taken."""
    values = {name: getattr(case, name) for name in _CASE_COLUMNS}
    statement = _INSERT_NEW_CASE[session.get_bind().dialect.name]
    case_id: int | None = session.execute(statement, values).scalar()
    if case_id is None:
        return False
    case.id = case_id
    make_transient_to_detached(case)
    session.add(case)
    return True


# --- The status page -----------------------------------------------------------------------------


LINK_TOUCH_EVERY = timedelta(hours=1)  # the last-used time is written at most this often


def link_state(case: Case, survivor: Case | None = None) -> str:
    """"open", or why the link no longer opens the case: "ended" (by the client or staff),
    "idle" (unused STATUS_LINK_IDLE_DAYS), "expired" (closed and due for anonymisation).

    `case` is the case the link was made for; `survivor` the case it opens, when that case was
    merged into another (its data lives on there, so there it expires)."""
    settings = get_settings()
    survivor = survivor or case
    if case.status_link_ended_at is not None:
        return "ended"
    idle_days = settings.status_link_idle_days
    last_used = case.status_link_used_at or case.created_at
    if idle_days > 0 and now() - as_utc(last_used) >= timedelta(days=idle_days):
        return "idle"
    if survivor.closed_at is not None:
        kept_until = as_utc(survivor.closed_at) + timedelta(days=settings.retention_days)
        if now() >= kept_until:
            return "expired"  # due for anonymisation: the link ends with the data
    return "open"


def _link_and_case(session: Session, secret: str) -> tuple[Case | None, Case | None, str]:
    """The case the link was made for, the case it opens (the survivor of a merge), the state."""
    if not STATUS_SECRET.match(secret):
        return None, None, "unknown"
    row = session.exec(select(Case).where(Case.status_secret_hash == secret_hash(secret))).first()
    if row is None:
        # A fresh secret given when a single-use link or the PIN opened the case (intake/reopen.py).
        row, state = lookup_status_key(session, secret)
        case = survivor_of(session, row) if row is not None else None
        if row is None or case is None or case.anonymised_at is not None:
            return None, None, "unknown"
        return row, case, state
    case = survivor_of(session, row)
    if case is None or case.anonymised_at is not None:
        return None, None, "unknown"
    return row, case, link_state(row, case)


def lookup_secret(session: Session, secret: str) -> tuple[Case | None, str]:
    """The case a status link names and the link's state; (None, "unknown") for a wrong or
    anonymised link. Only a holder of the real link can tell "ended" from "unknown". The link
    of a case merged into another names the surviving case."""
    _row, case, state = _link_and_case(session, secret)
    return case, state


def case_for_secret(session: Session, secret: str) -> Case | None:
    """The case a status link opens; None for a wrong, ended, idle or expired link. Opening it
    counts as using it (written hourly at most, on the link's own case)."""
    row, case, state = _link_and_case(session, secret)
    if row is None or case is None or state != "open":
        return None
    if row.status_secret_hash != secret_hash(secret):
        return case  # a fresh key: the original link's last use stays as it was
    used = row.status_link_used_at
    if used is None or now() - as_utc(used) >= LINK_TOUCH_EVERY:
        row.status_link_used_at = now()
        if not row.whatsapp_code_hash:  # cases from before the code: set it on first sight
            row.whatsapp_code_hash = whatsapp_code_hash(whatsapp_code(secret))
        session.add(row)
    return case


def end_link_of_secret(session: Session, secret: str, *, by: str) -> bool:
    """End the link itself (of a merged case too, whose link opens the survivor)."""
    row, case, state = _link_and_case(session, secret)
    if row is None or state != "open":
        return False
    return end_status_link(session, row, by=by)


def end_status_link(session: Session, case: Case, *, by: str) -> bool:
    """End the link now ("I lost my phone", or staff): it opens nothing any more. False if it
    had already ended. Fresh keys and unused single-use links end with it, even then (a key
    given after an earlier ending must not outlive this one)."""
    end_keys(session, case)
    if case.status_link_ended_at is not None:
        return False
    case.status_link_ended_at, case.status_link_ended_by = now(), by
    case.updated_at = now()
    session.add(case)
    log.info("status link of case %s ended by %s", case.id, by)
    return True


@dataclass(frozen=True)
class ConversationEntry:
    author: str  # client | staff
    body: str
    created_at: object
    files: int


def conversation(session: Session, case: Case) -> list[ConversationEntry]:
    """The request itself, then every message the client may see, oldest first."""
    files: dict[int | None, int] = {}
    for attachment in session.exec(select(Attachment).where(Attachment.case_id == case.id)):
        files[attachment.message_id] = files.get(attachment.message_id, 0) + 1
    entries = [ConversationEntry("client", case.message, case.created_at, files.get(None, 0))]
    query = (
        select(CaseMessage)
        .where(CaseMessage.case_id == case.id)
        .order_by(col(CaseMessage.created_at), col(CaseMessage.id))
    )
    for message in session.exec(query):
        entries.append(
            ConversationEntry(
                message.author, message.body, message.created_at, files.get(message.id, 0)
            )
        )
    # A merged case's request is a message dated when she sent it, perhaps before this request.
    entries.sort(key=lambda entry: as_utc(entry.created_at))  # type: ignore[arg-type]
    return entries


def add_client_message(
    case_id: int, body: str, *, files: Sequence[CleanFile] = (), channel: str = "web"
) -> CaseMessage:
    """Add the client's message (and files) to the case, and tell triage, in one transaction.

    The same text sent again within a few minutes without files is a double click: the first
    message is returned and nothing is added.
    """
    with session_scope() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise LookupError(case_id)
        if not files:
            duplicate = _recent_duplicate(session, case_id, body)
            if duplicate is not None:
                return duplicate
        message = append_client_message(session, case, body, files=files, channel=channel)
    log.info("client message %s added to case %s", message.id, case_id)
    return message


def append_client_message(
    session: Session,
    case: Case,
    body: str,
    *,
    files: Sequence[CleanFile] = (),
    channel: str = "web",
) -> CaseMessage:
    """The client's message on the case, in the caller's transaction (web form or WhatsApp)."""
    message = CaseMessage(case_id=pk(case), author="client", channel=channel, body=body)
    session.add(message)
    session.flush()
    if files:
        save_attachments(session, pk(case), list(files), message_id=message.id)
    case.client_replied = True
    case.updated_at = now()
    session.add(case)
    events.client_message_added(session, case, message)
    session.flush()
    return message


def _recent_duplicate(session: Session, case_id: int, body: str) -> CaseMessage | None:
    query = (
        select(CaseMessage)
        .where(CaseMessage.case_id == case_id)
        .order_by(col(CaseMessage.id).desc())
        .limit(1)
    )
    last = session.exec(query).first()
    if last is None or last.author != "client" or last.body != body:
        return None
    if now() - as_utc(last.created_at) > DUPLICATE_MESSAGE_WINDOW:
        return None
    return last
