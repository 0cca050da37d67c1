"""Tables of the opening hours: weekly slots, dated exceptions, and each channel's contact.

Times are stored as minutes after Helsinki midnight (the end may be 1440, midnight at the end of
the day), never as instants: an opening is a wall-clock promise, and the instant it means depends
on the date (daylight saving time).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from yhteys.clock import now
from yhteys.db import empty_list


def _tz() -> DateTime:
    return DateTime(timezone=True)


class HoursSlot(SQLModel, table=True):
    __tablename__ = "hours_slot"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16, index=True)  # chat | phone | whatsapp
    weekday: int  # Monday 0 ... Sunday 6
    start_minute: int
    end_minute: int
    languages: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())


class HoursException(SQLModel, table=True):
    __tablename__ = "hours_exception"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    channel: str = Field(max_length=16)  # chat | phone | whatsapp | all
    kind: str = Field(max_length=16)  # closed | extra | changed | holiday_open
    start_minute: int | None = None
    end_minute: int | None = None
    languages: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=200)  # for staff only, never shown to the public
    created_at: datetime = Field(default_factory=now, sa_type=_tz())
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())


class HoursChannel(SQLModel, table=True):
    """How a person reaches a channel: a phone number, a WhatsApp number, the chat's address."""

    __tablename__ = "hours_channel"

    channel: str = Field(primary_key=True, max_length=16)
    address: str = Field(default="", max_length=200)  # E.164 number, or the chat's https URL
    demo: bool = False  # a made-up number: the page says so
    updated_at: datetime = Field(default_factory=now, sa_type=_tz())
