"""A request asked for on WhatsApp: storage and sending around the conversation engine.

intake.inbound hands over a message from a number that has proven no open case (or that wrote
the word for "new"), and every later message of a conversation under way. The state rests
sealed, keyed by a keyed hash of the number, and only until the case is made, she stops, or it
was left for WHATSAPP_CONVERSATION_HOURS; then only a count of how it ended stays.

The finished conversation makes the case through the form's own path: the answers become the
fields the web form posts (`conversation.form_fields`), `validation.validate` reads them and
`service.submit_in` makes the case with one idempotency key per conversation. The messages came
from her number, so the number is proven for the case it made (intake/inbound.py's rule): her
later messages and her advisor's answers go there. Its closing message is the acknowledgement
(`_closing`), and the photos and documents she sent along the way become messages of the case
with their files, fetched later by the media job (`_attach_files`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select
from starlette.datastructures import FormData, UploadFile

from intake import conversation as engine
from intake import media as media_files
from intake.forms import payload_from_form
from intake.models import Case, CaseTranscript, ConversationCount, WhatsAppConversation
from intake.references import new_idempotency_key
from intake.service import IdempotencyConflict, submit_in
from intake.validation import validate
from notify.inbound import InboundMessage, say
from yhteys import crypto, i18n
from yhteys.clock import as_utc, now
from yhteys.db import pk, plus, table_of
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

PURPOSE = "whatsapp-conversation"


def _lasts() -> timedelta:
    return timedelta(hours=get_settings().whatsapp_conversation_hours)


def count(session: Session, outcome: str, more: int = 1) -> None:
    """More conversations that ended this way (an upsert: webhooks arrive concurrently)."""
    table = table_of(ConversationCount)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(outcome=outcome, count=more)
    session.execute(stmt.on_conflict_do_update(index_elements=[table.c.outcome],
                                               set_={"count": plus(table.c.count, more)}))


def counts(session: Session) -> dict[str, int]:
    return {row.outcome: row.count for row in session.exec(select(ConversationCount))}


def running(session: Session, key: str) -> WhatsAppConversation | None:
    """The conversation under way for this number's key; one left too long is forgotten."""
    row = session.get(WhatsAppConversation, key, with_for_update=True)
    if row is not None and now() - as_utc(row.updated_at) >= _lasts():
        session.delete(row)
        count(session, "expired")
        session.flush()
        return None
    return row


def start(session: Session, message: InboundMessage, key: str) -> bool:
    """A new conversation for a number that has none under way (`running` found none: one
    under way takes the word for "new" itself, as a command of the engine)."""
    from yhteys.organisation import organisation

    state, replies = engine.begin(message.text.strip() or message.choice,
                                  organisation().emergency_number)
    state["key"] = new_idempotency_key()  # one case per conversation, however often it ends
    if message.media is not None:  # a photo as her first message waits for the request too
        engine.keep_file(state, engine.Incoming(message.text, file=_file(message)))
    if not _insert(session, key, state):
        # Two first messages at the same moment: the other one's transaction made the
        # conversation first. This message is its next answer, not lost on the table's key.
        row = session.get(WhatsAppConversation, key, with_for_update=True,
                          populate_existing=True)
        if row is not None:
            return go_on(session, message, row)
        return start(session, message, key)  # that conversation ended meanwhile
    count(session, "started")
    _send(session, message, replies, "en")
    return True


def _insert(session: Session, key: str, state: engine.State) -> bool:
    """The conversation's row, unless one for this number was made meanwhile (an insert that
    does nothing on the key: PostgreSQL waits for the other transaction, then says which)."""
    table = table_of(WhatsAppConversation)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = WhatsAppConversation(number_key=key, state=_seal(state)).model_dump()
    stmt = insert(table).values(**values).on_conflict_do_nothing().returning(table.c.number_key)
    return session.execute(stmt).scalar() is not None


def _file(message: InboundMessage) -> dict[str, str] | None:
    held = media_files.held_form(message.media)
    return None if held is None else {**held, "at": message.received_at.isoformat()}


def go_on(session: Session, message: InboundMessage, row: WhatsAppConversation) -> bool:
    state = json.loads(crypto.open_text(row.state, PURPOSE))
    state, replies = engine.step(state, engine.Incoming(message.text, message.choice,
                                                         file=_file(message)))
    locale = state["locale"] or "en"
    if state["at"] == engine.STOPPED:
        session.delete(row)
        count(session, "stopped")
    elif state["at"] == engine.SUBMIT:
        made = _make_case(session, message, state)
        if made is None:  # the whole request was refused: back to the question at fault
            replies = [engine.ask(state, error=state.pop("error"))]
            state["transcript"].append(["service", engine.render_text(replies[0])])
        else:
            session.delete(row)
            count(session, "finished")
            replies = [engine.Reply(_closing(session, made, locale))]
    if state["at"] not in {engine.STOPPED, engine.SUBMIT}:
        row.state, row.updated_at = _seal(state), now()
        session.add(row)
    _send(session, message, replies, locale)
    return True


