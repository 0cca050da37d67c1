"""Demo opening hours and contacts (development only; the numbers are made up and marked so)."""

from __future__ import annotations

import logging

from sqlmodel import select

from intake.hours.models import HoursChannel, HoursSlot
from yhteys.db import session_scope

log = logging.getLogger(__name__)

CHAT_LANGUAGES = ["fi", "en", "ar", "fa", "ru", "so"]
TUESDAY, THURSDAY = 1, 3

DEMO_SLOTS: list[tuple[str, int, int, int, list[str]]] = [
    *[("chat", day, 12 * 60, 15 * 60, CHAT_LANGUAGES) for day in (TUESDAY, THURSDAY)],
    *[("phone", day, 10 * 60, 16 * 60, ["fi", "en", "sv"]) for day in range(5)],
    *[("whatsapp", day, 12 * 60, 15 * 60, CHAT_LANGUAGES) for day in (TUESDAY, THURSDAY)],
]

# Made up, in the shape of Finnish mobile numbers; `demo` makes every page say they are not in use.
DEMO_CONTACTS = {
    "chat": "https://chat.example/yhteys",
    "phone": "+358400000000",
    "whatsapp": "+358400000001",
}


def seed() -> None:
    """Add the demo week and contacts unless the service already has hours (idempotent)."""
    with session_scope() as session:
        if session.exec(select(HoursSlot.id).limit(1)).first() is None:
            for channel, weekday, start, end, languages in DEMO_SLOTS:
                session.add(
                    HoursSlot(
                        channel=channel,
                        weekday=weekday,
                        start_minute=start,
                        end_minute=end,
                        languages=list(languages),
                    )
                )
            log.info("demo opening hours added")
        for channel, address in DEMO_CONTACTS.items():
            if session.get(HoursChannel, channel) is None:
                session.add(HoursChannel(channel=channel, address=address, demo=True))
