"""Per-process caches of configuration tables that are read far more often than written.

A `ReadCache` watches a set of table models. Values are kept for `ttl` seconds, keyed on the
current settings object (so each test, and each database, has its own cache).

Staleness: in the process that writes (through the ORM, as the admin pages and save functions
do), the cache is dropped at the flush and again at the commit, so the writer's own next request,
and the tests, see the change at once. Another process sees it at most `ttl` seconds later.
A session that has written one of the watched tables itself never uses or fills the cache (it
may see its own uncommitted rows). A read that overlaps a write is not stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from yhteys.db import table_of
from yhteys.settings import get_settings

T = TypeVar("T")

_caches: list[ReadCache] = []


class ReadCache:
    def __init__(self, name: str, models: tuple[type[SQLModel], ...], ttl: float) -> None:
        self.models = models
        self.tables = frozenset(table_of(model).name for model in models)
        self.ttl = ttl
        self._wrote = f"readcache_written:{name}"
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[object, float, Any]] = {}  # key -> (settings, until, value)
        self._generation = 0
        _caches.append(self)

    def get(self, session: Session | None, key: str, load: Callable[[], T]) -> T:
        """`load()`, or its value from the last `ttl` seconds in this process."""
        if session is not None and session.info.get(self._wrote):
            return load()
        settings = get_settings()
        entry = self._entries.get(key)
        if entry is not None and entry[0] is settings and entry[1] > time.monotonic():
            return entry[2]
        generation = self._generation
        value = load()
        with self._lock:
            if generation == self._generation:
                self._entries[key] = (settings, time.monotonic() + self.ttl, value)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def _touched(self, session: Session) -> bool:
        return any(
            isinstance(obj, self.models)
            for objects in (session.new, session.dirty, session.deleted)
            for obj in objects
        )

    def _mark(self, session: Session) -> None:
        session.info[self._wrote] = True
        self.invalidate()


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: object, _instances: object) -> None:
    for cache in _caches:
        if cache._touched(session):
            cache._mark(session)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: Any) -> None:  # noqa: ANN401 - an ORMExecuteState
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    for cache in _caches:
        if table in cache.tables:
            cache._mark(state.session)


def _after_end(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for cache in _caches:
        if session.info.pop(cache._wrote, False):
            cache.invalidate()


event.listen(Session, "after_commit", _after_end)
event.listen(Session, "after_rollback", _after_end)
