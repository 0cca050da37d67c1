"""Casework configuration read on every new case, kept per process for a few seconds.

Routing rules, SLA targets, closed dates and the urgency thresholds change a few times a year
but are read by every submission. Each is cached per process for TTL_SECONDS, keyed on the
current settings object (so each test, and each database, has its own cache).

Staleness: in the process that writes (through the ORM, as the admin pages and save functions
do), the cache is dropped at the flush and again at the commit, so the supervisor's own next
action, and the tests, see the change at once. Another web process sees it at most TTL_SECONDS
later: a case arriving there in those seconds is routed and timed by the previous configuration,
exactly as if it had arrived just before the change. A session that has written configuration
itself never uses or fills the cache (it may see its own uncommitted rows).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from triage.casework.models import CalendarClosure, CaseworkSetting, RoutingRule, SlaTarget
from yhteys.settings import get_settings

TTL_SECONDS = 5.0
CONFIG_MODELS = (RoutingRule, SlaTarget, CalendarClosure, CaseworkSetting)
_TABLES = frozenset(model.__tablename__ for model in CONFIG_MODELS)
_WROTE = "casework_config_written"

T = TypeVar("T")

_lock = threading.Lock()
_entries: dict[str, tuple[object, float, Any]] = {}  # name -> (settings, expires, value)
_generation = 0


def cached(session: Session, name: str, load: Callable[[Session], T]) -> T:
    """`load(session)`, or its value from the last TTL_SECONDS in this process."""
    if session.info.get(_WROTE):
        return load(session)
    settings = get_settings()
    entry = _entries.get(name)
    if entry is not None and entry[0] is settings and entry[1] > time.monotonic():
        return entry[2]
    generation = _generation
    value = load(session)
    with _lock:
        # A write that committed while we read makes what we read stale: do not keep it.
        if generation == _generation:
            _entries[name] = (settings, time.monotonic() + TTL_SECONDS, value)
    return value


def invalidate() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _touches_config(session: Session) -> bool:
    return any(
        isinstance(obj, CONFIG_MODELS)
        for objects in (session.new, session.dirty, session.deleted)
        for obj in objects
    )


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: object, _instances: object) -> None:
    if _touches_config(session):
        session.info[_WROTE] = True
        invalidate()


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: Any) -> None:  # noqa: ANN401 - an ORMExecuteState
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    statement = state.statement
    table = getattr(getattr(statement, "table", None), "name", None)
    if table in _TABLES:
        state.session.info[_WROTE] = True
        invalidate()


def _after_end(session: Session) -> None:
    if session.in_nested_transaction():
        return
    if session.info.pop(_WROTE, False):
        invalidate()


event.listen(Session, "after_commit", _after_end)
event.listen(Session, "after_rollback", _after_end)
