"""Opening hours in words: the reader's language and the local way of writing dates and times.

Dates and times follow Finland's conventions in each language (fi_FI, sv_FI), and British English
for English: a 24-hour clock and the day before the month, as everywhere else in the service.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_time

from intake.hours.schedule import ChannelStatus, Opening
from yhteys.clock import HELSINKI
from yhteys.i18n import INTERPRETER_LANGUAGES, format_locale, get_locale, lazy_gettext
from yhteys.i18n import gettext as _

# A weekday in running text ("open on Tuesday ...") and as a heading ("Tuesday 2 December").
_DAY_IN_TEXT = {"fi": "EEEE d. MMMM", "sv": "EEEE d MMMM", "en": "EEEE d MMMM"}
_DAY_HEADING = {"fi": "cccc d. MMMM", "sv": "cccc d MMMM", "en": "cccc d MMMM"}

_MIDNIGHT_END = {"fi": "24.00", "sv": "24.00", "en": "24:00"}

CHANNEL_LABELS = {
    "chat": lazy_gettext("Chat"),
    "phone": lazy_gettext("Phone"),
    "whatsapp": lazy_gettext("WhatsApp"),
    "all": lazy_gettext("All channels"),
}


def time_text(instant: datetime, locale: str | None = None) -> str:
    local = instant.astimezone(HELSINKI)
    return format_time(local.time(), "short", locale=format_locale(locale))


def day_text(day: date, locale: str | None = None, *, heading: bool = False) -> str:
    locale = locale or get_locale()
    patterns = _DAY_HEADING if heading else _DAY_IN_TEXT
    return format_date(day, patterns.get(locale, "EEEE d MMMM"), locale=format_locale(locale))


def hours_text(opening: Opening, locale: str | None = None) -> str:
    """12:00–15:00 (an opening that ends at midnight ends at 24:00, not at 0:00)."""
    start = time_text(opening.start, locale)
    end_local = opening.local_end
    if end_local.date() > opening.day and end_local.hour == 0 and end_local.minute == 0:
        end = _MIDNIGHT_END.get(locale or get_locale(), "24:00")
    else:
        end = time_text(opening.end, locale)
    return f"{start}\u2013{end}"


def status_text(status: ChannelStatus, locale: str | None = None) -> str:
    """"Open now, until 15:00" or "Closed now. Next open Tuesday 2 December 12:00–15:00"."""
    if status.is_open and status.open_until is not None:
        return _open_text(status, locale)
    if status.next is None:
        return _("Closed now. No opening hours are set for the coming weeks.")
    return _(
        "Closed now. Next open %(day)s %(hours)s",
        day=day_text(status.next.day, locale),
        hours=hours_text(status.next, locale),
    )


def _open_text(status: ChannelStatus, locale: str | None) -> str:
    assert status.open_until is not None
    until = status.open_until.astimezone(HELSINKI)
    today = status.at.astimezone(HELSINKI).date()
    if until.hour == 0 and until.minute == 0 and until.date() == today + timedelta(days=1):
        return _("Open now, until midnight")
    if until.date() == today:
        return _("Open now, until %(time)s", time=time_text(until, locale))
    return _(
        "Open now, until %(day)s %(time)s",
        day=day_text(until.date(), locale),
        time=time_text(until, locale),
    )


def language_names(codes: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """(code, native name) of each language, so a reader finds their own in their own script."""
    return [(code, INTERPRETER_LANGUAGES.get(code, code)) for code in codes]
