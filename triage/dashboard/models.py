"""The dashboard's stored tallies, one per UTC day of arrivals, and the days changed since.

`dashboard_changed` is written by the database itself: triggers on the case and breach tables
(migrations/dashboard) add the UTC day of the arrival of every case inserted, changed in a
column the figures read, or deleted. Nothing in Python has to remember to mark a day, so no
code path (a bulk update, retention, a merge, an erasure) can leave a stored day wrong.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DateTime, LargeBinary
from sqlmodel import Field, SQLModel


class DashboardDay(SQLModel, table=True):
    """A UTC day's tally (triage.dashboard.tally), as counted at `counted_at`."""

    __tablename__ = "dashboard_day"

    day: date = Field(primary_key=True)
    version: int
    counted_at: datetime = Field(sa_type=DateTime(timezone=True))
    stamp: str = Field(max_length=32)  # new at every count: what the processes' caches compare
    tally: bytes = Field(sa_type=LargeBinary)


class DashboardChanged(SQLModel, table=True):
    """A UTC day whose stored tally is out of date (one row per change; the recount clears)."""

    __tablename__ = "dashboard_changed"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
