"""WhatsApp messages from clients, and which case (if any) each one belongs to.

A phone number proves nothing: anyone can open a case naming anyone's number, e.g. a relative
who wants to read what she writes. So a message from a number reaches only a case whose client
has *proven* that number: she sent, from it, the WhatsApp code shown on that case's own page
(`references.whatsapp_code`, derived from the status secret, so only the case's link holder sees
it). A case someone else opened with her number never gets her messages.

When a number has proven several open cases, the person chooses: by replying to one of our
messages about a case, by tapping a reference in the list we send, or by sending that case's
code. The message that asked is held (sealed, an hour at most) until she chooses. A number that
has proven no case gets one neutral answer a day, the same whether or not some case names it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_
from sqlmodel import Session, col, select

from intake import media as media_files
from intake.help_today_phrases import says_help_today
from intake.models import Case, CaseMessage, WhatsAppThread
from intake.references import split_whatsapp_code, whatsapp_code_hash
from intake.schemas import MESSAGE_MAX
from intake.service import append_client_message
from intake.urgency import raise_urgency
from notify.inbound import InboundMedia, InboundMessage, reference_replied_to, reply
from yhteys import crypto, ratelimit
from yhteys.clock import as_utc, now
from yhteys.i18n import DEFAULT_LOCALE, LANGUAGES
from yhteys.settings import get_settings

log = logging.getLogger(__name__)

CHOICE_LASTS = timedelta(hours=24)  # a chosen case keeps the thread this long after the choice
HELD_FOR = timedelta(hours=1)
NOT_LINKED_EVERY = timedelta(hours=24)
WRONG_CODES_PER_DAY = 5
THREAD_KEPT = timedelta(days=30)  # a thread with nothing held is forgotten after this
HELD_PURPOSE = "whatsapp-held"


def whatsapp_number(case: Case) -> str:
    if case.contact_channel == "whatsapp":
        return case.contact_address
    return case.backup_address if case.backup_channel == "whatsapp" else ""


def whatsapp_proven(case: Case) -> bool:
    """May this case's WhatsApp number be sent anything beyond a content-free notice?"""
    return bool(whatsapp_number(case)) and case.whatsapp_proven_at is not None


def open_cases_for_number(session: Session, number: str) -> list[Case]:
    """Every open case that names this number for WhatsApp, proven or not, newest first."""
    query = (
        select(Case)
        .where(
            Case.state != "closed",
            col(Case.anonymised_at).is_(None),
            or_(
                and_(col(Case.contact_channel) == "whatsapp", col(Case.contact_address) == number),
                and_(col(Case.backup_channel) == "whatsapp", col(Case.backup_address) == number),
            ),
        )
        .order_by(col(Case.created_at).desc(), col(Case.id).desc())
    )
    return list(session.exec(query))


def number_key(number: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"whatsapp-thread|{number}".encode(), hashlib.sha256).hexdigest()


def _clean(text: str) -> str:
    """Drop control characters (NUL breaks PostgreSQL) instead of refusing: the client cannot
    be shown an error on WhatsApp."""
    value = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    kept = (
        c for c in value if c in "\n\t" or unicodedata.category(c) not in {"Cc", "Cs"}
    )
    return "".join(kept).strip()[:MESSAGE_MAX]


def _locale(case: Case | None) -> str:
    if case is None:
        return DEFAULT_LOCALE if DEFAULT_LOCALE in LANGUAGES else "en"
    return case.language if case.language in LANGUAGES else case.ui_locale


def _thread(session: Session, number: str) -> WhatsAppThread:
    key = number_key(number)
    thread = session.get(WhatsAppThread, key)
    if thread is None:
        thread = WhatsAppThread(number_key=key)
        session.add(thread)
    return thread


def attach(session: Session, case: Case, text: str, received_at: datetime,
            media: InboundMedia | None = None) -> CaseMessage:
    message = append_client_message(session, case, _clean(text) or "…", channel="whatsapp")
    message.created_at = received_at
    session.add(message)
    if media is not None:  # fetched later by the media job, never in the webhook's request
        session.flush()
        media_files.record(session, case, message, media)
    log.info("WhatsApp message %s added to case %s", message.id, case.id)
    return message


