"""The one clock of the application.

Everything that asks "what time is it?" asks here, so that tests and demos can freeze time through
configuration (YHTEYS_NOW) instead of patching the system clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from yhteys.settings import get_settings

HELSINKI = ZoneInfo("Europe/Helsinki")


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    frozen = get_settings().frozen_now
    if frozen is not None:
        return frozen.astimezone(UTC)
    return datetime.now(UTC)


def local_now() -> datetime:
    """The current instant in Helsinki time, the service's working time zone."""
    return now().astimezone(HELSINKI)


def as_utc(value: datetime) -> datetime:
    """Read a stored datetime as UTC (SQLite hands back naive values)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def machine_time(value: datetime) -> str:
    """A moment for a `<time datetime>` attribute: UTC to the second ("2026-12-06T14:05:09Z");
    HTML allows at most three digits of a second, and a stored moment has six."""
    return as_utc(value).replace(microsecond=0).isoformat().replace("+00:00", "Z")
