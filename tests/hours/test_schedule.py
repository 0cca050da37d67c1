"""The pure schedule: open now, until when, and the next opening, on the hard days.

Dates used (all checked against the calendar): 2026-12-01 is a Tuesday; 2026-05-14 (Thursday) is
Ascension Day; 2026-10-25 and 2027-03-28 are the Sundays the clocks change (2027-03-28 is also
Easter Sunday, a public holiday).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest

from intake.hours.schedule import (
    DatedException,
    ExceptionKind,
    Schedule,
    WeeklySlot,
    channel_status,
    day_plan,
    openings_between,
    status_at,
    wall_instant,
)
from yhteys.clock import HELSINKI

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
CHAT_LANGS = ("fi", "en", "ar", "fa", "ru", "so")


def at(text: str) -> datetime:
    """A Helsinki wall time 'YYYY-MM-DD HH:MM' as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=HELSINKI)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def h(hour: int, minute: int = 0) -> int:
    return hour * 60 + minute


def chat_week(*extra: WeeklySlot, exceptions: tuple[DatedException, ...] = ()) -> Schedule:
    slots = (
        WeeklySlot("chat", TUE, h(12), h(15), CHAT_LANGS),
        WeeklySlot("chat", THU, h(12), h(15), CHAT_LANGS),
        *[WeeklySlot("phone", day, h(10), h(16), ("fi", "en")) for day in range(5)],
        *extra,
    )
    return Schedule(slots=slots, exceptions=exceptions)


def test_the_calendar_facts_these_tests_rely_on():
    assert date(2026, 12, 1).weekday() == TUE
    assert date(2026, 10, 25).weekday() == SUN
    assert date(2027, 3, 28).weekday() == SUN
    finland = holidays.Finland(years=[2026, 2027])
    assert date(2026, 5, 14).weekday() == THU and date(2026, 5, 14) in finland
    assert date(2027, 3, 28) in finland  # Easter Sunday
    assert date(2026, 10, 25) not in finland
    # The clocks change at 01:00 UTC on both days.
    assert at("2026-10-25 02:00").utcoffset() == timedelta(hours=3)
    assert at("2026-10-25 05:00").utcoffset() == timedelta(hours=2)
    assert at("2027-03-28 02:00").utcoffset() == timedelta(hours=2)
    assert at("2027-03-28 05:00").utcoffset() == timedelta(hours=3)


def test_open_now_until_the_end_of_the_slot():
    status = channel_status(at("2026-12-01 13:30"), chat_week(), "chat")
    assert status.is_open
    assert status.open_until == utc("2026-12-01 13:00")  # 15:00 in Helsinki (UTC+2)
    assert status.current is not None and status.current.languages == CHAT_LANGS
    assert status.next is not None and status.next.start == utc("2026-12-03 10:00")


def test_the_first_and_the_last_minute():
    schedule = chat_week()
    assert channel_status(at("2026-12-01 12:00"), schedule, "chat").is_open
    assert channel_status(at("2026-12-01 14:59"), schedule, "chat").is_open
    closed = channel_status(at("2026-12-01 15:00"), schedule, "chat")
    assert not closed.is_open and closed.open_until is None
    assert closed.next is not None and closed.next.local_start == at("2026-12-03 12:00")


def test_closed_before_opening_the_same_day():
    status = channel_status(at("2026-12-01 11:59"), chat_week(), "chat")
    assert not status.is_open
    assert status.next is not None
    assert (status.next.local_start, status.next.local_end) == (
        at("2026-12-01 12:00"),
        at("2026-12-01 15:00"),
    )


def test_across_midnight_the_next_opening_is_tomorrow():
    status = channel_status(at("2026-11-30 23:59"), chat_week(), "chat")  # a Monday night
    assert status.next is not None and status.next.local_start == at("2026-12-01 12:00")
    after_midnight = channel_status(at("2026-12-01 00:01"), chat_week(), "chat")
    assert after_midnight.next == status.next


def test_a_night_line_open_across_midnight_stays_open_until_its_real_end():
    # Phone open Friday 20:00-24:00 and Saturday 00:00-02:00: one evening for the person.
    schedule = chat_week(
        WeeklySlot("phone", FRI, h(20), h(24), ("fi",)),
        WeeklySlot("phone", SAT, h(0), h(2), ("fi",)),
    )
    evening = channel_status(at("2026-12-04 23:30"), schedule, "phone")
    assert evening.is_open and evening.open_until == at("2026-12-05 02:00")
    night = channel_status(at("2026-12-05 00:30"), schedule, "phone")
    assert night.is_open and night.open_until == at("2026-12-05 02:00")
    after = channel_status(at("2026-12-05 02:00"), schedule, "phone")
    assert not after.is_open
    assert after.next is not None and after.next.local_start == at("2026-12-07 10:00")


