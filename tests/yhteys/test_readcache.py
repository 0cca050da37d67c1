"""Configuration caches: reads are served from the cache, ORM writes drop it at once."""

from __future__ import annotations

from sqlalchemy import text

from intake.hours import store
from intake.hours.models import HoursSlot


def _slots() -> int:
    schedule, _contacts = store.load_all()
    return len(schedule.slots)


def test_a_write_through_the_orm_is_seen_at_once(session):
    assert _slots() == 0
    session.add(HoursSlot(channel="chat", weekday=1, start_minute=720, end_minute=900,
                          languages=["fi"]))
    session.commit()
    assert _slots() == 1


def test_reads_within_the_ttl_come_from_the_cache(session):
    assert _slots() == 0
    # Another process's write: no ORM event here, so this process keeps its cached value.
    session.execute(text(
        "INSERT INTO hours_slot (channel, weekday, start_minute, end_minute, languages, "
        "created_at, updated_at) VALUES ('chat', 1, 720, 900, '[]', CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP)"
    ))
    session.commit()
    assert _slots() == 0
    store.HOURS.invalidate()
    assert _slots() == 1


def test_each_settings_object_has_its_own_cache(session, use_settings):
    assert _slots() == 0
    session.execute(text(
        "INSERT INTO hours_slot (channel, weekday, start_minute, end_minute, languages, "
        "created_at, updated_at) VALUES ('phone', 0, 600, 960, '[]', CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP)"
    ))
    session.commit()
    use_settings(log_level="WARNING")  # a new settings object, as each test has
    assert _slots() == 1