def _make_case(session: Session, message: InboundMessage, state: engine.State) -> Case | None:
    fields: list[tuple[str, str | UploadFile]] = list(engine.form_fields(state, message.number))
    payload = payload_from_form(state["kind"], FormData(fields))
    payload["kind"] = state["kind"]
    result = validate(payload)
    if result.submission is None:
        key, entries = next(iter(result.errors))
        state["at"] = engine.step_of_error(state, key)
        with i18n.use_locale(state["locale"]):
            state["error"] = entries[0].message(key)
        return None
    try:
        outcome = submit_in(session, result.submission, idempotency_key=state["key"],
                            ui_locale=state["locale"], source="whatsapp")
    except IdempotencyConflict:  # changed after an earlier send: a request of its own
        outcome = submit_in(session, result.submission, idempotency_key=new_idempotency_key(),
                            ui_locale=state["locale"], source="whatsapp")
    case = outcome.case
    if not outcome.replayed:
        _attach_files(session, case, state.get("files", []))
    _prove(session, message, case)
    closing = engine.t.closing(state["locale"], case.reference)
    lines = [*state["transcript"], ["service", closing]]
    if session.get(CaseTranscript, case.id) is None:
        session.add(CaseTranscript(case_id=pk(case), lines=lines))
    return case


def _closing(session: Session, case: Case, locale: str) -> str:
    """The last message is also the acknowledgement (none other is queued for a case a
    conversation made, intake.notifications): one message cannot arrive before another. It
    carries the reference and a fresh single-use link to the request, sealed like every step's
    text; never anything she wrote."""
    from intake.reopen import notice_values

    _context, sealed = notice_values(session, case, locale)
    return engine.t.closing(locale, case.reference, sealed.get("status_url", ""))


def _attach_files(session: Session, case: Case, files: list[dict[str, str]]) -> None:
    """The photos and documents sent along the way: each a message of the case with its file,
    fetched later by the media job (never in the webhook's request)."""
    from intake.inbound import attach

    for item in files:
        at = datetime.fromisoformat(item["at"]) if item.get("at") else now()
        attach(session, case, item.get("caption", ""), at, media_files.from_held(item))


def _prove(session: Session, message: InboundMessage, case: Case) -> None:
    """She wrote every answer from this number: it is proven for the case, which her next
    messages reach (intake.inbound's thread)."""
    from intake.inbound import choose_case

    if case.whatsapp_proven_at is None:
        case.whatsapp_proven_at = now()
        session.add(case)
    choose_case(session, message.number, case)


def _send(session: Session, message: InboundMessage, replies: list[engine.Reply],
          locale: str) -> None:
    for number, reply in enumerate(replies):
        options = ""
        if reply.options:
            options = json.dumps({"button": reply.button,
                                  "rows": reply.as_dict()["options"]}, ensure_ascii=False)
        say(session, message, number, locale=locale, text=engine.render_body(reply),
            options=options)


def _seal(state: engine.State) -> str:
    return crypto.seal_text(json.dumps(state, ensure_ascii=False), PURPOSE)


def forget_left(session: Session) -> int:
    """Conversations left longer than WHATSAPP_CONVERSATION_HOURS: gone, only counted."""
    cutoff = now() - _lasts()
    left = int(session.scalar(select(func.count()).select_from(table_of(WhatsAppConversation))
                              .where(col(WhatsAppConversation.updated_at) < cutoff)) or 0)
    if left:
        session.execute(delete(WhatsAppConversation)
                        .where(col(WhatsAppConversation.updated_at) < cutoff))
        count(session, "expired", left)
    return left


def reseal(session: Session) -> dict[str, int]:
    """After a key rotation: conversations sealed again (one that cannot be opened goes)."""
    counts_ = {"resealed": 0, "failed": 0}
    for row in session.exec(select(WhatsAppConversation)):
        if not crypto.text_needs_reseal(row.state):
            continue
        try:
            row.state = crypto.seal_text(crypto.open_text(row.state, PURPOSE), PURPOSE)
            counts_["resealed"] += 1
            session.add(row)
        except crypto.CryptoError:
            session.delete(row)
            counts_["failed"] += 1
    return counts_