def _help_today(session: Session, case: Case, message: InboundMessage) -> None:
    """She says she needs help today: kept as her message, and the case rises in the same
    transaction. Only ever for a proven number's chosen case (the caller's rule)."""
    stored = attach(session, case, message.text, message.received_at, message.media)
    session.flush()
    raise_urgency(session, case, "", "whatsapp", message_id=stored.id)
    reply(session, message, "urgent", locale=_locale(case), reference=case.reference)


def _choose(thread: WhatsAppThread, case: Case) -> None:
    thread.case_id, thread.chosen_at = case.id, now()


def choose_case(session: Session, number: str, case: Case) -> None:
    """Her messages from this number go to `case` now (a case her conversation just made)."""
    _choose(_thread(session, number), case)


def _release_held(session: Session, thread: WhatsAppThread, case: Case) -> bool:
    """The messages that waited for the choice go to the chosen case. True when one of them
    said she needs help today: the chosen case rises, as if she had said it there."""
    raised = False
    if thread.held and thread.held_at and now() - as_utc(thread.held_at) < HELD_FOR:
        for item in json.loads(crypto.open_text(thread.held, HELD_PURPOSE)):
            stored = attach(session, case, item["text"], datetime.fromisoformat(item["at"]),
                             media_files.from_held(item.get("media")))
            if not raised and says_help_today(item["text"]):
                session.flush()
                raise_urgency(session, case, "", "whatsapp", message_id=stored.id)
                raised = True
    thread.held, thread.held_at = "", None
    return raised


def _hold(thread: WhatsAppThread, message: InboundMessage) -> None:
    items = []
    if thread.held and thread.held_at and now() - as_utc(thread.held_at) < HELD_FOR:
        items = json.loads(crypto.open_text(thread.held, HELD_PURPOSE))
    item = {"text": message.text, "at": message.received_at.isoformat(),
            "media": media_files.held_form(message.media)}
    items = (items + [item])[-10:]
    thread.held = crypto.seal_text(json.dumps(items), HELD_PURPOSE)
    thread.held_at = now()


def _prove_with_code(
    session: Session, message: InboundMessage, cases: list[Case], code: str, rest: str
) -> bool:
    digest = whatsapp_code_hash(code)
    case = next(
        (c for c in cases if c.whatsapp_code_hash and hmac.compare_digest(
            c.whatsapp_code_hash, digest)),
        None,
    )
    if case is None:
        # Said the same way whether or not a case names this number: nothing is revealed. A
        # number that keeps sending wrong codes is guessing: it gets no more answers today.
        if ratelimit.hit("whatsapp-code", number_key(message.number), WRONG_CODES_PER_DAY,
                         86400).allowed:
            reply(session, message, "code_unknown", locale=_locale(None))
        return True
    if case.whatsapp_proven_at is None:
        case.whatsapp_proven_at = now()
        session.add(case)
    thread = _thread(session, message.number)
    _choose(thread, case)
    _release_held(session, thread, case)
    if len(rest.strip(" .,:;-!")) > 1:  # more than the code: a message to the advisor too
        attach(session, case, rest, message.received_at)
    reply(session, message, "linked", locale=_locale(case), reference=case.reference)
    log.info("WhatsApp number proven for case %s", case.id)
    return True


def _chosen(message: InboundMessage, proven: list[Case], thread: WhatsAppThread,
            session: Session) -> Case | None:
    by_reference = {c.reference: c for c in proven}
    if message.choice.startswith("case:") and message.choice[5:] in by_reference:
        return by_reference[message.choice[5:]]
    replied_to = reference_replied_to(session, message.reply_to)
    if replied_to in by_reference:
        return by_reference[replied_to]
    if len(proven) == 1:
        return proven[0]
    fresh = thread.chosen_at is not None and now() - as_utc(thread.chosen_at) < CHOICE_LASTS
    return next((c for c in proven if fresh and c.id == thread.case_id), None)


