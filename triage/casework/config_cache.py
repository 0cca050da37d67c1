"""Casework configuration read on every new case, kept per process for a few seconds.

Routing rules, SLA targets, closed dates and the urgency thresholds change a few times a year
but are read by every submission. Another web process sees a change at most TTL_SECONDS later:
a case arriving there in those seconds is routed and timed by the previous configuration, exactly
as if it had arrived just before the change. How writes drop the cache: yhteys.readcache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from triage.casework.models import CalendarClosure, CaseworkSetting, RoutingRule, SlaTarget
from yhteys.readcache import ReadCache

TTL_SECONDS = 5.0
T = TypeVar("T")
S = TypeVar("S", bound=Session)  # a SQLModel session stays one for `load`

CONFIG = ReadCache(
    "casework", (RoutingRule, SlaTarget, CalendarClosure, CaseworkSetting), TTL_SECONDS
)


def cached(session: S, name: str, load: Callable[[S], T]) -> T:
    """`load(session)`, or its value from the last TTL_SECONDS in this process."""
    return CONFIG.get(session, name, lambda: load(session))


def invalidate() -> None:
    CONFIG.invalidate()
