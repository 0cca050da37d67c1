"""One email per outbox row: plain text and HTML, a Message-ID that is the same on every retry."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from notify.channels.base import Outgoing
from yhteys.clock import now


def message_id(outgoing: Outgoing, mail_from: str) -> str:
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "yhteys.invalid"
    return f"<{outgoing.token}.{outgoing.id}@{domain}>"


def build_email(outgoing: Outgoing, mail_from: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = outgoing.recipient
    mail["Subject"] = outgoing.message.subject
    mail["Date"] = format_datetime(now())
    # Stable per row: a retry after an uncertain send carries the same id, so the receiving
    # side can recognise the duplicate.
    mail["Message-ID"] = message_id(outgoing, mail_from)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(outgoing.message.text)
    mail.add_alternative(outgoing.message.html, subtype="html")
    mail["Content-Language"] = outgoing.locale  # after: making it multipart moves Content-*
    return mail
