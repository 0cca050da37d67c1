"""The same instant in Finnish, Swedish and English, each written the reader's way."""

from __future__ import annotations

from datetime import datetime

import pytest

from intake.hours.schedule import (
    DatedException,
    ExceptionKind,
    Schedule,
    WeeklySlot,
    channel_status,
)
from intake.hours.texts import status_text
from yhteys.clock import HELSINKI
from yhteys.i18n import use_locale

TUE, THU, FRI, SAT = 1, 3, 4, 5
WEEK = Schedule(
    slots=(
        WeeklySlot("chat", TUE, 12 * 60, 15 * 60, ("fi",)),
        WeeklySlot("chat", THU, 12 * 60, 15 * 60, ("fi",)),
        WeeklySlot("phone", FRI, 20 * 60, 24 * 60, ("fi",)),
        WeeklySlot("phone", SAT, 0, 2 * 60, ("fi",)),
        WeeklySlot("whatsapp", FRI, 9 * 60 + 5, 24 * 60, ("fi",)),
    )
)


def text_at(moment: str, locale: str, channel: str = "chat", schedule: Schedule = WEEK) -> str:
    instant = datetime.fromisoformat(moment).replace(tzinfo=HELSINKI)
    with use_locale(locale):
        return status_text(channel_status(instant, schedule, channel), locale)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Open now, until 15:00"),
        ("fi", "Avoinna nyt, klo 15.00 asti"),
        ("sv", "Öppet nu, till kl. 15.00"),
    ],
)
def test_open_now(locale, expected):
    assert text_at("2026-12-01 13:00", locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Closed now. Next open Tuesday 1 December 12:00–15:00"),
        ("fi", "Suljettu nyt. Seuraavan kerran avoinna tiistaina 1. joulukuuta klo 12.00–15.00"),
        ("sv", "Stängt nu. Nästa gång öppet tisdag 1 december kl. 12.00–15.00"),
    ],
)
def test_closed_now_with_the_next_opening(locale, expected):
    assert text_at("2026-11-28 18:45", locale) == expected  # a Saturday evening


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Open now, until Saturday 5 December 02:00"),
        ("fi", "Avoinna nyt, lauantaina 5. joulukuuta klo 2.00 asti"),
        ("sv", "Öppet nu, till lördag 5 december kl. 2.00"),
    ],
)
def test_open_past_midnight_names_the_day(locale, expected):
    assert text_at("2026-12-04 21:00", locale, "phone") == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Open now, until midnight"),
        ("fi", "Avoinna nyt, keskiyöhön asti"),
        ("sv", "Öppet nu, till midnatt"),
    ],
)
def test_open_until_midnight(locale, expected):
    assert text_at("2026-12-04 10:00", locale, "whatsapp") == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Closed now. Next open Friday 4 December 09:05–24:00"),
        ("fi", "Suljettu nyt. Seuraavan kerran avoinna perjantaina 4. joulukuuta klo 9.05–24.00"),
        ("sv", "Stängt nu. Nästa gång öppet fredag 4 december kl. 9.05–24.00"),
    ],
)
def test_minutes_and_an_opening_that_ends_at_midnight(locale, expected):
    assert text_at("2026-12-04 08:00", locale, "whatsapp") == expected


def test_no_hours_at_all():
    assert text_at("2026-12-01 13:00", "en", schedule=Schedule()) == (
        "Closed now. No opening hours are set for the coming weeks."
    )


def test_a_closed_tuesday_points_to_thursday():
    closing = DatedException(datetime(2026, 12, 1).date(), ExceptionKind.CLOSED, "chat")
    schedule = Schedule(slots=WEEK.slots, exceptions=(closing,))
    assert text_at("2026-12-01 12:30", "en", schedule=schedule) == (
        "Closed now. Next open Thursday 3 December 12:00–15:00"
    )
