"""May the advisor's answer itself go to her on WhatsApp, not only a notice that one waits?

Only when all three hold: she chose WhatsApp as her way of contact, she agreed on the form that
answers may come there (knowing that Meta, WhatsApp's owner, processes the messages), and she has
proven the number (intake/inbound.py). Otherwise the notice carries only her reference and the
link, as before. The text travels sealed in the outbox and is blanked once delivered.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from intake.inbound import whatsapp_proven
from intake.models import Case, CaseMessage, Consent
from notify.outbox import REPLY_TEXT_MAX

PURPOSE = "whatsapp_answers"  # the consent's purpose (intake.models.Consent)


def agreed(session: Session, case: Case) -> bool:
    query = select(col(Consent.id)).where(col(Consent.case_id) == case.id,
                                          col(Consent.purpose) == PURPOSE)
    return session.exec(query.limit(1)).first() is not None


def text_allowed(session: Session, case: Case) -> bool:
    return case.contact_channel == "whatsapp" and whatsapp_proven(case) and agreed(session, case)


def sealed_answer(session: Session, case: Case, channel: str, message_id: int) -> dict[str, str]:
    """What `advisor_replied` carries sealed for this channel: the text, or nothing."""
    if channel != "whatsapp" or not text_allowed(session, case):
        return {}
    message = session.get(CaseMessage, message_id)
    if message is None or message.case_id != case.id or message.author != "staff":
        return {}
    text = message.body.strip()
    if not text or len(text) > REPLY_TEXT_MAX:
        return {}  # too long for one WhatsApp message: the notice and the link, as before
    return {"reply_text": text}