def test_over_the_weekend_the_next_opening_is_on_tuesday():
    schedule = chat_week()
    for moment in ("2026-12-03 15:00", "2026-12-04 10:00", "2026-12-05 12:00", "2026-12-06 23:00"):
        status = channel_status(at(moment), schedule, "chat")
        assert not status.is_open
        assert status.next is not None and status.next.local_start == at("2026-12-08 12:00")
    phone = channel_status(at("2026-12-05 12:00"), schedule, "phone")  # Saturday
    assert phone.next is not None and phone.next.local_start == at("2026-12-07 10:00")


def test_autumn_change_keeps_the_wall_clock_hours():
    schedule = Schedule(slots=(WeeklySlot("chat", SUN, h(12), h(15), ("fi",)),))
    before, change_day = (
        day_plan(date(2026, 10, 18), "chat", schedule).openings[0],
        day_plan(date(2026, 10, 25), "chat", schedule).openings[0],
    )
    assert (before.start, before.end) == (utc("2026-10-18 09:00"), utc("2026-10-18 12:00"))
    assert (change_day.start, change_day.end) == (utc("2026-10-25 10:00"), utc("2026-10-25 13:00"))
    assert change_day.local_start.hour == 12 and change_day.local_end.hour == 15
    # On the morning of the change, the next opening is still at 12:00 local.
    status = channel_status(utc("2026-10-25 00:30"), schedule, "chat")  # 03:30 summer time
    assert status.next == change_day
    assert channel_status(utc("2026-10-25 12:59"), schedule, "chat").is_open
    assert not channel_status(utc("2026-10-25 13:00"), schedule, "chat").is_open


def test_spring_change_keeps_the_wall_clock_hours_even_on_easter_sunday():
    slot = WeeklySlot("chat", SUN, h(12), h(15), ("fi",))
    closed = Schedule(slots=(slot,))
    # Easter Sunday is a public holiday: closed by default...
    plan = day_plan(date(2027, 3, 28), "chat", closed)
    assert plan.openings == () and plan.closed_for == "holiday"
    status = channel_status(at("2027-03-28 12:30"), closed, "chat")
    assert not status.is_open
    assert status.next is not None and status.next.local_start == at("2027-04-04 12:00")
    # ...unless a supervisor opens it.
    opened = Schedule(
        slots=(slot,),
        exceptions=(DatedException(date(2027, 3, 28), ExceptionKind.HOLIDAY_OPEN, "chat"),),
    )
    week_before = day_plan(date(2027, 3, 21), "chat", opened).openings[0]
    change_day = day_plan(date(2027, 3, 28), "chat", opened).openings[0]
    assert week_before.start == utc("2027-03-21 10:00")  # winter time, UTC+2
    assert week_before.end == utc("2027-03-21 13:00")
    assert change_day.start == utc("2027-03-28 09:00")  # summer time, UTC+3
    assert change_day.end == utc("2027-03-28 12:00")
    now = utc("2027-03-28 09:30")
    status = channel_status(now, opened, "chat")
    assert status.is_open and status.open_until == utc("2027-03-28 12:00")


def test_a_slot_over_the_changing_hour_is_shorter_in_spring_and_longer_in_autumn():
    def night_on(day: date) -> Schedule:
        return Schedule(
            slots=(WeeklySlot("phone", SUN, h(2), h(5), ("fi",)),),
            exceptions=(DatedException(day, ExceptionKind.HOLIDAY_OPEN, "phone"),),
        )

    spring = day_plan(date(2027, 3, 28), "phone", night_on(date(2027, 3, 28))).openings[0]
    autumn = day_plan(date(2026, 10, 25), "phone", night_on(date(2026, 10, 25))).openings[0]
    assert spring.end - spring.start == timedelta(hours=2)
    assert autumn.end - autumn.start == timedelta(hours=4)


def test_wall_times_the_clocks_skip_or_repeat():
    # 03:30 does not exist on 2027-03-28: the opening starts when the clocks jump to 04:00.
    assert wall_instant(date(2027, 3, 28), h(3, 30)) == utc("2027-03-28 01:00")
    # 03:30 happens twice on 2026-10-25: the first time (summer time) counts.
    assert wall_instant(date(2026, 10, 25), h(3, 30)) == utc("2026-10-25 00:30")
    assert wall_instant(date(2026, 12, 1), h(24)) == utc("2026-12-01 22:00")


def test_a_public_holiday_on_a_chat_day_is_closed():
    schedule = chat_week()
    ascension = date(2026, 5, 14)
    plan = day_plan(ascension, "chat", schedule)
    assert plan.openings == ()
    assert plan.closed_for == "holiday" and plan.holiday == "Ascension Day"
    status = channel_status(at("2026-05-14 12:30"), schedule, "chat")
    assert not status.is_open
    assert status.next is not None and status.next.local_start == at("2026-05-19 12:00")
    # The day before, "next" skips the holiday too.
    status = channel_status(at("2026-05-12 15:30"), schedule, "chat")
    assert status.next is not None and status.next.day == date(2026, 5, 19)


