"""Fixtures of the hours tests: staff from the staff-side fixtures, hours in the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session

# The staff fixtures (make_staff, login_fast, form_token, ...) live beside the staff-side tests.
from tests.triage.conftest import (  # noqa: F401
    _fresh_rate_limits,
    form_token,
    login,
    login_fast,
    make_staff,
    make_team,
)

TUE, THU = 1, 3
CHAT_LANGS = ["fi", "en", "ar", "fa", "ru", "so"]


@pytest.fixture
def add_slot(settings) -> Callable[..., object]:  # noqa: ANN001
    from intake.hours.models import HoursSlot
    from yhteys.db import get_engine

    def add(channel: str, weekday: int, start: str, end: str, languages=("fi",)):  # noqa: ANN001, ANN202
        sh, sm = map(int, start.split(":"))
        eh, em = map(int, end.split(":"))
        with Session(get_engine(), expire_on_commit=False) as db:
            row = HoursSlot(
                channel=channel,
                weekday=weekday,
                start_minute=sh * 60 + sm,
                end_minute=eh * 60 + em,
                languages=list(languages),
            )
            db.add(row)
            db.commit()
            db.refresh(row)
            return row

    return add


@pytest.fixture
def add_exception(settings) -> Callable[..., object]:  # noqa: ANN001
    from intake.hours.models import HoursException
    from yhteys.db import get_engine

    def add(day: date, kind: str, channel: str = "all", start: int | None = None,
            end: int | None = None):  # noqa: ANN202
        with Session(get_engine(), expire_on_commit=False) as db:
            row = HoursException(day=day, kind=kind, channel=channel, start_minute=start,
                                 end_minute=end)
            db.add(row)
            db.commit()
            db.refresh(row)
            return row

    return add


@pytest.fixture
def demo_hours(settings) -> None:  # noqa: ANN001
    """The demo week: chat and WhatsApp Tue/Thu 12-15, phone on weekdays 10-16, demo numbers."""
    from intake.hours.demo import seed

    seed()
