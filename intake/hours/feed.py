"""The coming openings as an iCalendar feed that calendar apps can subscribe to.

Instants are written in UTC (no VTIMEZONE to get wrong); each opening's UID is built from its
channel and local start, so a refreshed feed updates an event instead of duplicating it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlparse

from icalendar import Calendar, Event, vDuration

from intake.hours.schedule import Opening
from intake.hours.store import Contact
from intake.hours.texts import language_names
from yhteys.i18n import gettext as _
from yhteys.i18n import lazy_gettext

SUMMARIES = {
    "chat": lazy_gettext("Red Cross chat advice is open"),
    "phone": lazy_gettext("Red Cross phone advice is open"),
    "whatsapp": lazy_gettext("Red Cross WhatsApp advice is open"),
}


def uid(opening: Opening, host: str) -> str:
    return f"{opening.channel}-{opening.local_start:%Y%m%dT%H%M}@{host}"


def calendar_feed(
    openings: Iterable[Opening],
    contacts: dict[str, Contact],
    *,
    stamp: datetime,
    page_url: str,
    locale: str,
) -> bytes:
    """The VCALENDAR of these openings, with texts in `locale` (the caller has set it)."""
    host = urlparse(page_url).hostname or "yhteys.invalid"
    calendar = Calendar()
    calendar.add("prodid", "-//Red Cross//Yhteys opening hours//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Red Cross advice for migrants: opening hours"))
    calendar.add("x-wr-timezone", "Europe/Helsinki")
    calendar.add("refresh-interval", vDuration.from_ical("PT12H"), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    for opening in openings:
        calendar.add_component(_event(opening, contacts, stamp, page_url, host, locale))
    return calendar.to_ical()


def _event(
    opening: Opening,
    contacts: dict[str, Contact],
    stamp: datetime,
    page_url: str,
    host: str,
    locale: str,
) -> Event:
    event = Event()
    event.add("uid", uid(opening, host))
    event.add("dtstamp", stamp)
    event.add("dtstart", opening.start)
    event.add("dtend", opening.end)
    event.add("summary", str(SUMMARIES[opening.channel]), parameters={"LANGUAGE": locale})
    event.add("description", _description(opening, contacts.get(opening.channel), page_url))
    event.add("url", page_url)
    event.add("transp", "TRANSPARENT")  # an opening of the service does not make anyone busy
    event.add("class", "PUBLIC")
    return event


def _description(opening: Opening, contact: Contact | None, page_url: str) -> str:
    lines = []
    if opening.languages:
        names = ", ".join(name for _code, name in language_names(opening.languages))
        lines.append(_("Languages: %(languages)s", languages=names))
    if contact and contact.address:
        lines.append(contact.href if opening.channel == "chat" else contact.display)
    lines.append(_("Opening hours and changes: %(url)s", url=page_url))
    return "\n".join(lines)
