"""A due time as staff read it: "overdue by 3 hours", "due in 2 days", and the exact time.

The words are relative (what an advisor needs at a glance); the exact time goes into the
`<time datetime>` attribute, a title for hover and a text for screen readers. Both follow the
staff member's page language (fi, sv, en) and Helsinki time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_datetime, format_timedelta

from yhteys import i18n
from yhteys.clock import HELSINKI, as_utc, machine_time
from yhteys.i18n import gettext as _


@dataclass(frozen=True)
class Due:
    overdue: bool
    words: str  # "overdue by 3 hours"
    exact: str  # "27/10/2026, 13:00", in the page's language, as the other staff dates
    iso: str  # for <time datetime>


def span(moment: datetime, at: datetime) -> str:
    """How far `moment` is from `at`, in words ("3 hours", "2 days"), never in seconds."""
    return format_timedelta(as_utc(moment) - as_utc(at), granularity="minute", format="long",
                            locale=i18n.format_locale())


def exact(moment: datetime) -> str:
    return format_datetime(as_utc(moment), "short", tzinfo=HELSINKI,
                           locale=i18n.format_locale())


def due(moment: datetime | None, at: datetime) -> Due | None:
    if moment is None:
        return None
    overdue = as_utc(moment) <= as_utc(at)
    words = (_("overdue by %(time)s", time=span(moment, at)) if overdue
             else _("due in %(time)s", time=span(moment, at)))
    return Due(overdue, words, exact(moment), machine_time(moment))
