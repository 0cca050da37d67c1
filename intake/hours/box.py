"""The opening-hours box on the start page and beside every form, as a small view-model.

Computed from the stored schedule and the application clock. Public pages keep the rendered box
for the clock's current minute only, and only while the schedule is the same (yhteys/pagecache.py;
openings start and end on whole minutes): a stale "open now" sends a frightened person to a closed
door. If the schedule cannot be read the box says so, is never kept, and points to the contact
form instead of guessing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from sqlalchemy.exc import SQLAlchemyError

from intake.hours import store
from intake.hours.schedule import CHANNELS, ChannelStatus, Schedule, status_at
from intake.hours.store import Contact
from intake.hours.texts import CHANNEL_LABELS, language_names, status_text
from yhteys import clock
from yhteys.i18n import get_locale

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelLine:
    channel: str
    label: str
    is_open: bool
    text: str  # "Open now, until 15:00" / "Closed now. Next open ..."
    contact: Contact
    languages: list[tuple[str, str]]  # of the opening now, or of the next one
    status: ChannelStatus


@dataclass(frozen=True)
class HoursBox:
    available: bool
    locale: str
    hours_url: str
    feed_url: str
    form_url: str
    lines: list[ChannelLine] = field(default_factory=list)

    @property
    def chat(self) -> ChannelLine | None:
        return next((line for line in self.lines if line.channel == "chat"), None)

    @property
    def others(self) -> list[ChannelLine]:
        return [line for line in self.lines if line.channel != "chat"]

    @property
    def demo(self) -> bool:
        return any(line.contact.demo for line in self.lines)

    @property
    def all_closed(self) -> bool:
        return not any(line.is_open for line in self.lines)


def channel_lines(
    instant: datetime, schedule: Schedule, contacts: dict[str, Contact], locale: str
) -> list[ChannelLine]:
    statuses = status_at(instant, schedule)
    lines = []
    for channel in CHANNELS:
        status = statuses[channel]
        opening = status.current or status.next
        lines.append(
            ChannelLine(
                channel=channel,
                label=str(CHANNEL_LABELS[channel]),
                is_open=status.is_open,
                text=status_text(status, locale),
                contact=contacts.get(channel, Contact(channel, "")),
                languages=language_names(opening.languages if opening else ()),
                status=status,
            )
        )
    return lines


def build_box(
    instant: datetime, schedule: Schedule, contacts: dict[str, Contact], locale: str
) -> HoursBox:
    return HoursBox(
        available=True,
        locale=locale,
        lines=channel_lines(instant, schedule, contacts, locale),
        **links(locale),
    )


class Links(TypedDict):
    """The box's own links, keyed as HoursBox's fields so a box can take them as keywords."""

    hours_url: str
    feed_url: str
    form_url: str


def links(locale: str) -> Links:
    return {
        "hours_url": f"/{locale}/hours",
        "feed_url": feed_url(locale, "chat"),
        "form_url": f"/{locale}/request/other",  # the general contact form
    }


def feed_url(locale: str, channel: str | None = None) -> str:
    return f"/{locale}/hours/{channel}.ics" if channel else f"/{locale}/hours.ics"


def chat_hours_box() -> HoursBox:
    """The Jinja global `chat_hours_box()`: the box for this request's locale and instant."""
    locale = get_locale()
    try:
        schedule, contacts = store.load_all()
    except SQLAlchemyError as exc:
        log.error("opening hours unavailable: %s", type(exc).__name__)
        return HoursBox(available=False, locale=locale, **links(locale))
    return build_box(clock.now(), schedule, contacts, locale)
