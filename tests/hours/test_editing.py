"""Validation of what a supervisor types: every invalid input is refused with a clear error."""

from __future__ import annotations

from datetime import date

import pytest

from intake.hours.editing import (
    Validated,
    parse_clock,
    validate_contacts,
    validate_exception,
    validate_slot,
)
from intake.hours.schedule import DatedException, ExceptionKind, WeeklySlot
from yhteys.i18n import use_locale

TODAY = date(2026, 12, 1)
BAD_TIME = "Enter the time as hours and minutes, for example 12:00."
CHAT_TUESDAY = WeeklySlot("chat", 1, 12 * 60, 15 * 60, ("fi",))


def slot_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "channel": "chat",
        "weekday": "3",
        "start": "12:00",
        "end": "15:00",
        "languages": ["fi", "ar"],
    }
    form.update(changes)
    return form


def exception_form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "day": "2026-12-09",
        "channel": "chat",
        "kind": "extra",
        "start": "10:00",
        "end": "11:00",
        "languages": [],
    }
    form.update(changes)
    return form


def test_a_valid_slot():
    result = validate_slot(slot_form(), [CHAT_TUESDAY])
    assert result.ok
    assert result.value == WeeklySlot("chat", 3, 720, 900, ("fi", "ar"))


def test_an_end_of_midnight_is_the_end_of_the_day():
    result = validate_slot(slot_form(start="20:00", end="00:00"), [])
    assert result.ok and result.value.end == 24 * 60
    assert validate_slot(slot_form(start="20:00", end="24:00"), []).value.end == 24 * 60


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"channel": "sms"}, "channel", "Choose a channel from the list."),
        ({"channel": ""}, "channel", "Choose a channel from the list."),
        ({"weekday": "7"}, "weekday", "Choose a weekday from the list."),
        ({"weekday": "-1"}, "weekday", "Choose a weekday from the list."),
        ({"weekday": "Tuesday"}, "weekday", "Choose a weekday from the list."),
        ({"start": "noon"}, "start", "Enter the time as hours and minutes, for example 12:00."),
        ({"start": "25:00"}, "start", "Enter the time as hours and minutes, for example 12:00."),
        ({"end": "12:60"}, "end", "Enter the time as hours and minutes, for example 12:00."),
        ({"start": "15:00", "end": "12:00"}, "end", "The end must be later than the start."),
        ({"start": "12:00", "end": "12:00"}, "end", "The end must be later than the start."),
        ({"languages": []}, "languages", "Choose at least one language."),
        ({"languages": ["fi", "xx"]}, "languages", "Choose the languages from the list."),
    ],
)
def test_an_invalid_slot_is_refused_beside_its_field(changes, field, message):
    with use_locale("en"):
        result = validate_slot(slot_form(**changes), [])
    assert not result.ok and result.value is None
    assert result.errors[field] == message


def test_overlapping_slots_of_the_same_channel_are_refused():
    with use_locale("en"):
        result = validate_slot(slot_form(weekday="1", start="14:00", end="16:00"), [CHAT_TUESDAY])
    assert result.errors == {
        "start": "This overlaps another slot of the same channel on this day (12:00–15:00)."
    }


def test_slots_that_only_touch_or_are_of_another_channel_or_day_are_fine():
    assert validate_slot(slot_form(weekday="1", start="15:00", end="16:00"), [CHAT_TUESDAY]).ok
    assert validate_slot(slot_form(weekday="1", channel="phone"), [CHAT_TUESDAY]).ok
    assert validate_slot(slot_form(weekday="2"), [CHAT_TUESDAY]).ok


def test_the_errors_speak_the_staff_members_language():
    with use_locale("fi"):
        result = validate_slot(slot_form(start="15:00", end="12:00"), [])
    assert result.errors["end"] == "Sulkemisajan pitää olla avaamisajan jälkeen."


def test_a_valid_extra_opening():
    result = validate_exception(exception_form(), [], today=TODAY)
    assert result.ok
    assert result.value == DatedException(date(2026, 12, 9), ExceptionKind.EXTRA, "chat", 600, 660)


