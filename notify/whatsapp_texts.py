"""WhatsApp texts longer than one line: the advisor's answer itself, and the answer to a number
that belongs to no case, written in every language of the service.

Both keep their line breaks (the one-line `short` text of other notices folds them away).
"""

from __future__ import annotations

import re

from babel.dates import get_day_names

from yhteys import i18n
from yhteys.settings import get_settings
from yhteys.templating import render_string

# The chat's weekly hours as the unknown-number answer carries them: "weekday start end" in
# minutes after local midnight, comma separated ("1 720 900,3 720 900"). Nothing personal.
HOURS_RE = re.compile(r"^[0-6] \d{1,4} \d{1,4}(,[0-6] \d{1,4} \d{1,4}){0,27}$")
MAX_TEXT = 4096  # WhatsApp's limit for a text message body


def advisor_text(locale: str, context: dict[str, str]) -> str:
    """Her advisor's answer with one line before it and one after, in her language."""
    with i18n.use_locale(locale):
        head = render_string("notify/advisor_replied/whatsapp.txt", context).strip()
        end = render_string("notify/advisor_replied/whatsapp_end.txt", context).strip()
    return f"{head}\n\n{context['reply_text'].strip()}\n\n{end}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_text(spec: str, locale: str) -> str:
    if not spec or not HOURS_RE.match(spec):
        return ""
    try:
        names = get_day_names("wide", "stand-alone", locale=i18n.format_locale(locale))
    except (ValueError, LookupError):
        names = get_day_names("wide", "stand-alone", locale="en_GB")
    parts = []
    for item in spec.split(","):
        day, start, end = (int(x) for x in item.split())
        parts.append(f"{names[day]} {_clock(start)}\u2013{_clock(min(end, 1440))}")
    return ", ".join(parts)


def unknown_number_text(context: dict[str, str]) -> str:
    """Short lines in each language of the service: where the form is, when the chat is open.
    The same text for every number: it says nothing about whether any case names it."""
    base = get_settings().base_url.rstrip("/")
    blocks = []
    for locale in i18n.LANGUAGES:
        values = {
            "form_url": f"{base}/{locale}/request/other",
            "hours_url": f"{base}/{locale}/hours",
            "hours": hours_text(context.get("hours", ""), locale),
        }
        with i18n.use_locale(locale):
            text = render_string("notify/whatsapp_reply/unknown.txt", values)
        blocks.append("\n".join(line.strip() for line in text.strip().splitlines()))
    return "\n\n".join(blocks)[:MAX_TEXT]


def conversation_text(context: dict[str, str]) -> str:
    """A step of the conversation that asks for a request: written by intake, sent as it is."""
    return context.get("text", "")[:MAX_TEXT]
