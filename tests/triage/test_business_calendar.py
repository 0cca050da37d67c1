"""The SLA clock and the opening hours close on the same days: one calendar, `yhteys.calendar`.

2026-12-06 (Independence Day) is a Sunday, 2027-12-06 a Monday; Midsummer Eve is Friday
2026-06-19 and Friday 2027-06-25.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from intake.hours.schedule import Schedule, WeeklySlot, day_plan
from triage.casework.calendar import BusinessCalendar
from yhteys.calendar import WorkingDays, finnish_holiday, holiday_name
from yhteys.clock import HELSINKI

pytestmark = pytest.mark.sqlite_only

DAYS = [date(2026, 1, 1) + timedelta(days=n) for n in range(365 + 365)]
# The hours would be open every day of the week, 9–16, were it not for a holiday.
EVERY_DAY = Schedule(slots=tuple(WeeklySlot("chat", wd, 9 * 60, 16 * 60) for wd in range(7)))
MUST_CLOSE = {
    date(2026, 12, 6): "Independence Day",
    date(2027, 12, 6): "Independence Day",
    date(2026, 6, 19): "Midsummer Eve",
    date(2027, 6, 25): "Midsummer Eve",
    date(2026, 12, 24): "Christmas Eve",
    date(2027, 5, 6): "Ascension Day",
}


def sla_holidays() -> dict[date, str]:
    cal = BusinessCalendar()
    return {day: name for day in DAYS if (name := cal.holiday_name(day))}


def hours_holidays() -> dict[date, str]:
    plans = (day_plan(day, "chat", EVERY_DAY) for day in DAYS)
    return {plan.day: plan.holiday for plan in plans if plan.closed_for == "holiday"}


def test_the_sla_clock_and_the_opening_hours_close_on_the_same_holidays_in_2026_and_2027():
    sla, hours = sla_holidays(), hours_holidays()
    assert sla == hours
    assert MUST_CLOSE.items() <= sla.items()
    assert len(sla) == 30  # fifteen a year


def test_neither_counts_a_weekday_holiday_as_open_time():
    cal = BusinessCalendar()
    for day in sla_holidays():
        assert not cal.is_business_day(day)
        assert day_plan(day, "chat", EVERY_DAY).openings == ()
        if day.weekday() < 5:
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=HELSINKI)
            assert cal.between(noon, noon + timedelta(hours=1)) == 0


def test_independence_day_2027_moves_an_sla_deadline_to_tuesday():
    friday_afternoon = datetime(2027, 12, 3, 15, tzinfo=HELSINKI)
    due = BusinessCalendar().add(friday_afternoon, 2 * 3600)  # 1 h Friday, Monday is closed
    assert due == datetime(2027, 12, 7, 10, tzinfo=HELSINKI)


def test_one_function_names_a_holiday_and_another_in_the_readers_language():
    assert finnish_holiday(date(2026, 12, 6)) == "Independence Day"
    assert finnish_holiday(date(2026, 12, 7)) is None
    assert holiday_name(date(2026, 12, 6), "fi") == "Itsenäisyyspäivä"
    assert holiday_name(date(2026, 6, 19), "sv") == "Midsommarafton"


def test_closed_dates_close_working_days_through_the_same_calendar():
    closed = date(2026, 12, 2)  # a Wednesday a supervisor closed
    days = WorkingDays([closed])
    assert not days.is_working_day(closed) and days.is_closed(closed)
    assert days.holiday(closed) is None
    assert days.is_working_day(date(2026, 12, 3))
    assert not days.is_working_day(date(2026, 12, 5))  # a Saturday
    assert days.is_closed(date(2026, 12, 6)) and not WorkingDays().is_working_day(date(2027, 12, 6))
    assert not BusinessCalendar([closed]).is_business_day(closed)