def test_a_closing_needs_no_hours():
    result = validate_exception(exception_form(kind="closed", start="", end=""), [], today=TODAY)
    assert result.ok and result.value.start is None and result.value.end is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"day": "2026-11-30"}, "day", "This date is in the past. Choose today or a later date."),
        ({"day": "9.12.2026"}, "day", "Enter the date as year-month-day, for example 2026-12-24."),
        ({"day": ""}, "day", "Enter the date as year-month-day, for example 2026-12-24."),
        ({"channel": "email"}, "channel", "Choose a channel from the list."),
        ({"kind": "maybe"}, "kind", "Choose what changes on this date."),
        ({"start": "11:00", "end": "10:00"}, "end", "The end must be later than the start."),
        ({"start": ""}, "start", BAD_TIME),
        ({"kind": "changed", "end": "x"}, "end", BAD_TIME),
        ({"languages": ["klingon"]}, "languages", "Choose the languages from the list."),
        ({"kind": "holiday_open"}, "day", "This date is not a public holiday in Finland."),
    ],
)
def test_an_invalid_exception_is_refused_beside_its_field(changes, field, message):
    with use_locale("en"):
        result = validate_exception(exception_form(**changes), [], today=TODAY)
    assert not result.ok
    assert result.errors[field] == message


def test_today_is_not_in_the_past():
    assert validate_exception(exception_form(day="2026-12-01"), [], today=TODAY).ok


def test_a_holiday_can_be_opened():
    form = exception_form(day="2026-12-24", kind="holiday_open")  # Christmas Eve
    assert validate_exception(form, [], today=TODAY).ok


def test_contradicting_exceptions_on_the_same_date_are_refused():
    closed_all = DatedException(date(2026, 12, 9), ExceptionKind.CLOSED, "all")
    extra = DatedException(date(2026, 12, 9), ExceptionKind.EXTRA, "chat", 630, 700)
    with use_locale("en"):
        against_closing = validate_exception(exception_form(), [closed_all], today=TODAY)
        overlapping = validate_exception(exception_form(), [extra], today=TODAY)
        elsewhere = validate_exception(exception_form(channel="phone"), [extra], today=TODAY)
    assert against_closing.errors == {
        "kind": "Another change already closes or opens this channel on this date."
    }
    assert overlapping.errors == {
        "start": "This overlaps another change on this date (10:30–11:40)."
    }
    assert elsewhere.ok


@pytest.mark.parametrize(
    ("raw", "end", "minutes"),
    [("12:00", False, 720), ("9.30", False, 570), ("00:00", True, 1440), ("24:00", True, 1440),
     ("24:00", False, None), ("24:01", True, None), ("", False, None), ("1200", False, None)],
)
def test_clock_times(raw, end, minutes):
    assert parse_clock(raw, end=end) == minutes


def test_contacts_are_stored_in_international_form():
    result = validate_contacts(
        {"phone": "040 000 0000", "whatsapp": "+358 40 000 0001", "chat": "https://chat.example/"}
    )
    assert result.ok
    assert result.value == {
        "values": {"phone": "+358400000000", "whatsapp": "+358400000001",
                   "chat": "https://chat.example/"},
        "demo": False,
    }


def test_invalid_contacts_are_refused_beside_their_fields():
    with use_locale("en"):
        result = validate_contacts(
            {"phone": "call me", "whatsapp": "+358 1", "chat": "http://chat.example/"}
        )
    assert set(result.errors) == {"phone", "whatsapp", "chat"}
    assert result.errors["chat"] == "Enter the chat's address, starting with https://"


def test_a_validated_value_is_either_a_value_or_errors():
    """The admin routes save whenever the value is there: it must never come with errors."""
    with pytest.raises(ValueError):
        Validated(CHAT_TUESDAY, {"start": "This overlaps another slot."})
    with pytest.raises(ValueError):
        Validated(None, {})
