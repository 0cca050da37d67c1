"""Message texts: templates/notify/<event>/{subject.txt, body.txt, body.html, short.txt}.

Texts are English source strings translated with gettext in the recipient's language, so a new
language is a catalog, not new templates. The only values a template sees are the context of the
outbox row (a reference and a link) — there is nothing else it could leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from notify.models import CLIENT_EVENTS, EVENTS
from yhteys import i18n
from yhteys.templating import render_string

PARTS = ("subject.txt", "body.txt", "body.html")
SHORT = "short.txt"  # SMS and WhatsApp text, client events only
# A client whose language the service is not translated into reads English sooner than Finnish.
FALLBACK_LOCALE = "en"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    short: str  # one or two lines for SMS and WhatsApp; empty for staff events


def template_names(event: str) -> list[str]:
    names = [f"notify/{event}/{part}" for part in PARTS]
    if event in CLIENT_EVENTS:
        names.append(f"notify/{event}/{SHORT}")
    return names


def message_locale(locale: str) -> str:
    return locale if locale in i18n.LANGUAGES else FALLBACK_LOCALE


def render(event: str, locale: str, context: dict[str, str]) -> Message:
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}")
    locale = message_locale(locale)
    # "links" is set only when the client wants no links in messages (see notify.outbox).
    values = {"links": "", **context, "locale": locale, "dir": i18n.text_direction(locale)}
    with i18n.use_locale(locale):
        subject = " ".join(render_string(f"notify/{event}/subject.txt", values).split())
        values["subject"] = subject
        text = render_string(f"notify/{event}/body.txt", values).strip() + "\n"
        html = render_string(f"notify/{event}/body.html", values)
        short = ""
        if event in CLIENT_EVENTS:
            short = " ".join(render_string(f"notify/{event}/{SHORT}", values).split())
    return Message(subject=subject, text=text, html=html, short=_long_short(event, locale,
                                                                             values, short))


def _long_short(event: str, locale: str, values: dict[str, str], short: str) -> str:
    """The WhatsApp texts that keep their lines (notify.whatsapp_texts), else `short`."""
    from notify import whatsapp_texts

    if event == "advisor_replied" and values.get("reply_text"):
        return whatsapp_texts.advisor_text(locale, values)
    if event == "whatsapp_reply" and values.get("reply") == "conversation":
        return whatsapp_texts.conversation_text(values)
    if event == "whatsapp_reply" and values.get("reply") == "unknown":
        return whatsapp_texts.unknown_number_text(values)
    return short
