"""The demo week: the hours of the issue, demo numbers marked, a second run adds nothing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from intake.hours.demo import seed
from intake.hours.models import HoursChannel, HoursSlot
from intake.hours.schedule import status_at
from intake.hours.store import load_schedule
from yhteys.db import get_engine


def test_the_demo_week_is_seeded_once(settings):
    seed()
    seed()
    with Session(get_engine()) as db:
        slots = list(db.exec(select(HoursSlot)))
        channels = list(db.exec(select(HoursChannel)))
        schedule = load_schedule(db)
    assert sorted((s.channel, s.weekday) for s in slots) == sorted(
        [("chat", 1), ("chat", 3), ("whatsapp", 1), ("whatsapp", 3)]
        + [("phone", day) for day in range(5)]
    )
    assert all(c.demo for c in channels) and len(channels) == 3
    tuesday_noon = datetime.fromisoformat("2026-12-01T12:30:00+02:00")
    assert all(s.is_open for s in status_at(tuesday_noon, schedule).values())
    chat = status_at(tuesday_noon, schedule)["chat"]
    assert chat.current is not None
    assert chat.current.languages == ("fi", "en", "ar", "fa", "ru", "so")


def test_the_demo_leaves_a_services_own_hours_alone(settings, add_slot):
    add_slot("chat", 0, "09:00", "10:00")
    seed()
    with Session(get_engine()) as db:
        assert len(list(db.exec(select(HoursSlot)))) == 1
