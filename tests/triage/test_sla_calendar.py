"""The business-hours calendar: Mon–Fri 9–16 Helsinki time, holidays, closures, DST."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from triage.casework.calendar import BusinessCalendar
from yhteys.clock import HELSINKI

pytestmark = pytest.mark.sqlite_only
HOUR = 3600


def helsinki(*args: int) -> datetime:
    return datetime(*args, tzinfo=HELSINKI)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def cal() -> BusinessCalendar:
    return BusinessCalendar()


def test_within_one_day(cal):
    assert cal.add(helsinki(2026, 12, 1, 10), 4 * HOUR) == helsinki(2026, 12, 1, 14)


def test_a_full_day_ends_at_closing_time(cal):
    assert cal.add(helsinki(2026, 12, 1, 9), 7 * HOUR) == helsinki(2026, 12, 1, 16)


def test_the_rest_carries_over_the_weekend(cal):
    # Friday 14:00 + 4 h: two hours on Friday, two on Monday morning.
    assert cal.add(helsinki(2026, 12, 4, 14), 4 * HOUR) == helsinki(2026, 12, 7, 11)


def test_outside_hours_the_clock_starts_at_opening(cal):
    assert cal.add(helsinki(2026, 12, 1, 7, 30), HOUR) == helsinki(2026, 12, 1, 10)
    assert cal.add(helsinki(2026, 12, 1, 18), HOUR) == helsinki(2026, 12, 2, 10)
    assert cal.add(helsinki(2026, 12, 5, 12), HOUR) == helsinki(2026, 12, 7, 10)  # a Saturday


def test_christmas_holidays_are_skipped(cal):
    # Wed 23 Dec 15:00 + one business day: 1 h on Wednesday, Christmas Eve and Day are holidays,
    # then the weekend, 6 h on Monday 28 Dec.
    assert cal.add(helsinki(2026, 12, 23, 15), 7 * HOUR) == helsinki(2026, 12, 28, 15)
    assert cal.holiday_name(date(2026, 12, 24))


def test_autumn_dst_change_keeps_the_local_hour(cal):
    # Sunday 25 Oct 2026 clocks go back (UTC+3 -> UTC+2). Fri 14:00 EEST is 11:00 UTC;
    # four business hours later is Mon 11:00 EET, which is 09:00 UTC (not 08:00 or 10:00).
    start = helsinki(2026, 10, 23, 14)
    assert start == utc(2026, 10, 23, 11)
    assert cal.add(start, 4 * HOUR) == utc(2026, 10, 26, 9)


def test_spring_dst_change_over_easter(cal):
    # Sunday 28 Mar 2027 clocks go forward and it is Easter: Good Friday 26 Mar and Easter
    # Monday 29 Mar are holidays. Thu 25 Mar 14:00 EET (12:00 UTC) + 4 h -> Tue 30 Mar 11:00 EEST.
    start = helsinki(2027, 3, 25, 14)
    assert start == utc(2027, 3, 25, 12)
    assert cal.add(start, 4 * HOUR) == utc(2027, 3, 30, 8)


def test_supervisor_closures_are_skipped():
    closed = BusinessCalendar([date(2026, 12, 2)])
    assert closed.add(helsinki(2026, 12, 1, 15), 2 * HOUR) == helsinki(2026, 12, 3, 10)


def test_naive_values_from_sqlite_are_read_as_utc(cal):
    assert cal.add(datetime(2026, 12, 1, 8), HOUR) == helsinki(2026, 12, 1, 11)


def test_between_counts_only_business_time(cal):
    assert cal.between(helsinki(2026, 12, 4, 14), helsinki(2026, 12, 7, 11)) == 4 * HOUR
    assert cal.between(helsinki(2026, 12, 5, 0), helsinki(2026, 12, 6, 23)) == 0
    assert cal.between(helsinki(2026, 12, 7, 11), helsinki(2026, 12, 4, 14)) == 0


def test_subtract_walks_back_over_the_weekend(cal):
    assert cal.subtract(helsinki(2026, 12, 7, 11), 4 * HOUR) == helsinki(2026, 12, 4, 14)
    assert cal.subtract(helsinki(2026, 12, 7, 8), HOUR) == helsinki(2026, 12, 4, 15)


def test_add_between_and_subtract_agree_over_a_year():
    cal = BusinessCalendar([date(2027, 2, 10)])
    rng = random.Random(20261201)
    start = utc(2026, 9, 1)
    for _ in range(400):
        at = start + timedelta(minutes=rng.randrange(0, 400 * 24 * 60))
        seconds = rng.randrange(1, 15 * 7 * HOUR)
        due = cal.add(at, seconds)
        assert due.astimezone(HELSINKI).weekday() < 5
        assert cal.between(at, due) == seconds
        assert cal.subtract(due, seconds) <= max(at, due)
        assert cal.between(cal.subtract(due, seconds), due) == seconds