def _not_linked(session: Session, message: InboundMessage) -> None:
    """One answer a day, in every language of the service: where the form is and when the chat
    is open. The same whether or not some case names the number; what it sent is not kept."""
    thread = _thread(session, message.number)
    if thread.replied_at is None or now() - as_utc(thread.replied_at) >= NOT_LINKED_EVERY:
        thread.replied_at = now()
        from intake.unknown_number import answer_context

        reply(session, message, "unknown", locale=_locale(None), **answer_context())


def says_new(message: InboundMessage) -> bool:
    """The whole message is the word for "new" in a language of the service."""
    from intake.conversation_texts import command_of

    return command_of(message.text, message.choice) == "new"


def handle_whatsapp(session: Session, message: InboundMessage) -> bool:
    """Find the case this message belongs to and add it there; True when it was added or held."""
    cases = open_cases_for_number(session, message.number)
    code, rest = split_whatsapp_code(message.text)
    if code is not None:
        if not ratelimit.hit("whatsapp-code-tries", number_key(message.number),
                             WRONG_CODES_PER_DAY * 4, 86400).allowed:
            return True  # far past any person's mistakes: codes from this number are ignored
        return _prove_with_code(session, message, cases, code, rest)
    conversations = get_settings().whatsapp_conversations
    if conversations:
        from intake import whatsapp_intake

        under_way = whatsapp_intake.running(session, number_key(message.number))
        if under_way is not None:
            return whatsapp_intake.go_on(session, message, under_way)
    proven = [c for c in cases if c.whatsapp_proven_at is not None]
    if conversations and (not proven or says_new(message)):
        # Asked for a request in a conversation: the same whether or not a case names her number.
        return whatsapp_intake.start(session, message, number_key(message.number))
    if not proven:
        _not_linked(session, message)
        return False
    thread = _thread(session, message.number)
    case = _chosen(message, proven, thread, session)
    if case is None:
        _hold(thread, message)
        choices = [c.reference for c in proven]
        reply(session, message, "choose", locale=_locale(proven[0]), choices=choices)
        return True
    _choose(thread, case)
    raised = _release_held(session, thread, case)
    if message.choice.startswith("case:"):  # a tap on a reference is a choice, not a message
        kind = "urgent" if raised else "chosen"
        reply(session, message, kind, locale=_locale(case), reference=case.reference)
    elif says_help_today(message.text, message.choice):
        _help_today(session, case, message)
    else:
        attach(session, case, message.text, message.received_at, message.media)
    return True


def forget_held(session: Session) -> int:
    """Held messages nobody chose a case for within the hour are dropped, and threads idle for
    THREAD_KEPT go (they tie a number's hash to a case). Returns how many messages went."""
    idle = now() - THREAD_KEPT
    session.execute(
        delete(WhatsAppThread).where(
            col(WhatsAppThread.held) == "",
            func.coalesce(WhatsAppThread.chosen_at, idle) <= idle,
            func.coalesce(WhatsAppThread.replied_at, idle) <= idle,
        )
    )
    # A number that proved no case needs its thread only to answer it once a day.
    answered = now() - NOT_LINKED_EVERY
    session.execute(
        delete(WhatsAppThread).where(
            col(WhatsAppThread.held) == "",
            col(WhatsAppThread.case_id).is_(None),
            col(WhatsAppThread.chosen_at).is_(None),
            func.coalesce(WhatsAppThread.replied_at, answered) <= answered,
        )
    )
    cutoff = now() - HELD_FOR
    threads = session.exec(
        select(WhatsAppThread).where(
            col(WhatsAppThread.held) != "", col(WhatsAppThread.held_at) < cutoff
        )
    ).all()
    for thread in threads:
        thread.held, thread.held_at = "", None
        session.add(thread)
    return len(threads)


def register() -> None:
    """Called by the composition root: notify hands inbound messages to this handler."""
    from notify.inbound import on_inbound_message

    on_inbound_message(handle_whatsapp)
