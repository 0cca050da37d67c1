"""A due time as staff read it: "overdue by 3 hours", "due in 2 days", and the exact time.

The words are relative (what an advisor needs at a glance); the exact time goes into the
`<time datetime>` attribute, a title for hover and a text for screen readers. Both follow the
staff member's page language (fi, sv, en) and Helsinki time.

A board shows up to 125 of them, and babel takes tens of microseconds for each: the words are
kept per (unit, number, language) — what babel's own rounding makes of a span — and the exact
time per (moment, language), so a page only formats what it has not shown before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal, cast

from babel.dates import TIMEDELTA_UNITS, format_datetime, format_timedelta

from yhteys import i18n
from yhteys.clock import HELSINKI, as_utc, machine_time
from yhteys.i18n import gettext as _

GRANULARITY = "minute"  # never in seconds
THRESHOLD = 0.85  # format_timedelta's default: 0.85 of a day is said as "1 day"
SECONDS_PER = dict(TIMEDELTA_UNITS)
Unit = Literal["year", "month", "week", "day", "hour", "minute", "second"]


@dataclass(frozen=True)
class Due:
    overdue: bool
    words: str  # "overdue by 3 hours"
    exact: str  # "27/10/2026, 13:00", in the page's language, as the other staff dates
    iso: str  # for <time datetime>


def rounded(seconds: float) -> tuple[str, int]:
    """The unit and number format_timedelta says for a span, by its own rule: the largest unit
    of which the span is at least THRESHOLD, rounded, and at least one minute unless zero."""
    for unit, per in TIMEDELTA_UNITS:
        value = abs(seconds) / per
        if value >= THRESHOLD or unit == GRANULARITY:
            if unit == GRANULARITY and value > 0:
                value = max(1, value)
            return unit, int(round(value))
    raise AssertionError("the loop ends at the granularity")  # pragma: no cover


@lru_cache(maxsize=512)
def _span_words(unit: str, number: int, locale: str) -> str:
    # An infinite threshold makes babel say the span in `unit` itself, as it rounded it.
    return format_timedelta(timedelta(seconds=number * SECONDS_PER[unit]),
                            granularity=cast(Unit, unit),  # one of TIMEDELTA_UNITS
                            threshold=float("inf"), format="long", locale=locale)


def span(moment: datetime, at: datetime) -> str:
    """How far `moment` is from `at`, in words ("3 hours", "2 days"), never in seconds."""
    seconds = (as_utc(moment) - as_utc(at)).total_seconds()
    return _span_words(*rounded(seconds), i18n.format_locale())


@lru_cache(maxsize=512)
def _due_words(overdue: bool, unit: str, number: int, locale: str) -> str:
    time = _span_words(unit, number, i18n.format_locale(locale))
    with i18n.use_locale(locale):
        return _("overdue by %(time)s", time=time) if overdue else _("due in %(time)s", time=time)


@lru_cache(maxsize=4096)
def _moment(moment: datetime, locale: str) -> tuple[str, str]:
    """The exact time in words and for <time datetime>, of a UTC moment."""
    exact = format_datetime(moment, "short", tzinfo=HELSINKI, locale=i18n.format_locale(locale))
    return exact, machine_time(moment)


def exact(moment: datetime) -> str:
    return _moment(as_utc(moment), i18n.get_locale())[0]


def due(moment: datetime | None, at: datetime) -> Due | None:
    if moment is None:
        return None
    moment = as_utc(moment)
    seconds = (moment - as_utc(at)).total_seconds()
    overdue = seconds <= 0
    locale = i18n.get_locale()
    words = _due_words(overdue, *rounded(seconds), locale)
    return Due(overdue, words, *_moment(moment, locale))
