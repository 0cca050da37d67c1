"""Which days the service is shut: Finland's public holidays, and dates someone closed.

The one answer for the SLA clock (`triage.casework.calendar`) and the opening hours
(`intake.hours.schedule`), so a deadline never runs on a day the hours page says is closed. It
lives here, next to `clock`, because both packages need it and intake may not import triage.
Holidays come from the `holidays` package: its Finland includes Midsummer Eve and Christmas Eve,
the days everyone here treats as holidays. Closed dates are data their owner keeps (casework's
calendar closures) and passes in; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

import holidays

# The holidays package translates the Finnish calendar into these languages.
_HOLIDAY_LANGUAGES = {"fi": "fi", "sv": "sv_FI", "en": "en_US", "uk": "uk"}


def finnish_holiday(day: date) -> str | None:
    """The English name of the Finnish public holiday on this date, or None."""
    return _finnish_holidays(day.year).get(day)


@lru_cache(maxsize=16)
def _finnish_holidays(year: int) -> dict[date, str]:
    return dict(holidays.Finland(years=year).items())


def holiday_name(day: date, locale: str) -> str | None:
    """The name of the Finnish public holiday on this date in the reader's language."""
    language = _HOLIDAY_LANGUAGES.get(locale, "en_US")
    return _localised_holidays(day.year, language).get(day)


@lru_cache(maxsize=32)
def _localised_holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.Finland(years=year, language=language).items())


class WorkingDays:
    """Monday to Friday, minus the public holidays and the given closed dates."""

    def __init__(self, closed_dates: Iterable[date] = ()) -> None:
        self.closed_dates = frozenset(closed_dates)

    def holiday(self, day: date) -> str | None:
        return finnish_holiday(day)

    def is_closed(self, day: date) -> bool:
        """A public holiday or a closed date, whatever the weekday."""
        return day in self.closed_dates or finnish_holiday(day) is not None

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not self.is_closed(day)
