"""SQLite: one writer at a time per process, queued in Python rather than in SQLite.

SQLite lets one connection write at a time. A second writer that finds the lock taken sleeps in
SQLite's busy handler, which backs off in steps of up to 100 ms whatever happens meanwhile: at a
few connections that turned a 30 ms form submission into a one-second tail. Here every write
transaction of the process takes one lock first and then begins with `BEGIN IMMEDIATE`, so the
next writer wakes the moment the previous one commits; reads are untouched (under WAL they never
wait for a writer, and they take no lock).

The driver (sqlite3, legacy transaction control) runs reads outside any transaction and opens
one before the first INSERT, UPDATE, DELETE or REPLACE. That is the moment taken here: the
lock is acquired, the transaction begun IMMEDIATE, and the lock released when the driver's
commit or rollback returns, or when the connection goes back to the pool or is closed. A
SAVEPOINT outside a transaction begins one too, and takes the turn the same way.

Another process writing the same file (a second web process, the worker) still meets SQLite's
busy handler and its timeout, as before. A thread that already writes on one connection and
opens a second write on another does not wait for itself: that write goes to SQLite as before.
A writer that waits longer than the busy timeout goes on without the lock, to SQLite's own
timeout and its "database is locked" error, which the outage pages already handle.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# A SAVEPOINT outside a transaction begins a DEFERRED one, which the driver does not see coming:
# its reads would fix a snapshot that a commit elsewhere makes stale, and SQLite refuses the
# later write at once, without waiting. Savepoints here wrap writes (a batch of webhook items,
# one each), so one takes the turn as a write does.
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")


class WriterLock:
    """A first-come, first-served lock that knows the thread and the driver connection holding
    it. Released by whichever thread ends the transaction; handed straight to the writer that
    has waited longest, so no writer is overtaken again and again (the tail it was made for)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()
        self.owner: int | None = None
        self.holder: object | None = None

    def acquire(self, connection: object, timeout: float) -> bool:
        if self.owner == threading.get_ident():
            return False  # this thread writes on another connection: no waiting for itself
        with self._mutex:
            if not self._held:
                self._held = True
                self.owner, self.holder = threading.get_ident(), connection
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if not turn.acquire(timeout=timeout):
            with self._mutex:
                if turn in self._waiters:  # not handed over: give up the place in the queue
                    self._waiters.remove(turn)
                    return False
        self.owner, self.holder = threading.get_ident(), connection  # handed over by release
        return True

    def release(self, connection: object) -> None:
        """Release, if `connection` (a driver connection or the pool's proxy of one) holds it."""
        connection = getattr(connection, "dbapi_connection", connection)
        if connection is None or connection is not self.holder:
            return
        with self._mutex:
            self.owner = self.holder = None
            if self._waiters:
                self._waiters.popleft().release()  # still held: it passes to the next writer
            else:
                self._held = False


def _writes(statement: str) -> bool:
    return statement.lstrip()[:9].upper().startswith(WRITES)


def serialise_writes(
    engine: Engine, timeout: float, after_commit: Callable[[], None] | None = None
) -> WriterLock:
    """Queue the engine's write transactions on one lock; see the module's docstring.
    `after_commit` is called once a write transaction has committed and the lock is passed on."""
    lock = WriterLock()
    dialect = engine.dialect

    @event.listens_for(engine, "before_cursor_execute")
    def _begin_immediate(conn, cursor, statement, _parameters, _context, _many) -> None:  # noqa: ANN001
        raw = cursor.connection
        # A caller that must read and then write in one turn (yhteys.db.serialise) begins
        # IMMEDIATE itself: it takes its place in the queue here, and its statement begins.
        begins = statement.strip().upper() == "BEGIN IMMEDIATE"
        if raw.in_transaction or not (begins or _writes(statement)):
            return
        if not lock.acquire(raw, timeout) or begins:
            return
        try:
            raw.execute("BEGIN IMMEDIATE")
        except BaseException:
            lock.release(raw)
            raise

    original_commit, original_rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:  # noqa: ANN401
        wrote = dbapi_connection.in_transaction  # reads run outside any transaction
        try:
            original_commit(dbapi_connection)
        finally:
            if not dbapi_connection.in_transaction:
                lock.release(dbapi_connection)
        if wrote and after_commit is not None:
            after_commit()

    def do_rollback(dbapi_connection: Any) -> None:  # noqa: ANN401
        try:
            original_rollback(dbapi_connection)
        finally:
            if not dbapi_connection.in_transaction:
                lock.release(dbapi_connection)

    # The dialect belongs to this engine alone: its commit and rollback end the write here.
    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, _record) -> None:  # noqa: ANN001
        lock.release(dbapi_connection)

    @event.listens_for(engine, "close")
    def _closed(dbapi_connection, _record) -> None:  # noqa: ANN001
        lock.release(dbapi_connection)

    return lock
