"""Reading the stored schedule and contacts into the plain values `schedule` works on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from sqlmodel import Session, col, select

from intake.hours.models import HoursChannel, HoursException, HoursSlot
from intake.hours.schedule import CHANNELS, DatedException, ExceptionKind, Schedule, WeeklySlot
from yhteys.db import get_engine
from yhteys.readcache import ReadCache


def slot_value(row: HoursSlot) -> WeeklySlot:
    return WeeklySlot(
        row.channel, row.weekday, row.start_minute, row.end_minute, tuple(row.languages or ())
    )


def exception_value(row: HoursException) -> DatedException:
    return DatedException(
        day=row.day,
        kind=ExceptionKind(row.kind),
        channel=row.channel,
        start=row.start_minute,
        end=row.end_minute,
        languages=tuple(row.languages or ()),
    )


def schedule_from_rows(
    slots: Iterable[HoursSlot], exceptions: Iterable[HoursException]
) -> Schedule:
    ordered = sorted(slots, key=lambda r: (r.channel, r.weekday, r.start_minute, r.id or 0))
    return Schedule(
        slots=tuple(slot_value(r) for r in ordered),
        exceptions=tuple(exception_value(r) for r in exceptions),
    )


def slot_rows(session: Session) -> list[HoursSlot]:
    statement = select(HoursSlot).order_by(
        col(HoursSlot.channel), col(HoursSlot.weekday), col(HoursSlot.start_minute),
        col(HoursSlot.id),
    )
    return list(session.exec(statement))


def exception_rows(session: Session) -> list[HoursException]:
    statement = select(HoursException).order_by(
        col(HoursException.day), col(HoursException.channel), col(HoursException.start_minute),
        col(HoursException.id),
    )
    return list(session.exec(statement))


def load_schedule(session: Session) -> Schedule:
    return schedule_from_rows(slot_rows(session), exception_rows(session))


@dataclass(frozen=True)
class Contact:
    """How to reach one channel, ready for a link."""

    channel: str
    address: str  # E.164 for phone and WhatsApp, an https URL for the chat
    demo: bool = False

    @property
    def href(self) -> str:
        if not self.address:
            return ""
        if self.channel == "phone":
            return f"tel:{self.address}"
        if self.channel == "whatsapp":
            return f"https://wa.me/{self.address.lstrip('+')}"
        return self.address

    @property
    def display(self) -> str:
        if self.channel in ("phone", "whatsapp") and self.address:
            return format_number(self.address)
        return self.address


def format_number(e164: str) -> str:
    """+358401234567 as +358 40 1234567, for reading aloud and dialling by hand."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def load_contacts(session: Session) -> dict[str, Contact]:
    rows = {row.channel: row for row in session.exec(select(HoursChannel))}
    return {
        channel: Contact(channel, rows[channel].address, rows[channel].demo)
        if channel in rows
        else Contact(channel, "")
        for channel in CHANNELS
    }


# The box on every public page reads the schedule while the page renders; the schedule changes a
# few times a year. Another process sees an edit within HOURS_TTL_SECONDS; "open now" itself is
# computed from the instant (at most once a minute per language, yhteys/pagecache.py), so it is
# never stale.
HOURS_TTL_SECONDS = 10.0
HOURS = ReadCache("hours", (HoursSlot, HoursException, HoursChannel), HOURS_TTL_SECONDS)


def load_all() -> tuple[Schedule, dict[str, Contact]]:
    """The schedule and contacts (for pages and the feed), from a short cache."""
    return HOURS.get(None, "all", _read_all)


def _read_all() -> tuple[Schedule, dict[str, Contact]]:
    with Session(get_engine()) as session:
        return load_schedule(session), load_contacts(session)