def test_a_closing_exception_closes_and_the_next_opening_moves_on():
    closing = DatedException(date(2026, 12, 8), ExceptionKind.CLOSED, "chat")
    schedule = chat_week(exceptions=(closing,))
    status = channel_status(at("2026-12-08 12:30"), schedule, "chat")
    assert not status.is_open
    assert status.next is not None and status.next.day == date(2026, 12, 10)
    assert day_plan(date(2026, 12, 8), "chat", schedule).closed_for == "exception"
    # Other channels are not touched by a closing of the chat...
    assert channel_status(at("2026-12-08 12:30"), schedule, "phone").is_open
    # ...but a closing of all channels closes them all.
    everything = chat_week(exceptions=(DatedException(date(2026, 12, 8), ExceptionKind.CLOSED),))
    assert not any(s.is_open for s in status_at(at("2026-12-08 12:30"), everything).values())


def test_closed_wins_over_an_extra_opening_on_the_same_date():
    day = date(2026, 12, 9)
    schedule = chat_week(
        exceptions=(
            DatedException(day, ExceptionKind.EXTRA, "chat", h(10), h(11)),
            DatedException(day, ExceptionKind.CLOSED, "all"),
        )
    )
    assert day_plan(day, "chat", schedule).openings == ()


def test_an_extra_opening():
    extra = DatedException(date(2026, 12, 9), ExceptionKind.EXTRA, "chat", h(10), h(11))
    schedule = chat_week(exceptions=(extra,))
    before = channel_status(at("2026-12-08 15:30"), schedule, "chat")
    assert before.next is not None and before.next.local_start == at("2026-12-09 10:00")
    assert before.next.kind == "extra"
    assert before.next.languages == CHAT_LANGS  # the channel's usual languages by default
    during = channel_status(at("2026-12-09 10:30"), schedule, "chat")
    assert during.is_open and during.open_until == at("2026-12-09 11:00")


def test_an_extra_opening_that_touches_a_slot_extends_it():
    extra = DatedException(date(2026, 12, 8), ExceptionKind.EXTRA, "chat", h(15), h(17), ("uk",))
    plan = day_plan(date(2026, 12, 8), "chat", chat_week(exceptions=(extra,)))
    assert len(plan.openings) == 1
    only = plan.openings[0]
    assert (only.local_start, only.local_end) == (at("2026-12-08 12:00"), at("2026-12-08 17:00"))
    assert only.languages == (*CHAT_LANGS, "uk")


def test_changed_hours_replace_the_usual_ones():
    changed = DatedException(date(2026, 12, 10), ExceptionKind.CHANGED, "chat", h(13), h(14))
    schedule = chat_week(exceptions=(changed,))
    early = channel_status(at("2026-12-10 12:30"), schedule, "chat")
    assert not early.is_open
    assert early.next is not None and early.next.local_start == at("2026-12-10 13:00")
    during = channel_status(at("2026-12-10 13:30"), schedule, "chat")
    assert during.is_open and during.open_until == at("2026-12-10 14:00")


def test_changed_hours_open_a_holiday():
    changed = DatedException(date(2026, 5, 14), ExceptionKind.CHANGED, "chat", h(10), h(12))
    plan = day_plan(date(2026, 5, 14), "chat", chat_week(exceptions=(changed,)))
    assert [(o.local_start.hour, o.local_end.hour) for o in plan.openings] == [(10, 12)]


def test_openings_of_the_coming_four_weeks():
    start = at("2026-12-01 00:00")
    chat = openings_between(start, start + timedelta(days=28), chat_week(), "chat")
    # Eight Tuesdays and Thursdays, less Christmas Eve (Thursday 24 December).
    assert [o.day for o in chat] == [
        date(2026, 12, d) for d in (1, 3, 8, 10, 15, 17, 22)
    ]
    everything = openings_between(start, start + timedelta(days=28), chat_week())
    assert {o.channel for o in everything} == {"chat", "phone"}
    assert everything == sorted(everything, key=lambda o: o.start)


def test_an_opening_under_way_is_part_of_the_window():
    start = at("2026-12-01 13:00")
    chat = openings_between(start, start + timedelta(hours=1), chat_week(), "chat")
    assert [o.local_start for o in chat] == [at("2026-12-01 12:00")]


def test_no_hours_at_all_means_closed_with_no_next_opening():
    status = channel_status(at("2026-12-01 12:00"), Schedule(), "chat")
    assert not status.is_open and status.next is None


@pytest.mark.parametrize("channel", ["chat", "phone", "whatsapp"])
def test_every_channel_has_a_status(channel):
    assert channel in status_at(at("2026-12-01 12:00"), chat_week())


def test_a_next_opening_weeks_away_is_found_and_one_beyond_the_horizon_is_not():
    soon = DatedException(date(2027, 1, 29), ExceptionKind.EXTRA, "chat", h(10), h(11))
    status = channel_status(at("2026-12-01 12:00"), Schedule(exceptions=(soon,)), "chat")
    assert status.next is not None and status.next.local_start == at("2027-01-29 10:00")
    far = DatedException(date(2027, 6, 1), ExceptionKind.EXTRA, "chat", h(10), h(11))
    assert channel_status(at("2026-12-01 12:00"), Schedule(exceptions=(far,)), "chat").next is None
