"""What the answer to a number that belongs to no case carries: the chat's weekly hours.

The answer itself (notify.whatsapp_texts) is written in every language of the service from
this: no text of hers, nothing about any case, nothing that differs from one number to another.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


def chat_hours() -> str:
    """"weekday start end" per weekly opening of the chat, in minutes ("1 720 900,3 720 900")."""
    from intake.hours import store

    try:
        schedule, _contacts = store.load_all()
    except SQLAlchemyError as exc:
        log.error("opening hours unavailable: %s", type(exc).__name__)
        return ""
    slots = sorted((s for s in schedule.slots if s.channel == "chat"),
                   key=lambda s: (s.weekday, s.start))
    return ",".join(f"{s.weekday} {s.start} {s.end}" for s in slots[:28])


def answer_context() -> dict[str, str]:
    return {"hours": chat_hours()}
