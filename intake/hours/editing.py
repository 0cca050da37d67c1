"""Changing the schedule: validation of what a supervisor typed, previews, and saving.

Each `validate_*` takes the submitted form as a plain mapping and returns the value to save, or
errors keyed by field name, so the form can be shown again with every input kept and each error
beside its field. Nothing here knows about HTTP, sessions of staff, or the audit trail: the admin
routes in `triage.hours_admin` put those around these functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypedDict, TypeVar
from urllib.parse import urlparse

import phonenumbers
from sqlmodel import Session

from intake.hours.models import HoursChannel, HoursException, HoursSlot
from intake.hours.schedule import (
    ALL_CHANNELS,
    CHANNELS,
    DAY_MINUTES,
    DatedException,
    ExceptionKind,
    Schedule,
    WeeklySlot,
    clock_text,
    span_text,
)
from intake.hours.store import exception_rows, exception_value, slot_rows, slot_value
from yhteys.calendar import finnish_holiday
from yhteys.clock import HELSINKI, now
from yhteys.db import serialise
from yhteys.i18n import INTERPRETER_LANGUAGES
from yhteys.i18n import gettext as _

Errors = dict[str, str]
Value = TypeVar("Value")
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class ContactsChange(TypedDict):
    values: dict[str, str]  # by channel; "" for a channel without a contact
    demo: bool


@dataclass(frozen=True)
class Validated(Generic[Value]):
    value: Value | None  # None exactly when there are errors: callers narrow on it
    errors: Errors

    def __post_init__(self) -> None:
        if (self.value is None) != bool(self.errors):
            raise ValueError("a validated value is either a value or errors")

    @property
    def ok(self) -> bool:
        return not self.errors


def _get(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _languages(form: Mapping[str, Any]) -> list[str]:
    """Checked languages: a multi-value form gives a list, a plain dict a list or a string."""
    getlist = getattr(form, "getlist", None)
    values = getlist("languages") if getlist else form.get("languages", [])
    if isinstance(values, str):
        values = [values]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def parse_clock(raw: str, *, end: bool = False) -> int | None:
    """12:00 (or 12.00) as minutes; an end of 24:00 or 00:00 is midnight at the end of the day."""
    match = _TIME.match(raw)
    if not match:
        return None
    hours, mins = int(match.group(1)), int(match.group(2))
    if mins > 59 or hours > 24 or (hours == 24 and mins):
        return None
    value = hours * 60 + mins
    if end and value == 0:
        return DAY_MINUTES
    if value == DAY_MINUTES and not end:
        return None
    return value


def local_today() -> date:
    return now().astimezone(HELSINKI).date()


def _times(form: Mapping[str, Any], errors: Errors) -> tuple[int | None, int | None]:
    start = parse_clock(_get(form, "start"))
    end = parse_clock(_get(form, "end"), end=True)
    example = _("Enter the time as hours and minutes, for example 12:00.")
    if start is None:
        errors["start"] = example
    if end is None:
        errors["end"] = example
    if start is not None and end is not None and end <= start:
        errors["end"] = _("The end must be later than the start.")
    return start, end


def _check_languages(codes: list[str], errors: Errors, *, required: bool) -> tuple[str, ...]:
    unknown = [c for c in codes if c not in INTERPRETER_LANGUAGES]
    if unknown:
        errors["languages"] = _("Choose the languages from the list.")
    elif required and not codes:
        errors["languages"] = _("Choose at least one language.")
    return tuple(dict.fromkeys(codes))


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def validate_slot(
    form: Mapping[str, Any], others: Sequence[WeeklySlot]
) -> Validated[WeeklySlot]:
    """A weekly slot; `others` are the stored slots it must not overlap (itself left out)."""
    errors: Errors = {}
    channel = _get(form, "channel")
    if channel not in CHANNELS:
        errors["channel"] = _("Choose a channel from the list.")
    weekday_raw = _get(form, "weekday")
    weekday = int(weekday_raw) if weekday_raw.isdigit() and int(weekday_raw) < 7 else None
    if weekday is None:
        errors["weekday"] = _("Choose a weekday from the list.")
    start, end = _times(form, errors)
    languages = _check_languages(_languages(form), errors, required=True)
    if errors:
        return Validated(None, errors)
    assert weekday is not None and start is not None and end is not None
    for other in others:
        if (
            other.channel == channel
            and other.weekday == weekday
            and _overlaps(start, end, other.start, other.end)
        ):
            hours = span_text(other.start, other.end)
            errors["start"] = _(
                "This overlaps another slot of the same channel on this day (%(hours)s).",
                hours=hours,
            )
            return Validated(None, errors)
    return Validated(WeeklySlot(channel, weekday, start, end, languages), {})


def validate_exception(
    form: Mapping[str, Any],
    others: Sequence[DatedException],
    *,
    today: date | None = None,
    holidays=finnish_holiday,  # noqa: ANN001 - date -> name | None
) -> Validated[DatedException]:
    """A dated exception; `others` are the stored ones it must not contradict."""
    errors: Errors = {}
    today = today or local_today()
    day = _parse_day(_get(form, "day"), errors, today)
    channel = _get(form, "channel")
    if channel not in (*CHANNELS, ALL_CHANNELS):
        errors["channel"] = _("Choose a channel from the list.")
    kind_raw = _get(form, "kind")
    kind = ExceptionKind(kind_raw) if kind_raw in set(ExceptionKind) else None
    if kind is None:
        errors["kind"] = _("Choose what changes on this date.")
    start = end = None
    if kind in (ExceptionKind.EXTRA, ExceptionKind.CHANGED):
        start, end = _times(form, errors)
    languages = _check_languages(_languages(form), errors, required=False)
    if kind is ExceptionKind.HOLIDAY_OPEN and day is not None and not holidays(day):
        errors["day"] = _("This date is not a public holiday in Finland.")
    if errors:
        return Validated(None, errors)
    assert day is not None and kind is not None
    value = DatedException(day, kind, channel, start, end, languages)
    conflict = _conflict(value, others)
    if conflict:
        errors[conflict[0]] = conflict[1]
        return Validated(None, errors)
    return Validated(value, {})


def _parse_day(raw: str, errors: Errors, today: date) -> date | None:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors["day"] = _("Enter the date as year-month-day, for example 2026-12-24.")
        return None
    if day < today:
        errors["day"] = _("This date is in the past. Choose today or a later date.")
        return None
    return day


def _conflict(new: DatedException, others: Sequence[DatedException]) -> tuple[str, str] | None:
    """(field, message) when the new exception contradicts one of the same date and channel."""
    for other in others:
        if other.day != new.day or not (
            new.channel == ALL_CHANNELS
            or other.channel == ALL_CHANNELS
            or other.channel == new.channel
        ):
            continue
        if ExceptionKind.CLOSED in (new.kind, other.kind):
            return "kind", _("Another change already closes or opens this channel on this date.")
        if new.kind == other.kind == ExceptionKind.HOLIDAY_OPEN:
            return "kind", _("This holiday is already open for this channel.")
        timed = (ExceptionKind.EXTRA, ExceptionKind.CHANGED)
        if new.kind in timed and other.kind in timed:
            assert new.start is not None and new.end is not None
            assert other.start is not None and other.end is not None
            if _overlaps(new.start, new.end, other.start, other.end):
                hours = span_text(other.start, other.end)
                message = _("This overlaps another change on this date (%(hours)s).", hours=hours)
                return "start", message
    return None


def validate_contacts(form: Mapping[str, Any]) -> Validated[ContactsChange]:
    """The three ways in: phone and WhatsApp numbers as E.164, the chat as an https address."""
    errors: Errors = {}
    values: dict[str, str] = {}
    for channel in ("phone", "whatsapp"):
        raw = _get(form, channel)
        if not raw:
            values[channel] = ""
            continue
        number = _phone(raw)
        if number is None:
            errors[channel] = _(
                "Enter a phone number with its country code, for example +358 40 123 4567."
            )
        else:
            values[channel] = number
    chat = _get(form, "chat")
    parsed = urlparse(chat)
    if chat and (parsed.scheme != "https" or not parsed.hostname):
        errors["chat"] = _("Enter the chat's address, starting with https://")
    values["chat"] = chat
    if errors:
        return Validated(None, errors)
    return Validated({"values": values, "demo": _get(form, "demo") in {"1", "on", "yes"}}, {})


def _phone(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- The stored schedule, with and without a change --------------------------------------------


def stored_exceptions(session: Session, *, upcoming_only: bool = True) -> list[HoursException]:
    rows = exception_rows(session)
    if upcoming_only:
        today = local_today()
        rows = [r for r in rows if r.day >= today]
    return rows


def schedule_with(
    session: Session,
    *,
    slot: WeeklySlot | None = None,
    exception: DatedException | None = None,
    replacing_slot: int | None = None,
    replacing_exception: int | None = None,
) -> Schedule:
    """The stored schedule as it would be with one slot or exception added, changed or removed."""
    slots = [slot_value(r) for r in slot_rows(session) if r.id != replacing_slot]
    exceptions = [
        exception_value(r) for r in exception_rows(session) if r.id != replacing_exception
    ]
    if slot is not None:
        slots.append(slot)
    if exception is not None:
        exceptions.append(exception)
    return Schedule(tuple(slots), tuple(exceptions))


def other_slots(session: Session, slot_id: int | None) -> list[WeeklySlot]:
    return [slot_value(r) for r in slot_rows(session) if r.id != slot_id]


def other_exceptions(session: Session, exception_id: int | None) -> list[DatedException]:
    return [exception_value(r) for r in exception_rows(session) if r.id != exception_id]


def slot_record(row: HoursSlot) -> dict[str, Any]:
    """What the audit trail keeps of a slot."""
    return {
        "channel": row.channel,
        "weekday": row.weekday,
        "start": clock_text(row.start_minute),
        "end": clock_text(row.end_minute),
        "languages": list(row.languages or ()),
    }


def exception_record(row: HoursException) -> dict[str, Any]:
    return {
        "day": row.day.isoformat(),
        "channel": row.channel,
        "kind": row.kind,
        "start": clock_text(row.start_minute) if row.start_minute is not None else None,
        "end": clock_text(row.end_minute) if row.end_minute is not None else None,
        "languages": list(row.languages or ()),
    }


def save_slot(session: Session, slot: WeeklySlot, row: HoursSlot | None = None) -> HoursSlot:
    row = row or HoursSlot(channel=slot.channel, weekday=0, start_minute=0, end_minute=0)
    row.channel, row.weekday = slot.channel, slot.weekday
    row.start_minute, row.end_minute = slot.start, slot.end
    row.languages = list(slot.languages)
    row.updated_at = now()
    session.add(row)
    session.flush()
    return row


def save_exception(
    session: Session, value: DatedException, note: str = "", row: HoursException | None = None
) -> HoursException:
    row = row or HoursException(day=value.day, channel=value.channel, kind=value.kind)
    row.day, row.channel, row.kind = value.day, value.channel, str(value.kind)
    row.start_minute, row.end_minute = value.start, value.end
    row.languages = list(value.languages)
    row.note = note[:200]
    row.updated_at = now()
    session.add(row)
    session.flush()
    return row


def save_contacts(session: Session, values: Mapping[str, str], demo: bool) -> dict[str, Any]:
    """Store the contacts; returns the before and after for the audit trail."""
    before: dict[str, Any] = {}
    for channel in CHANNELS:
        row = session.get(HoursChannel, channel) or HoursChannel(channel=channel)
        before[channel] = {"address": row.address, "demo": row.demo}
        row.address = values.get(channel, "")
        row.demo = demo
        row.updated_at = now()
        session.add(row)
    session.flush()
    return before




def serialise_edits(session: Session) -> None:
    """One schedule edit at a time, so two supervisors cannot both pass the overlap check.

    """
    serialise(session, HOURS_LOCK_KEY)


HOURS_LOCK_KEY = 740_001  # any constant unique to the opening-hours edits
