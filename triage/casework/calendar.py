"""The business-hours calendar the SLA clock runs on.

Mon–Fri 9–16 in Helsinki, minus Finnish public holidays and the dates a supervisor closed: the
days come from `yhteys.calendar`, the same holidays the opening hours close on. All arithmetic
happens on local wall-clock days and converts to UTC at the end, so a due time lands at the same
local hour on both sides of a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from yhteys.calendar import WorkingDays
from yhteys.clock import HELSINKI, as_utc

OPENS = time(9, 0)
CLOSES = time(16, 0)
BUSINESS_DAY_MINUTES = 7 * 60
_MAX_DAYS = 3660  # a bound for the day walk: ten years of closures is a configuration error


class BusinessCalendar:
    """Business time between instants, and an instant plus some business time."""

    def __init__(
        self,
        closed_dates: Iterable[date] = (),
        *,
        opens: time = OPENS,
        closes: time = CLOSES,
        tz: ZoneInfo = HELSINKI,
    ) -> None:
        self.days = WorkingDays(closed_dates)
        self.closed_dates = self.days.closed_dates
        self.opens = opens
        self.closes = closes
        self.tz = tz

    def is_business_day(self, day: date) -> bool:
        return self.days.is_working_day(day)

    def holiday_name(self, day: date) -> str | None:
        return self.days.holiday(day)

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, tzinfo=self.tz),
            datetime.combine(day, self.closes, tzinfo=self.tz),
        )

    def add(self, start: datetime, seconds: int) -> datetime:
        """The instant `seconds` of business time after `start` (UTC)."""
        start = as_utc(start)
        if seconds <= 0:
            return start
        remaining = timedelta(seconds=seconds)
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(_MAX_DAYS):
            if self.is_business_day(day):
                opens, closes = self._window(day)
                begin = max(local, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        # Within 9–16 there is no DST transition, so wall-clock addition is exact.
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
        raise ValueError("no business time within ten years: check the closed dates")

    def subtract(self, end: datetime, seconds: int) -> datetime:
        """The instant `seconds` of business time before `end` (UTC): when a target was crossed."""
        end = as_utc(end)
        if seconds <= 0:
            return end
        remaining = timedelta(seconds=seconds)
        local = end.astimezone(self.tz)
        day = local.date()
        for _ in range(_MAX_DAYS):
            if self.is_business_day(day):
                opens, closes = self._window(day)
                finish = min(local, closes)
                if finish > opens:
                    available = finish - opens
                    if remaining <= available:
                        return (finish - remaining).astimezone(UTC)
                    remaining -= available
            day -= timedelta(days=1)
        raise ValueError("no business time within ten years: check the closed dates")

    def between(self, start: datetime, end: datetime) -> int:
        """Seconds of business time from `start` to `end` (0 when end is not after start)."""
        start, end = as_utc(start), as_utc(end)
        if end <= start:
            return 0
        total = timedelta()
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            if self.is_business_day(day):
                opens, closes = self._window(day)
                begin = max(start, opens)
                finish = min(end, closes)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return int(total.total_seconds())

    def next_business_days(self, start: date, count: int) -> list[date]:
        """The next `count` business days from `start` (inclusive), for the calendar page."""
        found: list[date] = []
        day = start
        while len(found) < count:
            if self.is_business_day(day):
                found.append(day)
            day += timedelta(days=1)
        return found
