"""Due words say a span as babel says it, whatever is kept between pages, in each language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_datetime, format_timedelta

from triage.casework import due_words
from yhteys import i18n
from yhteys.clock import HELSINKI

AT = datetime(2026, 10, 27, 10, 0, 7, 123456, tzinfo=UTC)
# Around babel's rounding and unit edges: 0.85 of a unit, half units, a minute, nothing.
SPANS = [0, 1, 29, 30, 31, 59, 60, 89, 90, 91, 3059, 3061, 5399, 5400, 73440, 73441, 129600,
         514080, 514081, 2203200, 26827200, 31535999, 10**8]


@pytest.mark.parametrize("locale", ["en", "fi", "sv"])
def test_the_span_is_what_babel_says_for_every_size(locale):
    with i18n.use_locale(locale):
        for seconds in SPANS + [s + 0.5 for s in SPANS]:
            for sign in (1, -1):
                moment = AT + timedelta(seconds=sign * seconds)
                said = format_timedelta(moment - AT, granularity="minute", format="long",
                                        locale=i18n.format_locale())
                assert due_words.span(moment, AT) == said, (locale, sign * seconds)


def test_the_same_span_is_said_in_the_page_language():
    moment = AT - timedelta(hours=3, minutes=5)
    with i18n.use_locale("en"):
        english = due_words.due(moment, AT)
    with i18n.use_locale("fi"):
        finnish = due_words.due(moment, AT)
    with i18n.use_locale("sv"):
        swedish = due_words.due(moment, AT)
    assert english.words == "overdue by 3 hours" and english.overdue
    assert finnish.words == "myöhässä 3 tuntia"
    assert swedish.words == "försenat med 3 timmar"
    assert english.exact != finnish.exact
    with i18n.use_locale("fi"):
        assert finnish.exact == format_datetime(moment, "short", tzinfo=HELSINKI,
                                                locale=i18n.format_locale())
    assert english.iso == finnish.iso == "2026-10-27T06:55:07Z"


def test_due_now_is_overdue_and_a_naive_time_is_utc():
    with i18n.use_locale("en"):
        now_due = due_words.due(AT, AT)
        later = due_words.due(AT.replace(tzinfo=None) + timedelta(days=2, hours=1), AT)
    assert now_due.overdue and now_due.words == "overdue by 0 minutes"
    assert not later.overdue and later.words == "due in 2 days"
    assert due_words.due(None, AT) is None
